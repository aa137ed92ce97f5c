package io.gevent4j.monkey;

import javax.net.SocketFactory;
import java.io.IOException;
import java.net.Socket;

/**
 * A {@link SocketFactory} for libraries that accept one (JDBC drivers, HTTP and Redis clients): sockets
 * it creates in a greenlet are gevent4j's cooperative sockets on that greenlet's hub, wrapped as
 * {@code java.net.Socket}; elsewhere it hands out the JDK's default sockets. Works without
 * {@link Monkey#patchSocket()} and without extra JVM flags.
 *
 * <pre>{@code
 * props.setProperty("socketFactory", CooperativeSocketFactory.class.getName()); // PostgreSQL JDBC
 * }</pre>
 *
 * The limits of {@link Monkey} apply to the cooperative sockets (TCP only; they work from any thread).
 */
public class CooperativeSocketFactory extends Factories.Connecting {
    private static final CooperativeSocketFactory DEFAULT = new CooperativeSocketFactory();

    /** A new factory (public so that libraries can instantiate it by class name). */
    public CooperativeSocketFactory() {
    }

    /** {@return the shared instance (gevent4j's counterpart of {@link SocketFactory#getDefault()})} */
    public static SocketFactory getDefault() {
        return DEFAULT;
    }

    /** An unconnected socket: cooperative in a greenlet, the JDK's default elsewhere. */
    @Override
    public Socket createSocket() throws IOException {
        if (GreenSocketImpl.inGreenlet()) {
            return new CooperativeSocket();
        }
        return SocketFactory.getDefault().createSocket();
    }

    /** A {@code java.net.Socket} over gevent4j's cooperative socket. */
    static final class CooperativeSocket extends Socket {
        CooperativeSocket() throws java.net.SocketException {
            super(new GreenSocketImpl(false));
        }
    }
}
