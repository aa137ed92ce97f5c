package io.gevent4j.http;

import io.gevent4j.hub.Hub;
import io.gevent4j.net.Socket;
import io.gevent4j.net.Sockets;
import io.gevent4j.net.SslSocket;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A cooperative HTTP/1.1 client for greenlets (what gevent users install as geventhttpclient):
 * blocking calls that park only the calling greenlet, {@code http://} and {@code https://}, a
 * keep-alive connection pool per host, streamed request and response bodies, WebSocket.
 *
 * <pre>{@code
 * try (HttpClient client = HttpClient.create()) {
 *     ClientResponse r = client.get("https://127.0.0.1:8443/hello");
 *     System.out.println(r.status() + " " + r.bodyString());
 *
 *     try (StreamingResponse s = client.open(ClientRequest.post(url).body(in, -1))) {  // chunked upload
 *         s.body().transferTo(out);                                                   // streamed download
 *     }
 * }
 * }</pre>
 *
 * <h2>Connections</h2>
 * Connections belong to the hub that opened them and are reused only by greenlets of that hub; one
 * client may be shared by all greenlets (and hubs). {@link #maxConnectionsPerHost(int)} bounds the
 * connections to one host (scheme, host and port): further requests wait in line, first come first
 * served, until a connection is free. A request that fails on a reused connection before any
 * response byte arrived (the server closed it while idle) is retried once on a new connection when its
 * method is idempotent and its body was given as bytes.
 *
 * <h2>Timeouts</h2>
 * {@link #connectTimeout} (name resolution, TCP and TLS handshake), {@link #readTimeout} (each wait
 * for bytes, and for the send buffer), and a total deadline per request ({@link #requestTimeout}, or
 * {@link ClientRequest#timeout}) covering the whole exchange. All throw {@link SocketTimeoutException}.
 *
 * <h2>HTTPS</h2>
 * With the JDK's default trust store unless {@link #sslContext(SSLContext)} says otherwise; the
 * server's certificate must match the URL's host (HTTPS rules, RFC 2818) unless
 * {@link #hostnameVerification(boolean) hostnameVerification(false)}; SNI is sent for host names and
 * ALPN offers {@code http/1.1}.
 *
 * <p>Redirects are not followed unless {@link #followRedirects(boolean, int)}; a redirect to another
 * origin drops {@code Authorization} and {@code Cookie}. Proxies are not supported.
 */
public final class HttpClient implements Closeable {
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE");
    private static final String[] ALPN = {"http/1.1"};

    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(30);
    private Duration requestTimeout;
    private int maxIdlePerHost = 16;
    private int maxConnectionsPerHost;
    private boolean followRedirects;
    private int maxRedirects = 5;
    private long maxResponseSize = 64L * 1024 * 1024;
    private SSLContext sslContext;
    private boolean hostnameVerification = true;
    private String userAgent = "gevent4j";
    private final Map<String, HostPool> pools = new HashMap<>();
    private boolean closed;

    private HttpClient() {
    }

    /** Deadlines are measured on the caller's hub's loop clock (virtual under simulation). */
    private static long nanoTime() {
        Hub h = Hub.currentIfAny();
        return h == null ? System.nanoTime() : h.loop().nanoTime();
    }

    /** {@return a client with default settings: 10 s connect timeout, 30 s read timeout, redirects not followed} */
    public static HttpClient create() {
        return new HttpClient();
    }

    // ------------------------------------------------------------------ settings

    /**
     * Limit for establishing a connection: name resolution, TCP connect and TLS handshake.
     *
     * @param timeout how long to wait at most
     * @return this
     */
    public HttpClient connectTimeout(Duration timeout) {
        this.connectTimeout = Objects.requireNonNull(timeout);
        return this;
    }

    /**
     * Limit of each wait for response bytes (and for sending).
     *
     * @param timeout the limit
     * @return this {@code HttpClient}
     */
    public HttpClient readTimeout(Duration timeout) {
        this.readTimeout = Objects.requireNonNull(timeout);
        return this;
    }

    /**
     * Default deadline for a whole request (waiting for a connection, connecting, sending, the response
     * and, with {@link #open}, its body); null (the default) for none. {@link ClientRequest#timeout}
     * overrides it per request.
     *
     * @param timeout how long to wait at most
     * @return this
     */
    public HttpClient requestTimeout(Duration timeout) {
        this.requestTimeout = timeout;
        return this;
    }

    /**
     * Idle keep-alive connections kept per host (default 16); more are closed when returned.
     *
     * @param n the limit
     * @return this
     */
    public HttpClient maxIdlePerHost(int n) {
        this.maxIdlePerHost = n;
        return this;
    }

    /**
     * Most connections open to one host at a time, in use or idle (default 0: no limit). Requests
     * beyond it wait, in the order they came, for a connection to be free; the wait counts against
     * the request's deadline. Set before the first request to that host.
     *
     * @param n the limit (0: none)
     * @return this
     */
    public HttpClient maxConnectionsPerHost(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative limit");
        }
        this.maxConnectionsPerHost = n;
        return this;
    }

    /**
     * Follow 301, 302, 303, 307 and 308 up to {@code max} times (default: not followed).
     *
     * @param max the most redirects to follow
     * @param on whether to turn it on
     * @return this
     */
    public HttpClient followRedirects(boolean on, int max) {
        this.followRedirects = on;
        this.maxRedirects = max;
        return this;
    }

    /**
     * Largest response body {@link #send} reads into memory (default 64 MiB); larger is an {@link IOException}.
     *
     * @param bytes the limit in bytes
     * @return this
     */
    public HttpClient maxResponseSize(long bytes) {
        this.maxResponseSize = bytes;
        return this;
    }

    /**
     * The TLS context for {@code https://} and {@code wss://} (default: {@link SSLContext#getDefault()}).
     *
     * @param context the TLS context (trust store, client certificate)
     * @return this
     */
    public HttpClient sslContext(SSLContext context) {
        this.sslContext = Objects.requireNonNull(context);
        return this;
    }

    /**
     * Whether the server's certificate must name the URL's host (default true). Turning it off still
     * checks the certificate chain against the trust store; it is for tests and private networks.
     *
     * @param on whether to turn it on
     * @return this
     */
    public HttpClient hostnameVerification(boolean on) {
        this.hostnameVerification = on;
        return this;
    }

    /**
     * The {@code User-Agent} sent unless a request sets one (default {@code gevent4j}).
     *
     * @param agent the User-Agent header value
     * @return this
     */
    public HttpClient userAgent(String agent) {
        this.userAgent = Objects.requireNonNull(agent);
        return this;
    }

    // ------------------------------------------------------------------ requests

    /**
     * {@code GET url}.
     *
     * @param url the url
     * @return the result
     * @throws IOException if an I/O error occurs
     */
    public ClientResponse get(String url) throws IOException {
        return send(ClientRequest.get(url));
    }

    /**
     * {@return {@code POST url} with {@code body} and its Content-Type}
     *
     * @param url an absolute {@code http://} URL
     * @param contentType the {@code Content-Type} of the body
     * @param body the request body (null or empty: none)
     * @throws IOException if an I/O error occurs
     */
    public ClientResponse post(String url, String contentType, byte[] body) throws IOException {
        return send(ClientRequest.post(url).header("Content-Type", contentType).body(body));
    }

    /**
     * Sends a request and reads the whole response.
     *
     * @param method the request method, e.g. {@code GET}
     * @param url an absolute {@code http://} URL
     * @param headers extra header fields (may be null); Host, Content-Length and Connection are set by the client
     * @param body    the body with its Content-Length, or null for none
     * @return the response, its body read
     * @throws IOException if an I/O error occurs
     */
    public ClientResponse send(String method, String url, HttpHeaders headers, byte[] body) throws IOException {
        ClientRequest r = ClientRequest.of(method, url);
        if (headers != null) {
            r.headers(headers);
        }
        if (body != null) {
            r.body(body);
        }
        return send(r);
    }

    /**
     * Sends a request and reads the whole response body into memory (at most
     * {@link #maxResponseSize(long)}).
     *
     * @throws SocketTimeoutException when connecting, a read or the request's deadline times out
     * @throws IOException when the response is malformed or too large, or the connection fails
     * @param request what to send
     * @return the response, its body read
     */
    public ClientResponse send(ClientRequest request) throws IOException {
        try (StreamingResponse r = open(request)) {
            byte[] body = readLimited(r.body());
            return new ClientResponse(r.status(), r.version(), r.headers(), body, r.url());
        }
    }

    private byte[] readLimited(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf, 0, buf.length)) > 0) {
            if (out.size() + (long) n > maxResponseSize) {
                throw new IOException("response body over the limit of " + maxResponseSize + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /**
     * Sends a request and returns once the response head arrived; the body is read from
     * {@link StreamingResponse#body()} as it comes. Close the response when done.
     *
     * @throws SocketTimeoutException when connecting, a read or the request's deadline times out
     * @throws IOException when the response head is malformed or the connection fails
     * @param request what to send
     * @return the open file
     */
    public StreamingResponse open(ClientRequest request) throws IOException {
        Duration timeout = request.timeout() != null ? request.timeout() : requestTimeout;
        long deadline = timeout == null ? 0 : nanoTime() + Math.max(1, timeout.toNanos());
        ClientRequest r = request;
        for (int hop = 0; ; hop++) {
            StreamingResponse resp = exchange(r, deadline);
            int s = resp.status();
            String location = resp.header("Location");
            if (!followRedirects || hop >= maxRedirects || location == null
                    || !(s == 301 || s == 302 || s == 303 || s == 307 || s == 308)) {
                return resp;
            }
            boolean toGet = s == 303 && !r.method().equals("HEAD") || (s == 301 || s == 302) && r.method().equals("POST");
            if (!toGet && !r.replayable()) {
                return resp; // a streamed body cannot be sent again
            }
            String next;
            try {
                next = URI.create(r.url()).resolve(location.trim()).toString();
            } catch (IllegalArgumentException e) {
                return resp; // not a URI: the caller sees the redirect as it is
            }
            drainAndClose(resp);
            r = r.redirect(toGet ? "GET" : r.method(), next, toGet, !sameOrigin(r.url(), next));
        }
    }

    private static void drainAndClose(StreamingResponse resp) throws IOException {
        try (resp) {
            InputStream in = resp.body();
            byte[] buf = new byte[4096];
            long left = 64 * 1024;
            int n;
            while (left > 0 && (n = in.read(buf, 0, buf.length)) > 0) {
                left -= n;
            }
        }
    }

    private static boolean sameOrigin(String a, String b) {
        URI x = URI.create(a);
        URI y = URI.create(b);
        return Objects.equals(lower(x.getScheme()), lower(y.getScheme())) && Objects.equals(lower(x.getHost()), lower(y.getHost()))
                && defaultPort(x) == defaultPort(y);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int defaultPort(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        String s = lower(u.getScheme());
        return "https".equals(s) || "wss".equals(s) ? 443 : 80;
    }

    /** One parsed request URL. */
    record Target(boolean tls, String host, int port, String key, String hostHeader, String path) {
        static Target of(String url, boolean webSocket) {
            URI uri = URI.create(url);
            String scheme = lower(uri.getScheme());
            boolean tls;
            if (webSocket ? "ws".equals(scheme) : "http".equals(scheme)) {
                tls = false;
            } else if (webSocket ? "wss".equals(scheme) : "https".equals(scheme)) {
                tls = true;
            } else {
                throw new IllegalArgumentException((webSocket ? "only ws:// and wss://" : "only http:// and https://")
                        + " URLs are supported: " + url);
            }
            String host = uri.getHost();
            if (host == null) {
                throw new IllegalArgumentException("no host in " + url);
            }
            int port = defaultPort(uri);
            String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "");
            return new Target(tls, bare, port, (tls ? "https://" : "http://") + bare + ":" + port,
                    uri.getPort() < 0 ? host : host + ":" + port, path);
        }
    }

    private StreamingResponse exchange(ClientRequest req, long deadline) throws IOException {
        Target t = Target.of(req.url(), false);
        byte[] head = head(req, t);
        HostPool pool = pool(t.key());
        pool.acquire(deadline);
        boolean handedOver = false;
        try {
            while (true) {
                Conn c = pool.takeIdle();
                boolean reused = c != null;
                if (c == null) {
                    c = pool.connect(t, deadline);
                }
                c.deadline = deadline;
                try {
                    c.writeRequest(head, req);
                    StreamingResponse resp = c.readResponse(req.method(), req.url());
                    handedOver = true;
                    return resp;
                } catch (HttpStatusException e) {
                    c.discard();
                    throw new IOException("malformed response: " + e.getMessage());
                } catch (EOFException | SocketException e) {
                    c.discard();
                    if (reused && !c.gotBytes && IDEMPOTENT.contains(req.method()) && req.replayable()) {
                        continue; // the pooled connection was closed by the server meanwhile: retry fresh
                    }
                    throw e;
                } catch (IOException | RuntimeException | Error e) {
                    c.discard();
                    throw e;
                }
            }
        } finally {
            if (!handedOver) {
                pool.release();
            }
        }
    }

    private byte[] head(ClientRequest req, Target t) {
        StringBuilder sb = new StringBuilder(128).append(req.method()).append(' ').append(t.path())
                .append(" HTTP/1.1\r\nHost: ").append(t.hostHeader()).append("\r\n");
        boolean agent = false;
        HttpHeaders headers = req.headers();
        for (int i = 0; i < headers.size(); i++) {
            String n = headers.nameAt(i);
            if (n.equalsIgnoreCase("Host") || n.equalsIgnoreCase("Content-Length")
                    || n.equalsIgnoreCase("Transfer-Encoding") || n.equalsIgnoreCase("Connection")) {
                continue;
            }
            agent |= n.equalsIgnoreCase("User-Agent");
            sb.append(n).append(": ").append(headers.valueAt(i)).append("\r\n");
        }
        if (!agent) {
            sb.append("User-Agent: ").append(userAgent).append("\r\n");
        }
        if (req.hasBody()) {
            if (req.length() >= 0) {
                sb.append("Content-Length: ").append(req.length()).append("\r\n");
            } else {
                sb.append("Transfer-Encoding: chunked\r\n");
            }
        } else if (req.method().equals("POST") || req.method().equals("PUT") || req.method().equals("PATCH")) {
            sb.append("Content-Length: 0\r\n");
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------ WebSocket

    /**
     * {@link #webSocket(String, HttpHeaders, WebSocket.Options)} without extra headers, default options.
     *
     * @param url the url
     * @return the open WebSocket
     * @throws IOException if an I/O error occurs
     */
    public WebSocket webSocket(String url) throws IOException {
        return webSocket(url, null, new WebSocket.Options());
    }

    /**
     * Opens a WebSocket to a {@code ws://} or {@code wss://} URL (RFC 6455 section 4.1) on a new
     * connection of its own, within the connect and read timeouts and the {@link #requestTimeout}.
     *
     * @param headers extra header fields for the handshake, such as {@code Origin} or cookies (may be null)
     * @throws WebSocketException if the server does not accept ({@link WebSocketException#status()}
     *                            has its status) or answers the handshake wrongly
     *
     * @param options the options
     * @param url the url
     * @return the open WebSocket
     */
    public WebSocket webSocket(String url, HttpHeaders headers, WebSocket.Options options) throws IOException {
        Target t = Target.of(url, true);
        long deadline = requestTimeout == null ? 0 : nanoTime() + requestTimeout.toNanos();
        byte[] raw = new byte[16];
        new java.security.SecureRandom().nextBytes(raw);
        String key = java.util.Base64.getEncoder().encodeToString(raw);
        StringBuilder sb = new StringBuilder(256).append("GET ").append(t.path()).append(" HTTP/1.1\r\nHost: ")
                .append(t.hostHeader()).append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ")
                .append(key).append("\r\nSec-WebSocket-Version: 13\r\n");
        List<String> protocols = options.subprotocols();
        if (!protocols.isEmpty()) {
            sb.append("Sec-WebSocket-Protocol: ").append(String.join(", ", protocols)).append("\r\n");
        }
        boolean agent = false;
        if (headers != null) {
            for (int i = 0; i < headers.size(); i++) {
                String n = headers.nameAt(i);
                String v = headers.valueAt(i);
                if (n.regionMatches(true, 0, "Sec-WebSocket-", 0, 14) || n.equalsIgnoreCase("Host")
                        || n.equalsIgnoreCase("Upgrade") || n.equalsIgnoreCase("Connection")) {
                    continue;
                }
                if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                    throw new IllegalArgumentException("CR or LF in header " + n);
                }
                agent |= n.equalsIgnoreCase("User-Agent");
                sb.append(n).append(": ").append(v).append("\r\n");
            }
        }
        if (!agent) {
            sb.append("User-Agent: ").append(userAgent).append("\r\n");
        }
        byte[] head = sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        Transport tr = connect(t, deadline);
        boolean ok = false;
        try {
            tr.setTimeout(bounded(readTimeout, deadline));
            tr.write(head, 0, head.length);
            HttpInput input = new HttpInput(new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    tr.setTimeout(bounded(readTimeout, deadline));
                    return tr.read(b, off, len);
                }
            }, 8192, 64 * 1024);
            String status;
            HttpHeaders h = new HttpHeaders();
            try {
                status = input.readLine(8192);
                for (String line; !(line = input.readLine(8192)).isEmpty(); ) {
                    int colon = line.indexOf(':');
                    if (colon <= 0) {
                        throw new WebSocketException(-1, "malformed handshake response header: " + line);
                    }
                    h.add(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
                    if (h.size() > 256) {
                        throw new WebSocketException(-1, "too many handshake response headers");
                    }
                }
            } catch (HttpStatusException e) {
                throw new WebSocketException(-1, "malformed handshake response: " + e.getMessage());
            }
            if (!status.startsWith("HTTP/1.1 101")) {
                int code = -1;
                try {
                    code = Integer.parseInt(status.substring(9, 12));
                } catch (RuntimeException ignored) {
                    // not a status line at all
                }
                throw new WebSocketException(-1, code, "WebSocket handshake refused: " + status);
            }
            if (!h.containsToken("Upgrade", "websocket") || !h.containsToken("Connection", "upgrade")) {
                throw new WebSocketException(-1, 101, "101 without Upgrade: websocket and Connection: Upgrade");
            }
            if (!WebSocket.accept(key).equals(h.get("Sec-WebSocket-Accept"))) {
                throw new WebSocketException(-1, 101, "wrong Sec-WebSocket-Accept");
            }
            String chosen = h.get("Sec-WebSocket-Protocol");
            if (chosen != null && !protocols.contains(chosen)) {
                throw new WebSocketException(-1, 101, "server chose a subprotocol not offered: " + chosen);
            }
            if (h.contains("Sec-WebSocket-Extensions")) {
                throw new WebSocketException(-1, 101, "server chose an extension not offered");
            }
            WebSocket ws = new WebSocket(new UpgradedConnection(tr, input.takeBuffered(), tr.socket().remoteAddress()),
                    true, options, chosen);
            ok = true;
            return ws;
        } finally {
            if (!ok) {
                tr.close();
            }
        }
    }

    // ------------------------------------------------------------------ connections

    private synchronized HostPool pool(String key) {
        return pools.computeIfAbsent(key, k -> new HostPool(k, maxConnectionsPerHost));
    }

    /** Opens a TCP (and TLS) connection within the connect timeout and the deadline. */
    Transport connect(Target t, long deadline) throws IOException {
        Duration limit = bounded(connectTimeout, deadline);
        Socket s = Sockets.createConnection(t.host(), t.port(), limit, null);
        if (!t.tls()) {
            return Transport.of(s);
        }
        boolean ok = false;
        try {
            SSLEngine e = tls().createSSLEngine(t.host(), t.port());
            e.setUseClientMode(true);
            SSLParameters p = e.getSSLParameters();
            p.setApplicationProtocols(ALPN);
            if (hostnameVerification) {
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
            if (!t.host().contains(":") && !t.host().matches("[0-9.]+")) {
                p.setServerNames(List.of(new SNIHostName(t.host())));
            }
            e.setSSLParameters(p);
            SslSocket ssl = SslSocket.wrap(s, e);
            ssl.handshake(bounded(connectTimeout, deadline));
            ok = true;
            return Transport.of(ssl);
        } finally {
            if (!ok) {
                s.close();
            }
        }
    }

    private synchronized SSLContext tls() throws IOException {
        if (sslContext == null) {
            try {
                sslContext = SSLContext.getDefault();
            } catch (NoSuchAlgorithmException e) {
                throw new IOException("no default TLS context", e);
            }
        }
        return sslContext;
    }

    /** {@code d} shortened to what is left before {@code deadline} (0: none). */
    static Duration bounded(Duration d, long deadline) throws SocketTimeoutException {
        if (deadline == 0) {
            return d;
        }
        long left = deadline - nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("request deadline exceeded");
        }
        return d == null || d.toNanos() > left ? Duration.ofNanos(left) : d;
    }

    /** {@return the idle connections pooled now, over all hosts} */
    public synchronized int idleConnections() {
        return pools.values().stream().mapToInt(p -> p.idle.size()).sum();
    }

    /**
     * Connections open now (in use or idle), over all hosts.
     *
     * @return the number of connections open now
     */
    public synchronized int openConnections() {
        return pools.values().stream().mapToInt(p -> p.open).sum();
    }

    /** Closes the pooled connections; the client can still be used (new connections are made). */
    public void closeIdle() {
        ArrayDeque<Conn> all = new ArrayDeque<>();
        synchronized (this) {
            for (HostPool p : pools.values()) {
                all.addAll(p.idle);
                p.open -= p.idle.size();
                p.idle.clear();
            }
        }
        for (Conn c : all) {
            c.transport.socket().close();
        }
    }

    /** Closes the pooled connections; connections in use close when their request ends. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        closeIdle();
    }

    /**
     * The connections to one host: the idle ones, the count of open ones, and a fair semaphore of
     * requests in flight when {@link #maxConnectionsPerHost} is set. Connections are opened only when
     * no idle one of the caller's hub is there, so with one hub open connections never exceed the
     * requests in flight; with several, opening evicts another hub's idle connection at the limit.
     * Fields are guarded by the client's monitor, never held across a blocking call.
     */
    private final class HostPool {
        final String key;
        final int limit;
        final Semaphore inFlight;
        final ArrayDeque<Conn> idle = new ArrayDeque<>();
        int open;

        HostPool(String key, int limit) {
            this.key = key;
            this.limit = limit;
            this.inFlight = limit > 0 ? new Semaphore(limit, true) : null;
        }

        void acquire(long deadline) throws IOException {
            if (inFlight == null) {
                return;
            }
            try {
                if (deadline == 0) {
                    inFlight.acquire();
                } else {
                    long left = deadline - nanoTime();
                    if (left <= 0 || !inFlight.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                        throw new SocketTimeoutException("request deadline exceeded waiting for a connection to " + key);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // a kill of the greenlet is delivered at its next blocking point
                throw new InterruptedIOException("interrupted waiting for a connection to " + key);
            }
        }

        void release() {
            if (inFlight != null) {
                inFlight.release();
            }
        }

        Conn takeIdle() {
            Hub hub = Hub.current();
            synchronized (HttpClient.this) {
                for (Iterator<Conn> it = idle.iterator(); it.hasNext(); ) {
                    Conn c = it.next();
                    if (c.hub == hub) {
                        it.remove();
                        if (!c.transport.socket().isClosed()) {
                            return c;
                        }
                        open--;
                    }
                }
                return null;
            }
        }

        Conn connect(Target t, long deadline) throws IOException {
            Conn evict = null;
            synchronized (HttpClient.this) {
                if (limit > 0 && open >= limit && !idle.isEmpty()) {
                    evict = idle.pollLast();
                    open--;
                }
                open++;
            }
            if (evict != null) {
                evict.transport.socket().close(); // another hub's idle connection: safe from here
            }
            boolean ok = false;
            try {
                Conn c = new Conn(connectTransport(t, deadline), this);
                ok = true;
                return c;
            } finally {
                if (!ok) {
                    synchronized (HttpClient.this) {
                        open--;
                    }
                }
            }
        }

        private Transport connectTransport(Target t, long deadline) throws IOException {
            return HttpClient.this.connect(t, deadline);
        }

        /** A finished exchange hands its connection back (or closes it) and frees its slot. */
        void giveBack(Conn c, boolean reusable) {
            boolean keep = false;
            synchronized (HttpClient.this) {
                if (reusable && !closed && idle.size() < maxIdlePerHost) {
                    idle.addFirst(c);
                    keep = true;
                } else {
                    open--;
                }
            }
            if (!keep) {
                c.transport.close();
            }
            release();
        }
    }

    /** One connection with its input buffer; used by one greenlet at a time. */
    private final class Conn {
        final Transport transport;
        final HostPool pool;
        final Hub hub;
        final HttpInput input;
        boolean gotBytes;
        long deadline;

        Conn(Transport transport, HostPool pool) {
            this.transport = transport;
            this.pool = pool;
            this.hub = transport.socket().hub();
            InputStream raw = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    applyTimeout();
                    int n = transport.read(b, off, len);
                    if (n > 0) {
                        gotBytes = true;
                    }
                    return n;
                }
            };
            this.input = new HttpInput(raw, 8192, 64 * 1024);
        }

        void applyTimeout() throws SocketTimeoutException {
            transport.setTimeout(bounded(readTimeout, deadline));
        }

        void write(byte[] b, int off, int len) throws IOException {
            applyTimeout();
            transport.write(b, off, len);
        }

        /** Closes after a failure; the exchange's slot is released by its caller. */
        void discard() {
            transport.close();
            synchronized (HttpClient.this) {
                pool.open--;
            }
        }

        void writeRequest(byte[] head, ClientRequest req) throws IOException {
            gotBytes = false;
            byte[] body = req.bytes();
            if (body != null && body.length <= 16 * 1024) {
                byte[] all = new byte[head.length + body.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(body, 0, all, head.length, body.length);
                write(all, 0, all.length);
            } else {
                write(head, 0, head.length);
                if (body != null) {
                    write(body, 0, body.length);
                } else if (req.writer() != null) {
                    try (RequestBodyStream out = new RequestBodyStream(this, req.length())) {
                        req.writer().writeTo(out);
                    }
                }
            }
        }

        StreamingResponse readResponse(String method, String url) throws IOException {
            while (true) {
                String statusLine = input.readLine(8192);
                if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' '
                        || statusLine.length() > 12 && statusLine.charAt(12) != ' ') {
                    throw new IOException("malformed status line: " + statusLine);
                }
                String version = statusLine.substring(0, 8);
                int status;
                try {
                    status = Integer.parseInt(statusLine.substring(9, 12));
                } catch (NumberFormatException e) {
                    throw new IOException("malformed status line: " + statusLine);
                }
                HttpHeaders headers = readHeaders();
                if (status == 101) {
                    throw new IOException("unexpected 101 Switching Protocols");
                }
                if (status >= 100 && status < 200) {
                    continue; // interim response
                }
                boolean keep = version.equals("HTTP/1.1") ? !headers.containsToken("Connection", "close")
                        : headers.containsToken("Connection", "keep-alive");
                InputStream body;
                if (method.equals("HEAD") || status == 204 || status == 304) {
                    body = null;
                } else if (headers.contains("Transfer-Encoding")) {
                    if (!headers.containsToken("Transfer-Encoding", "chunked")) {
                        throw new IOException("unsupported transfer coding " + headers.get("Transfer-Encoding"));
                    }
                    body = new BodyInputStream(input, new RequestHead(method, url, 1, headers, true, -1), Long.MAX_VALUE);
                } else if (headers.contains("Content-Length")) {
                    long n;
                    try {
                        n = Long.parseLong(headers.get("Content-Length").trim());
                    } catch (NumberFormatException e) {
                        throw new IOException("malformed Content-Length " + headers.get("Content-Length"));
                    }
                    if (n < 0 || headers.count("Content-Length") > 1) {
                        throw new IOException("malformed Content-Length " + headers.getAll("Content-Length"));
                    }
                    body = new BodyInputStream(input, new RequestHead(method, url, 1, headers, false, n), Long.MAX_VALUE);
                } else {
                    keep = false; // delimited by the server closing
                    body = new InputStream() {
                        @Override
                        public int read() throws IOException {
                            return input.read();
                        }

                        @Override
                        public int read(byte[] b, int off, int len) throws IOException {
                            return input.read(b, off, len);
                        }
                    };
                }
                return new StreamingResponse(status, version, headers, url, new ResponseBody(this, body, keep));
            }
        }

        HttpHeaders readHeaders() throws IOException {
            HttpHeaders headers = new HttpHeaders();
            int bytes = 0;
            while (true) {
                String line = input.readLine(8192);
                if (line.isEmpty()) {
                    return headers;
                }
                bytes += line.length();
                if (bytes > 64 * 1024) {
                    throw new IOException("response header section too large");
                }
                int colon = line.indexOf(':');
                if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                    throw new IOException("malformed response header: " + line);
                }
                headers.add(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
    }

    /**
     * A response body over its connection: at its end the connection goes back to the pool (when
     * the response allows keep-alive), closed early it is closed. Either way the host's slot is freed
     * once.
     */
    private static final class ResponseBody extends InputStream {
        private final Conn conn;
        private final InputStream body; // null: empty
        private final boolean keepAlive;
        private boolean done;
        private boolean closed;

        ResponseBody(Conn conn, InputStream body, boolean keepAlive) {
            this.conn = conn;
            this.body = body;
            this.keepAlive = keepAlive;
            if (body == null || body instanceof BodyInputStream b && b.isComplete()) {
                finish(true);
            }
        }

        private void finish(boolean complete) {
            if (done) {
                return;
            }
            done = true;
            conn.pool.giveBack(conn, complete && keepAlive && !conn.input.hasBuffered());
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("response body closed");
            }
            if (done || len == 0) {
                return done ? -1 : 0;
            }
            int n;
            try {
                n = body.read(b, off, len);
            } catch (HttpStatusException e) {
                finish(false);
                throw new IOException("malformed response body: " + e.getMessage().toLowerCase(Locale.ROOT));
            } catch (IOException | RuntimeException e) {
                finish(false);
                throw e;
            }
            if (n < 0) {
                finish(true);
            } else if (body instanceof BodyInputStream bi && bi.isComplete()) {
                finish(true);
            }
            return n;
        }

        @Override
        public void close() {
            closed = true;
            finish(false);
        }
    }

    /** A streamed request body: exactly the declared length, or chunked. */
    private static final class RequestBodyStream extends OutputStream {
        private final Conn conn;
        private final long declared;
        private final byte[] buf = new byte[16 * 1024];
        private int len;
        private long written;
        private boolean closed;

        RequestBodyStream(Conn conn, long declared) {
            this.conn = conn;
            this.declared = declared;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int n) throws IOException {
            Objects.checkFromIndexSize(off, n, b.length);
            if (closed) {
                throw new IOException("request body closed");
            }
            if (declared >= 0 && written + n > declared) {
                throw new IOException("request body longer than its declared length " + declared);
            }
            written += n;
            while (n > 0) {
                int k = Math.min(n, buf.length - len);
                System.arraycopy(b, off, buf, len, k);
                len += k;
                off += k;
                n -= k;
                if (len == buf.length) {
                    emit();
                }
            }
        }

        private void emit() throws IOException {
            if (len == 0) {
                return;
            }
            if (declared < 0) {
                byte[] size = (Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                conn.write(size, 0, size.length);
                conn.write(buf, 0, len);
                conn.write(CRLF, 0, 2);
            } else {
                conn.write(buf, 0, len);
            }
            len = 0;
        }

        @Override
        public void flush() throws IOException {
            if (!closed) {
                emit();
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            emit();
            closed = true;
            if (declared < 0) {
                conn.write(LAST_CHUNK, 0, LAST_CHUNK.length);
            } else if (written != declared) {
                throw new IOException("request body of " + written + " bytes, declared " + declared);
            }
        }

        private static final byte[] CRLF = {'\r', '\n'};
        private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    }
}
