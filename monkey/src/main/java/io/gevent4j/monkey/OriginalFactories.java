package io.gevent4j.monkey;

import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** The JDK's own sockets, whatever factory is installed (see {@link Monkey#original(String)}). */
final class OriginalFactories {
    private OriginalFactories() {
    }

    static final SocketFactory SOCKETS = new SocketFactory() {
        @Override
        public Socket createSocket() throws IOException {
            return new PlatformSocket();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return Factories.connect(createSocket(), new InetSocketAddress(host, port), null);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return Factories.connect(createSocket(), new InetSocketAddress(host, port),
                    new InetSocketAddress(localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return Factories.connect(createSocket(), new InetSocketAddress(host, port), null);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return Factories.connect(createSocket(), new InetSocketAddress(address, port),
                    new InetSocketAddress(localAddress, localPort));
        }
    };

    static final ServerSocketFactory SERVER_SOCKETS = new ServerSocketFactory() {
        @Override
        public ServerSocket createServerSocket() throws IOException {
            return new PlatformServerSocket();
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return Factories.bind(createServerSocket(), new InetSocketAddress(port), 50);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return Factories.bind(createServerSocket(), new InetSocketAddress(port), backlog);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
            return Factories.bind(createServerSocket(), new InetSocketAddress(ifAddress, port), backlog);
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
