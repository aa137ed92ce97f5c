package io.gevent4j.monkey;

import io.gevent4j.hub.Hub;
import io.gevent4j.net.ServerSocket;
import io.gevent4j.net.Socket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.SocketOptions;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@link SocketImpl} backed by gevent4j's cooperative {@link Socket} / {@link ServerSocket}: the
 * {@code java.net.Socket} or {@code java.net.ServerSocket} that owns it blocks only the calling
 * greenlet, on the hub's own loop. It belongs to the hub of the greenlet that created it (an accepted
 * one to its server's hub) and works from any thread, as gevent4j's sockets do: a call from another
 * thread (a pool's maintenance thread, another hub's greenlet) runs on the socket's hub while the caller
 * waits; {@code close} works from anywhere and takes effect at once.
 *
 * <p>Options set before the connection exists are remembered and applied once it does.
 * {@code SO_TIMEOUT} limits reads and accepts (as in the JDK), never writes. {@code TCP_NODELAY}
 * defaults to off, as on the JDK's sockets.
 */
final class GreenSocketImpl extends SocketImpl {
    /** Connections made or accepted through this class (tests check that libraries went through it). */
    static final java.util.concurrent.atomic.AtomicLong CONNECTIONS = new java.util.concurrent.atomic.AtomicLong();

    private final boolean serverSide;
    /** The socket's hub: the creating greenlet's; for an accepted socket, set by the server's accept. */
    private volatile Hub hub;
    private volatile Socket sock;
    private volatile ServerSocket server;
    private InetSocketAddress bindTo;
    private final Map<SocketOption<?>, Object> pending = new LinkedHashMap<>();
    private volatile int soTimeoutMillis;
    private volatile Duration soTimeout;
    private InputStream in;
    private OutputStream out;
    private volatile boolean closed;

    GreenSocketImpl(boolean serverSide) {
        this.serverSide = serverSide;
        this.hub = Hub.currentIfAny(); // the creating greenlet's hub; accepted sockets get theirs in accept
    }

    /** True when the calling thread is a greenlet (any virtual thread that runs on a hub). */
    static boolean inGreenlet() {
        return Thread.currentThread().isVirtual() && Hub.currentIfAny() != null;
    }

    /**
     * True when the JDK asks the socket factory for the implementation of a connection that a
     * cooperative {@code ServerSocket} is accepting (only a custom server implementation, ours, makes
     * {@code ServerSocket.implAccept} call the factory): that connection must be cooperative too, on
     * the server's hub, whatever thread calls {@code accept}.
     */
    static boolean forCooperativeAccept() {
        return StackWalker.getInstance().walk(frames -> frames.limit(12).anyMatch(f ->
                f.getClassName().equals("java.net.ServerSocket") && f.getMethodName().equals("implAccept")));
    }

    private Hub hub() throws SocketException {
        Hub h = hub;
        if (h == null) {
            throw new SocketException("a cooperative socket must be created in a greenlet (created in a thread"
                    + " without a hub; now used from " + Thread.currentThread() + ")");
        }
        return h;
    }

    @Override
    protected void create(boolean stream) throws IOException {
        if (!stream) {
            throw new SocketException("gevent4j's patched sockets are TCP only");
        }
    }

    // ------------------------------------------------------------------ connecting

    @Override
    protected void connect(String host, int port) throws IOException {
        connect(new InetSocketAddress(InetAddress.getByName(host), port), 0);
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        connect(new InetSocketAddress(address, port), 0);
    }

    @Override
    protected void connect(SocketAddress address, int timeout) throws IOException {
        Hub h = hub();
        if (!(address instanceof InetSocketAddress isa)) {
            throw new IllegalArgumentException("unsupported address type: " + address);
        }
        if (isa.isUnresolved()) {
            throw new UnknownHostException(isa.getHostName());
        }
        if (closed) {
            throw new SocketException("Socket closed");
        }
        Socket s = Socket.connect(h, isa, timeout > 0 ? Duration.ofMillis(timeout) : null, bindTo);
        s.setTimeout(null); // per-call limits are set by the streams
        attach(s);
    }

    private void attach(Socket s) throws IOException {
        CONNECTIONS.incrementAndGet();
        this.sock = s;
        if (closed) { // closed from another thread while connecting
            s.close();
            throw new SocketException("Socket closed");
        }
        if (!pending.containsKey(StandardSocketOptions.TCP_NODELAY)) {
            s.setTcpNoDelay(false); // the JDK's default
        }
        for (Map.Entry<SocketOption<?>, Object> e : pending.entrySet()) {
            apply(e.getKey(), e.getValue());
        }
        pending.clear();
        InetSocketAddress remote = s.remoteAddress();
        InetSocketAddress local = s.localAddress();
        this.address = remote.getAddress();
        this.port = remote.getPort();
        this.localport = local.getPort();
    }

    @SuppressWarnings("unchecked")
    private <T> void apply(SocketOption<T> name, Object value) throws IOException {
        if (sock != null) {
            sock.setOption(name, (T) value);
        }
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        hub();
        this.bindTo = new InetSocketAddress(host == null ? InetAddress.getByName("0.0.0.0") : host, port);
        this.localport = port;
        if (serverSide) {
            this.address = bindTo.getAddress();
        }
    }

    @Override
    protected void listen(int backlog) throws IOException {
        Hub h = hub();
        if (!serverSide) {
            throw new SocketException("listen on a client socket");
        }
        InetSocketAddress at = bindTo != null ? bindTo : new InetSocketAddress(0);
        ServerSocket ss = ServerSocket.bind(h, at, backlog < 1 ? 50 : backlog, false);
        this.server = ss;
        if (closed) {
            ss.close();
            throw new SocketException("Socket closed");
        }
        this.localport = ss.port();
        this.address = ss.localAddress().getAddress();
    }

    @Override
    protected void accept(SocketImpl s) throws IOException {
        Hub h = hub();
        ServerSocket ss = server;
        if (ss == null) {
            throw new SocketException(closed ? "Socket closed" : "not listening");
        }
        if (!(s instanceof GreenSocketImpl g)) {
            throw new SocketException("this cooperative ServerSocket cannot accept into a " + s.getClass().getName()
                    + " (the JDK made it for the connection in " + Thread.currentThread() + "; an SSLServerSocket"
                    + " created in a greenlet must accept in a greenlet)");
        }
        ss.setTimeout(soTimeout); // SO_TIMEOUT belongs to the server socket: every acceptor uses the same
        Socket c = ss.accept();
        g.hub = h;
        try {
            g.attach(c);
        } catch (Throwable e) { // a kill or timeout too: never leak the accepted socket
            c.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ streams

    private Socket connected() throws IOException {
        Socket s = sock;
        if (s == null) {
            throw new SocketException(closed ? "Socket closed" : "Socket is not connected");
        }
        return s;
    }

    @Override
    protected synchronized InputStream getInputStream() throws IOException {
        Socket s = connected();
        if (in == null) {
            in = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    int n = read(one, 0, 1);
                    return n < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    java.util.Objects.checkFromIndexSize(off, len, b.length);
                    if (len == 0) {
                        return 0;
                    }
                    connected();
                    return s.read(ByteBuffer.wrap(b, off, len), soTimeout);
                }

                @Override
                public int available() throws IOException {
                    connected();
                    return 0;
                }

                @Override
                public void close() throws IOException {
                    GreenSocketImpl.this.close();
                }
            };
        }
        return in;
    }

    @Override
    protected synchronized OutputStream getOutputStream() throws IOException {
        Socket s = connected();
        if (out == null) {
            out = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    java.util.Objects.checkFromIndexSize(off, len, b.length);
                    connected();
                    s.write(b, off, len); // the socket's own timeout is off: SO_TIMEOUT is for reads
                }

                @Override
                public void close() throws IOException {
                    GreenSocketImpl.this.close();
                }
            };
        }
        return out;
    }

    @Override
    protected int available() throws IOException {
        connected();
        return 0;
    }

    @Override
    protected void close() throws IOException {
        closed = true;
        Socket s = sock;
        if (s != null) {
            s.close();
        }
        ServerSocket ss = server;
        if (ss != null) {
            ss.close();
        }
    }

    /*
     * Like the JDK's sockets, ignore ENOTCONN (the peer already closed the connection): the native
     * backend reports it as an unchecked NotYetConnectedException; TLS's close relies on this.
     */
    @Override
    protected void shutdownInput() throws IOException {
        try {
            connected().shutdownInput();
        } catch (java.nio.channels.NotYetConnectedException peerGone) {
            // nothing left to shut down
        }
    }

    @Override
    protected void shutdownOutput() throws IOException {
        try {
            connected().shutdownOutput();
        } catch (java.nio.channels.NotYetConnectedException peerGone) {
            // nothing left to shut down
        }
    }

    @Override
    protected boolean supportsUrgentData() {
        return false;
    }

    @Override
    protected void sendUrgentData(int data) throws IOException {
        throw new SocketException("urgent data is not supported by gevent4j's patched sockets");
    }

    // ------------------------------------------------------------------ options

    private static final Set<SocketOption<?>> CLIENT_OPTIONS = Set.of(StandardSocketOptions.TCP_NODELAY,
            StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER, StandardSocketOptions.SO_RCVBUF,
            StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.IP_TOS);
    private static final Set<SocketOption<?>> SERVER_OPTIONS = Set.of(StandardSocketOptions.SO_RCVBUF,
            StandardSocketOptions.SO_REUSEADDR);

    @Override
    protected Set<SocketOption<?>> supportedOptions() {
        return serverSide ? SERVER_OPTIONS : CLIENT_OPTIONS;
    }

    @Override
    protected <T> void setOption(SocketOption<T> name, T value) throws IOException {
        if (!supportedOptions().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        setStd(name, value);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected <T> T getOption(SocketOption<T> name) throws IOException {
        if (!supportedOptions().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        return (T) getStd(name);
    }

    private <T> void setStd(SocketOption<T> name, T value) throws IOException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        if (sock != null) {
            sock.setOption(name, value);
        } else if (server != null && name == StandardSocketOptions.SO_REUSEADDR) {
            // the listening socket is bound already; SO_REUSEADDR is on, as on the JDK's ServerSocket
        } else {
            pending.put(name, value);
        }
    }

    private Object getStd(SocketOption<?> name) throws IOException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        if (sock != null) {
            return sock.getOption(name);
        }
        Object v = pending.get(name);
        if (v != null) {
            return v;
        }
        if (name == StandardSocketOptions.SO_REUSEADDR) {
            return serverSide;
        }
        if (name == StandardSocketOptions.SO_LINGER) {
            return -1;
        }
        if (name == StandardSocketOptions.TCP_NODELAY || name == StandardSocketOptions.SO_KEEPALIVE) {
            return false;
        }
        return 0;
    }

    @Override
    public void setOption(int optID, Object value) throws SocketException {
        try {
            switch (optID) {
                case SocketOptions.SO_TIMEOUT -> {
                    int ms = ((Integer) value);
                    if (ms < 0) {
                        throw new IllegalArgumentException("timeout < 0");
                    }
                    soTimeoutMillis = ms;
                    soTimeout = ms == 0 ? null : Duration.ofMillis(ms);
                }
                case SocketOptions.TCP_NODELAY -> setStd(StandardSocketOptions.TCP_NODELAY, (Boolean) value);
                case SocketOptions.SO_KEEPALIVE -> setStd(StandardSocketOptions.SO_KEEPALIVE, (Boolean) value);
                case SocketOptions.SO_REUSEADDR -> setStd(StandardSocketOptions.SO_REUSEADDR, (Boolean) value);
                case SocketOptions.SO_RCVBUF -> setStd(StandardSocketOptions.SO_RCVBUF, (Integer) value);
                case SocketOptions.SO_SNDBUF -> setStd(StandardSocketOptions.SO_SNDBUF, (Integer) value);
                case SocketOptions.IP_TOS -> setStd(StandardSocketOptions.IP_TOS, (Integer) value);
                case SocketOptions.SO_LINGER -> {
                    int secs = value instanceof Integer i ? i : -1; // Boolean.FALSE: off
                    setStd(StandardSocketOptions.SO_LINGER, secs);
                }
                case SocketOptions.SO_OOBINLINE -> {
                    if (Boolean.TRUE.equals(value)) {
                        throw new SocketException("SO_OOBINLINE is not supported by gevent4j's patched sockets");
                    }
                }
                default -> throw new SocketException("unsupported option " + optID);
            }
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            SocketException se = new SocketException(e.getMessage());
            se.initCause(e);
            throw se;
        }
    }

    @Override
    public Object getOption(int optID) throws SocketException {
        try {
            return switch (optID) {
                case SocketOptions.SO_TIMEOUT -> soTimeoutMillis;
                case SocketOptions.TCP_NODELAY -> getStd(StandardSocketOptions.TCP_NODELAY);
                case SocketOptions.SO_KEEPALIVE -> getStd(StandardSocketOptions.SO_KEEPALIVE);
                case SocketOptions.SO_REUSEADDR -> getStd(StandardSocketOptions.SO_REUSEADDR);
                case SocketOptions.SO_RCVBUF -> getStd(StandardSocketOptions.SO_RCVBUF);
                case SocketOptions.SO_SNDBUF -> getStd(StandardSocketOptions.SO_SNDBUF);
                case SocketOptions.IP_TOS -> getStd(StandardSocketOptions.IP_TOS);
                case SocketOptions.SO_LINGER -> getStd(StandardSocketOptions.SO_LINGER);
                case SocketOptions.SO_OOBINLINE -> Boolean.FALSE;
                case SocketOptions.SO_BINDADDR -> localInetAddress();
                default -> throw new SocketException("unsupported option " + optID);
            };
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            SocketException se = new SocketException(e.getMessage());
            se.initCause(e);
            throw se;
        }
    }

    private InetAddress localInetAddress() throws IOException {
        if (sock != null) {
            return sock.localAddress().getAddress();
        }
        if (server != null) {
            return server.localAddress().getAddress();
        }
        return bindTo != null ? bindTo.getAddress() : InetAddress.getByName("0.0.0.0");
    }

    @Override
    public String toString() {
        return "GreenSocketImpl[" + (sock != null ? sock : server != null ? server : "unconnected") + "]";
    }
}
