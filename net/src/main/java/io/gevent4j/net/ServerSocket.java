package io.gevent4j.net;

import io.gevent4j.hub.Hub;
import io.gevent4j.loop.Loop;
import io.gevent4j.net.internal.Sock;
import io.gevent4j.net.internal.Transport;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;

/**
 * A cooperative listening TCP socket: {@link #accept()} parks the calling greenlet on the hub's loop
 * until a connection arrives. It belongs to the hub of the thread that bound it and works from any
 * thread, as {@link Socket} does (another thread's {@code accept} runs on the hub while the caller
 * waits; the accepted socket belongs to this hub too); {@link #close()} may be called from anywhere and
 * wakes a greenlet blocked in {@code accept} with a {@link SocketException}. {@code SO_REUSEADDR} is on
 * by default.
 */
public final class ServerSocket implements Closeable {
    /** The default listen backlog. */
    public static final int DEFAULT_BACKLOG = 1024;

    final IoCore core;
    private final InetSocketAddress local;

    private ServerSocket(IoCore core) {
        this.core = core;
        this.local = core.sock.localAddress();
    }

    /**
     * Binds to {@code address} (port 0: any free port) with the default backlog on the current hub.
     *
     * @param address the address
     * @return the listening socket
     * @throws IOException if an I/O error occurs
     */
    public static ServerSocket bind(InetSocketAddress address) throws IOException {
        return bind(address, DEFAULT_BACKLOG, false);
    }

    /**
     * Binds and listens on the current hub.
     *
     * @param address the address
     * @param backlog the listen backlog
     * @param reusePort set {@code SO_REUSEPORT}: several sockets (on several hubs) may then listen on
     *                  one port and the kernel spreads the connections among them
     * @return the listening socket
     * @throws IOException if an I/O error occurs
     */
    public static ServerSocket bind(InetSocketAddress address, int backlog, boolean reusePort) throws IOException {
        return bind(Hub.current(), address, backlog, reusePort);
    }

    /** Binds and listens on {@code hub}, from any thread; otherwise as {@link #bind(InetSocketAddress, int, boolean)}. */
    public static ServerSocket bind(Hub hub, InetSocketAddress address, int backlog, boolean reusePort)
            throws IOException {
        Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new java.net.UnknownHostException(address.getHostString());
        }
        return HandOff.call(hub, null, () -> new ServerSocket(new IoCore(hub,
                Transport.server(hub.loop(), address, backlog, true, reusePort))));
    }

    /**
     * Binds to {@code host:port}, the host given as an IP literal (or "localhost").
     *
     * @param host a host name or a literal address
     * @param port the port
     * @return the listening socket
     * @throws IOException if an I/O error occurs
     */
    public static ServerSocket bind(String host, int port) throws IOException {
        return bind(new InetSocketAddress(InetAddress.getByName(host), port));
    }

    /**
     * Waits for a connection and returns it, owned by this server's hub.
     *
     * @return the accepted connection
     * @throws SocketTimeoutException if none arrives within {@link #setTimeout the timeout}
     * @throws SocketException "Socket closed" if the server socket is closed, also while waiting
     */
    public Socket accept() throws IOException {
        return accept(core.timeoutNanos); // the limit of the call is the one set when it was made
    }

    private Socket accept(long nanos) throws IOException {
        if (!core.onHub()) {
            return HandOff.call(core, () -> accept(nanos));
        }
        core.checkOpen();
        while (true) {
            Sock c = core.sock.accept();
            if (c != null) {
                return Socket.accepted(core.hub, c);
            }
            core.await(Loop.READ, "accept", nanos);
        }
    }

    /**
     * Limits each {@link #accept()}; null (the default) waits forever.
     *
     * @param timeout the limit (null: none)
     */
    public void setTimeout(Duration timeout) {
        core.timeoutNanos = Socket.nanos(timeout);
    }

    /** {@return the bound address (with the real port when bound to port 0)} */
    public InetSocketAddress localAddress() {
        return local;
    }

    /** {@return the bound port} */
    public int port() {
        return local.getPort();
    }

    /** {@return the file descriptor on the native backends, -1 on NIO} */
    public int fileno() {
        return core.sock.fd();
    }

    /** {@return the hub this socket belongs to} */
    public Hub hub() {
        return core.hub;
    }

    /** {@return true after {@link #close()}} */
    public boolean isClosed() {
        return core.isClosed();
    }

    /** Stops listening; a greenlet blocked in {@link #accept()} wakes with {@link SocketException}. */
    @Override
    public void close() {
        core.close();
    }

    @Override
    public String toString() {
        return "ServerSocket[" + core + ", " + local + "]";
    }
}
