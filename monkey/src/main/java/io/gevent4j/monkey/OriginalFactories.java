package io.gevent4j.monkey;

import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;

/** The JDK's own sockets, whatever factory is installed (see {@link Monkey#original(String)}). */
final class OriginalFactories {
    private OriginalFactories() {
    }

    static final SocketFactory SOCKETS = new Factories.Connecting() {
        @Override
        public Socket createSocket() throws IOException {
            return new PlatformSocket();
        }
    };

    static final ServerSocketFactory SERVER_SOCKETS = new Factories.Binding() {
        @Override
        public ServerSocket createServerSocket() throws IOException {
            return new PlatformServerSocket();
        }
    };

    /** A socket with the JDK's platform implementation. */
    static final class PlatformSocket extends Socket {
        PlatformSocket() throws java.net.SocketException {
            super(PlatformSockets.create(false));
        }
    }

    /** A server socket with the JDK's platform implementation. */
    static final class PlatformServerSocket extends ServerSocket {
        PlatformServerSocket() throws IOException {
            super(PlatformSockets.create(true));
        }
    }
}
