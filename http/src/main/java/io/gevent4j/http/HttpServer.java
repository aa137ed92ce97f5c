package io.gevent4j.http;

import io.gevent4j.net.SslSocket;
import io.gevent4j.net.StreamServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * An HTTP/1.1 server (gevent's {@code pywsgi.WSGIServer}): a greenlet per connection on a
 * {@link StreamServer}, handlers written as plain blocking code.
 *
 * <pre>{@code
 * HttpServer server = HttpServer.create(new InetSocketAddress(8080), (req, resp) -> {
 *     resp.send("Hello, " + req.queryParams().getOrDefault("name", List.of("World")).get(0) + "!");
 * });
 * server.serveForever();   // until server.stop() from another greenlet or thread
 * }</pre>
 *
 * <h2>HTTPS</h2>
 * {@link #https(InetSocketAddress, SSLContext, HttpHandler)} serves TLS over {@link SslSocket}: each
 * connection's handshake runs in its own greenlet within {@link #handshakeTimeout(Duration)}, ALPN
 * announces {@code http/1.1}, and the handler sees the session and the SNI host name through
 * {@link Request#sslSession()} and {@link Request#sniHostName()}. A client whose handshake fails (a
 * plain-text request on the TLS port, no common protocol, a timeout) only loses its own connection:
 * it is logged at DEBUG and counted in {@link #handshakeFailures()}.
 * {@link #sslEngineConfigurer(Consumer)} adjusts each engine (client authentication, protocols).
 *
 * <pre>{@code
 * HttpServer.https(new InetSocketAddress(8443), sslContext, (req, resp) -> resp.send("secure"))
 *         .serveForever();
 * }</pre>
 *
 * <h2>Protocol</h2>
 * Persistent connections (HTTP/1.1 unless {@code Connection: close}; HTTP/1.0 with
 * {@code Connection: keep-alive}), pipelining with responses in order, chunked request and response
 * bodies, {@code Expect: 100-continue}, {@code HEAD}. Requests are parsed strictly (RFC 9112,
 * request-smuggling safe): a malformed or oversized request is answered with its status (400, 408,
 * 413, 414, 417, 431, 501, 505) and the connection is closed.
 *
 * <h2>Limits</h2>
 * {@link #maxRequestLine(int)}, {@link #maxHeaderBytes(int)}, {@link #maxBodySize(long)};
 * {@link #headerTimeout(Duration)} bounds the time to receive a request head (a slowloris client gets
 * 408 and is closed), {@link #idleTimeout(Duration)} how long an idle keep-alive connection is kept,
 * {@link #ioTimeout(Duration)} each read or write while a handler runs, {@link #bodyTimeout(Duration)}
 * the whole request body (a client trickling its body gets 408).
 *
 * <h2>Errors</h2>
 * A handler that throws gives a 500 (no stack trace in the body; the exception is logged through
 * SLF4J at ERROR on {@code io.gevent4j.http.HttpConnection}) and the server keeps serving; if the
 * response was already committed the connection is closed instead.
 *
 * <h2>Access log</h2>
 * Off by default; {@link #accessLog(boolean) accessLog(true)} logs every request at INFO on the SLF4J
 * logger {@code io.gevent4j.http.access}, in Common Log Format plus the duration in seconds.
 *
 * <h2>Stopping</h2>
 * {@link #stop(Duration)} refuses new connections at once, half-closes idle keep-alive connections (they
 * close when the client does, or after 2 s), lets requests in flight finish (their responses carry
 * {@code Connection: close}) for up to the timeout, then kills the rest.
 */
public final class HttpServer implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    /** The {@code Server} header's default value. */
    public static final String DEFAULT_SERVER_NAME = "gevent4j";
    /** The protocol an HTTPS server announces with ALPN. */
    static final String[] ALPN = {"http/1.1"};

    private final HttpHandler handler;
    private final StreamServer streamServer;
    /** Open connections by arrival: stop() closes the idle ones oldest first, the same order in every run. */
    private final ConcurrentSkipListMap<Long, HttpConnection> connections = new ConcurrentSkipListMap<>();
    private final AtomicLong connectionIds = new AtomicLong();
    private int maxRequestLine = 8 * 1024;
    private int maxHeaderBytes = 16 * 1024;
    private long maxBodySize = 16L * 1024 * 1024;
    private long headerTimeoutNanos = Duration.ofSeconds(10).toNanos();
    private long idleTimeoutNanos = Duration.ofSeconds(30).toNanos();
    private Duration ioTimeout = Duration.ofSeconds(60);
    private long bodyTimeoutNanos = Duration.ofMinutes(5).toNanos();
    private boolean accessLog;
    private SSLContext sslContext;
    private Consumer<SSLEngine> sslEngineConfigurer;
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private final LongAdder handshakeFailures = new LongAdder();
    /** Requests whose handler ran, and requests rejected before it (malformed, too large, timed out). */
    final LongAdder requests = new LongAdder();
    final LongAdder rejected = new LongAdder();
    private byte[] serverLine = serverLine(DEFAULT_SERVER_NAME);
    private volatile boolean stopping;

    private HttpServer(InetSocketAddress address, HttpHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
        this.streamServer = new StreamServer(address, this::serveConnection);
    }

    /**
     * {@return a server for {@code address} (port 0: any free port, see {@link #address()}); not yet started}
     *
     * @param address where to listen (port 0: any free port)
     * @param handler the handler
     */
    public static HttpServer create(InetSocketAddress address, HttpHandler handler) {
        return new HttpServer(Objects.requireNonNull(address, "address"), handler);
    }

    /**
     * An HTTPS server for {@code address} with the certificates of {@code context}; not yet started.
     * Everything else is as for {@link #create}.
     *
     * @param address where to listen (port 0: any free port)
     * @param context the server's TLS context (its certificate and key)
     * @param handler the code to run
     * @return this
     */
    public static HttpServer https(InetSocketAddress address, SSLContext context, HttpHandler handler) {
        HttpServer s = create(address, handler);
        s.sslContext = Objects.requireNonNull(context, "context");
        return s;
    }

    private void serveConnection(io.gevent4j.net.Socket socket, InetSocketAddress peer) throws IOException {
        Transport t;
        if (sslContext != null) {
            SslSocket ssl = SslSocket.wrap(socket, newEngine(peer));
            try {
                ssl.handshake(handshakeTimeout);
            } catch (IOException e) {
                handshakeFailures.increment();
                log.debug("{}: TLS handshake failed: {}", peer, e.toString());
                return; // the StreamServer closes the socket
            }
            t = Transport.of(ssl);
        } else {
            t = Transport.of(socket);
        }
        HttpConnection c = new HttpConnection(this, t, peer);
        long id = connectionIds.incrementAndGet();
        connections.put(id, c);
        try {
            c.serve();
        } finally {
            connections.remove(id);
            t.close();
        }
    }

    private SSLEngine newEngine(InetSocketAddress peer) {
        // the peer's address as the engine's peer host: for configurers that look at the client
        SSLEngine e = sslContext.createSSLEngine(peer.getAddress().getHostAddress(), peer.getPort());
        e.setUseClientMode(false);
        SSLParameters p = e.getSSLParameters();
        p.setApplicationProtocols(ALPN);
        e.setSSLParameters(p);
        if (sslEngineConfigurer != null) {
            sslEngineConfigurer.accept(e);
        }
        return e;
    }

    // ------------------------------------------------------------------ configuration

    private void checkNotStarted() {
        if (streamServer.isStarted() || stopping) {
            throw new IllegalStateException("server already started");
        }
    }

    /**
     * Longest request line accepted; longer gets 414 (default 8 KiB).
     *
     * @param bytes the limit, in bytes
     * @return this {@code HttpServer}
     */
    public HttpServer maxRequestLine(int bytes) {
        checkNotStarted();
        this.maxRequestLine = positive(bytes);
        return this;
    }

    /**
     * Largest header section accepted; larger gets 431 (default 16 KiB).
     *
     * @param bytes the limit, in bytes
     * @return this {@code HttpServer}
     */
    public HttpServer maxHeaderBytes(int bytes) {
        checkNotStarted();
        this.maxHeaderBytes = positive(bytes);
        return this;
    }

    /**
     * Largest request body accepted; larger gets 413 (default 16 MiB).
     *
     * @param bytes the limit, in bytes
     * @return this {@code HttpServer}
     */
    public HttpServer maxBodySize(long bytes) {
        checkNotStarted();
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size");
        }
        this.maxBodySize = bytes;
        return this;
    }

    /**
     * Time allowed to receive a whole request head once its first byte arrived, and for the first
     * request of a new connection to start (default 10 s). Past it: 408 and the connection closes.
     *
     * @param timeout the limit
     * @return this {@code HttpServer}
     */
    public HttpServer headerTimeout(Duration timeout) {
        checkNotStarted();
        this.headerTimeoutNanos = positive(timeout).toNanos();
        return this;
    }

    /**
     * How long a keep-alive connection may stay idle between requests before it is closed (default 30 s).
     *
     * @param timeout the limit
     * @return this {@code HttpServer}
     */
    public HttpServer idleTimeout(Duration timeout) {
        checkNotStarted();
        this.idleTimeoutNanos = positive(timeout).toNanos();
        return this;
    }

    /**
     * Limit of each socket read or write while a handler runs (default 60 s).
     *
     * @param timeout the limit
     * @return this {@code HttpServer}
     */
    public HttpServer ioTimeout(Duration timeout) {
        checkNotStarted();
        this.ioTimeout = positive(timeout);
        return this;
    }

    /**
     * Time allowed for a client's TLS handshake (default 10 s); past it the connection is closed and
     * counted in {@link #handshakeFailures()}. HTTPS servers only.
     *
     * @param timeout how long to wait at most
     * @return this
     */
    public HttpServer handshakeTimeout(Duration timeout) {
        checkNotStarted();
        this.handshakeTimeout = positive(timeout);
        return this;
    }

    /**
     * Called with each connection's {@link SSLEngine} (server mode, ALPN {@code http/1.1} already
     * set) before its handshake: require client certificates, restrict protocols or cipher suites.
     * HTTPS servers only.
     *
     * @param configurer called with each connection's engine
     * @return this
     */
    public HttpServer sslEngineConfigurer(Consumer<SSLEngine> configurer) {
        checkNotStarted();
        if (sslContext == null) {
            throw new IllegalStateException("not an HTTPS server");
        }
        this.sslEngineConfigurer = configurer;
        return this;
    }

    /**
     * True if this server speaks HTTPS.
     *
     * @return whether this server speaks HTTPS
     */
    public boolean isSecure() {
        return sslContext != null;
    }

    /**
     * TLS handshakes that failed or timed out since the server was created.
     *
     * @return the number of failed handshakes
     */
    public long handshakeFailures() {
        return handshakeFailures.sum();
    }

    /**
     * Time allowed to receive a whole request body, counted from the end of its head (default 5 min).
     * {@link #ioTimeout} bounds each read, this the sum: a client trickling its body a byte at a time
     * cannot hold the connection's greenlet for {@code maxBodySize} x {@code ioTimeout}. Past it the
     * handler's read throws {@link java.net.SocketTimeoutException}; if the handler lets it escape before
     * answering, the client gets 408 and the connection closes.
     *
     * @param timeout how long to wait at most
     * @return this
     */
    public HttpServer bodyTimeout(Duration timeout) {
        checkNotStarted();
        this.bodyTimeoutNanos = positive(timeout).toNanos();
        return this;
    }

    /**
     * Logs each request on SLF4J logger {@code io.gevent4j.http.access} at INFO (default off).
     *
     * @param on whether to turn it on
     * @return this
     */
    public HttpServer accessLog(boolean on) {
        this.accessLog = on;
        return this;
    }

    /**
     * The {@code Server} header value (default {@value #DEFAULT_SERVER_NAME}).
     *
     * @param name the value
     * @return this {@code HttpServer}
     */
    public HttpServer serverName(String name) {
        checkNotStarted();
        this.serverLine = serverLine(name);
        return this;
    }

    /**
     * Serves on {@code n} hubs (threads) with {@code SO_REUSEPORT}; see {@link StreamServer#hubs(int)}.
     *
     * @param n the number of hubs
     * @return this {@code HttpServer}
     */
    public HttpServer hubs(int n) {
        checkNotStarted();
        streamServer.hubs(n);
        return this;
    }

    /**
     * Limits concurrent connections per hub; see {@link StreamServer#maxConnections(int)}.
     *
     * @param n the limit
     * @return this {@code HttpServer}
     */
    public HttpServer maxConnections(int n) {
        checkNotStarted();
        streamServer.maxConnections(n);
        return this;
    }

    /**
     * The listen backlog; see {@link StreamServer#backlog(int)}.
     *
     * @param n the backlog
     * @return this {@code HttpServer}
     */
    public HttpServer backlog(int n) {
        checkNotStarted();
        streamServer.backlog(n);
        return this;
    }

    private static int positive(int v) {
        if (v <= 0) {
            throw new IllegalArgumentException("must be positive: " + v);
        }
        return v;
    }

    private static Duration positive(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("must be positive: " + d);
        }
        return d;
    }

    private static byte[] serverLine(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("invalid server name");
            }
        }
        return ("Server: " + name + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Binds and starts accepting in the background, on the calling thread's hub (or on
     * {@link #hubs(int) n} new hubs), then returns.
     *
     * @return this {@code HttpServer}
     * @throws IOException if the address cannot be bound
     */
    public HttpServer start() throws IOException {
        streamServer.start();
        return this;
    }

    /**
     * Starts if needed and blocks until {@link #stop} (gevent's {@code serve_forever}).
     *
     * @throws IOException if an I/O error occurs
     */
    public void serveForever() throws IOException {
        // stop() may come from another thread: its wake-up is queued on this hub, which must not
        // conclude meanwhile that nothing can ever wake it.
        AutoCloseable external = io.gevent4j.hub.Hub.current().externalWait();
        try {
            streamServer.serveForever();
        } finally {
            try {
                external.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** {@return the bound address, with the real port once started} */
    public InetSocketAddress address() {
        return streamServer.address();
    }

    /** {@return the requests handed to the handler since the server was made} */
    public long requestCount() {
        return requests.sum();
    }

    /** {@return the requests answered with an error before any handler ran (malformed, too large, too slow)} */
    public long rejectedCount() {
        return rejected.sum();
    }

    /** {@return the connections accepted since the server was made} */
    public long acceptedCount() {
        return streamServer.acceptedCount();
    }

    /** {@return the connections open now (over all hubs)} */
    public int connectionCount() {
        return streamServer.connectionCount();
    }

    /** {@link #stop(Duration)} with {@link StreamServer#DEFAULT_STOP_TIMEOUT}. */
    public void stop() {
        stop(StreamServer.DEFAULT_STOP_TIMEOUT);
    }

    /**
     * Drains and stops: new connections are refused at once, idle keep-alive connections are half-closed
     * (closed when the client closes, or after 2 s: a request already in flight must not draw a reset),
     * requests in flight get up to {@code timeout} to finish (then their connections close), and
     * whatever still runs after it is killed. Returns when every connection ended. Idempotent; callable
     * from any thread or greenlet.
     *
     * @param timeout how long requests in flight may take to finish
     */
    public void stop(Duration timeout) {
        stopping = true;
        for (HttpConnection c : connections.values()) {
            if (c.idle) {
                c.closeIdle();
            }
        }
        streamServer.stop(timeout);
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "HttpServer[" + address() + ", connections=" + connectionCount() + (stopping ? ", stopped]" : "]");
    }

    // ------------------------------------------------------------------ for connections

    HttpHandler handler() {
        return handler;
    }

    boolean isStopping() {
        return stopping;
    }

    int maxRequestLineValue() {
        return maxRequestLine;
    }

    int maxHeaderBytesValue() {
        return maxHeaderBytes;
    }

    long maxBodySizeValue() {
        return maxBodySize;
    }

    long headerTimeoutNanos() {
        return headerTimeoutNanos;
    }

    long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    Duration ioTimeout() {
        return ioTimeout;
    }

    long bodyTimeoutNanos() {
        return bodyTimeoutNanos;
    }

    boolean accessLogEnabled() {
        return accessLog;
    }

    byte[] serverLine() {
        return serverLine;
    }
}
