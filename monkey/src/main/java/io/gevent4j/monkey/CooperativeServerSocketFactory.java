package io.gevent4j.monkey;

import javax.net.ServerSocketFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A {@link ServerSocketFactory} whose server sockets, created in a greenlet, accept cooperatively on
 * that greenlet's hub and hand out cooperative {@code java.net.Socket}s; elsewhere it hands out the
 * JDK's default server sockets. Works without {@link Monkey#patchSocket()} and without extra JVM flags.
 */
public class CooperativeServerSocketFactory extends Factories.Binding {
    private static final CooperativeServerSocketFactory DEFAULT = new CooperativeServerSocketFactory();

    /** A new factory (public so that libraries can instantiate it by class name). */
    public CooperativeServerSocketFactory() {
    }

    /** {@return the shared instance} */
    public static ServerSocketFactory getDefault() {
        return DEFAULT;
    }

    /** An unbound server socket: cooperative in a greenlet, the JDK's default elsewhere. */
    @Override
    public ServerSocket createServerSocket() throws IOException {
        if (GreenSocketImpl.inGreenlet()) {
            return new CooperativeServerSocket();
        }
        return ServerSocketFactory.getDefault().createServerSocket();
    }

    /** A {@code java.net.ServerSocket} over gevent4j's cooperative server socket. */
    static final class CooperativeServerSocket extends ServerSocket {
        CooperativeServerSocket() throws IOException {
            super(new GreenSocketImpl(true));
        }

        @Override
        public Socket accept() throws IOException {
            if (isClosed()) {
                throw new java.net.SocketException("Socket is closed");
            }
            if (!isBound()) {
                throw new java.net.SocketException("Socket is not bound yet");
            }
            Socket s = new CooperativeSocketFactory.CooperativeSocket();
            implAccept(s);
            return s;
        }
    }
}
