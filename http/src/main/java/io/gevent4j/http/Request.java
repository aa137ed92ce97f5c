package io.gevent4j.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request as the handler sees it: the request line, the header fields and a streaming
 * body. Valid only while the handler runs, and only in the connection's greenlet.
 *
 * <p>The body is read on demand from the connection: {@link #body()} streams it (a chunked body is
 * decoded, its trailer fields are added to {@link #headers()} when the end is reached); a body larger
 * than the server's {@linkplain HttpServer#maxBodySize(long) limit} throws
 * {@link HttpStatusException} 413 while reading. For a request with {@code Expect: 100-continue}
 * the interim {@code 100 Continue} goes out only when the handler first reads the body, so a handler
 * that answers without reading it saves the client the upload.
 */
public final class Request {
    private final HttpConnection conn;
    private final RequestHead head;
    private final BodyInputStream rawBody;
    private final boolean expectContinue;
    private boolean continueSent;
    private InputStream body;
    private String path;
    private int queryStart = -2;
    private Map<String, List<String>> queryParams;

    Request(HttpConnection conn, RequestHead head, BodyInputStream rawBody, boolean expectContinue) {
        this.conn = conn;
        this.head = head;
        this.rawBody = rawBody;
        this.expectContinue = expectContinue;
    }

    /** {@return the method token as sent, e.g. {@code "GET"} (methods are case-sensitive)} */
    public String method() {
        return head.method();
    }

    /** {@return the request-target as sent: {@code "/search?q=x"}, an absolute URI, or {@code "*"}} */
    public String target() {
        return head.target();
    }

    /** {@return {@code "HTTP/1.1"} or {@code "HTTP/1.0"}} */
    public String version() {
        return head.minorVersion() == 1 ? "HTTP/1.1" : "HTTP/1.0";
    }

    private int queryStart() {
        if (queryStart == -2) {
            queryStart = head.target().indexOf('?');
        }
        return queryStart;
    }

    /** {@return the path of the target without the query, not percent-decoded: {@code "/a%20b"}} */
    public String rawPath() {
        String t = head.target();
        int q = queryStart();
        String p = q < 0 ? t : t.substring(0, q);
        int scheme = p.indexOf("://");
        if (scheme > 0 && !p.startsWith("/")) { // absolute-form: http://host/path
            int slash = p.indexOf('/', scheme + 3);
            p = slash < 0 ? "/" : p.substring(slash);
        }
        return p;
    }

    /**
     * The path, percent-decoded as UTF-8 ({@code '+'} stays a plus): {@code "/a b"}.
     *
     * @throws HttpStatusException 400 if a percent-escape is malformed ({@code "/%zz"}); a handler that
     *                             lets it propagate answers 400
     *
     * @return the file
     */
    public String path() {
        if (path == null) {
            String raw = rawPath();
            try {
                path = raw.indexOf('%') < 0 ? raw : URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new HttpStatusException(400, "malformed percent-encoding in the path");
            }
        }
        return path;
    }

    /** {@return the raw query string after {@code '?'}, or null when there is none} */
    public String query() {
        int q = queryStart();
        return q < 0 ? null : head.target().substring(q + 1);
    }

    /**
     * {@return the query parameters, decoded as {@code application/x-www-form-urlencoded} UTF-8, in order,
     * with repeated names kept} Unmodifiable.
     */
    public Map<String, List<String>> queryParams() {
        if (queryParams == null) {
            Map<String, List<String>> m = new LinkedHashMap<>();
            String q = query();
            if (q != null && !q.isEmpty()) {
                for (String pair : q.split("&")) {
                    if (pair.isEmpty()) {
                        continue;
                    }
                    int eq = pair.indexOf('=');
                    String k = decode(eq < 0 ? pair : pair.substring(0, eq));
                    String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
                    m.computeIfAbsent(k, x -> new ArrayList<>(1)).add(v);
                }
            }
            m.replaceAll((k, v) -> Collections.unmodifiableList(v));
            queryParams = Collections.unmodifiableMap(m);
        }
        return queryParams;
    }

    /**
     * {@return the first value of query parameter {@code name}, or null}
     *
     * @param name the parameter name (case-sensitive)
     */
    public String queryParam(String name) {
        List<String> v = queryParams().get(name);
        return v == null ? null : v.get(0);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new HttpStatusException(400, "malformed percent-encoding in the query");
        }
    }

    /**
     * {@return the header fields (case-insensitive names, repeated fields kept; trailers added after a
     * chunked body)}
     */
    public HttpHeaders headers() {
        return head.headers();
    }

    /**
     * {@return the first value of header {@code name}, or null}
     *
     * @param name the field name (case-insensitive)
     */
    public String header(String name) {
        return head.headers().get(name);
    }

    /** {@return the declared body length; -1 for a chunked body; 0 when there is no body} */
    public long contentLength() {
        return head.chunked() ? -1 : head.contentLength();
    }

    /** {@return true if the request has a body (a Content-Length above 0, or chunked)} */
    public boolean hasBody() {
        return rawBody != null;
    }

    /**
     * {@return the body as a stream, read from the connection as the handler reads it} Closing it does not
     * close the connection. Bodies the handler leaves unread are skipped by the server (up to a limit; beyond
     * it the connection is closed).
     */
    public InputStream body() {
        if (body == null) {
            body = rawBody == null ? InputStream.nullInputStream() : new InputStream() {
                @Override
                public int read() throws IOException {
                    beforeRead();
                    return rawBody.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    beforeRead();
                    return rawBody.read(b, off, len);
                }

                @Override
                public void close() {
                    rawBody.close();
                }
            };
        }
        return body;
    }

    private void beforeRead() throws IOException {
        if (expectContinue && !continueSent) {
            continueSent = true;
            conn.sendContinue();
        }
    }

    /**
     * Reads the whole body into an array (bounded by the server's maximum body size).
     *
     * @return the body
     * @throws IOException if an I/O error occurs
     */
    public byte[] bodyBytes() throws IOException {
        return body().readAllBytes();
    }

    /**
     * Reads the whole body as UTF-8 text.
     *
     * @return the body
     * @throws IOException if an I/O error occurs
     */
    public String bodyString() throws IOException {
        return new String(bodyBytes(), StandardCharsets.UTF_8);
    }

    /**
     * Reads the whole body into a Netty {@link ByteBuf} (heap, unpooled: releasing it is optional),
     * for code that works on Netty buffers.
     *
     * @return the body
     */
    public ByteBuf bodyBuf() {
        try {
            return Unpooled.wrappedBuffer(bodyBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return the client's address} */
    public InetSocketAddress remoteAddress() {
        return conn.remoteAddress();
    }

    /** {@return the server's address the client connected to} */
    public InetSocketAddress localAddress() {
        return conn.localAddress();
    }

    /**
     * True if the request came over TLS ({@link HttpServer#https}).
     *
     * @return whether the request came over TLS ({@link HttpServer#https})
     */
    public boolean isSecure() {
        return conn.session() != null;
    }

    /**
     * {@code "https"} or {@code "http"}.
     *
     * @return the scheme
     */
    public String scheme() {
        return isSecure() ? "https" : "http";
    }

    /**
     * The TLS session (protocol, cipher suite, client certificates), or null on plain HTTP.
     *
     * @return the ssl session
     */
    public javax.net.ssl.SSLSession sslSession() {
        return conn.session();
    }

    /**
     * The host name the client asked for with TLS SNI, or null (plain HTTP, or a client that sent
     * none, as when connecting to an IP address).
     *
     * @return the sni host name
     */
    public String sniHostName() {
        if (conn.session() instanceof javax.net.ssl.ExtendedSSLSession x) {
            for (javax.net.ssl.SNIServerName n : x.getRequestedServerNames()) {
                if (n instanceof javax.net.ssl.SNIHostName h) {
                    return h.getAsciiName();
                }
            }
        }
        return null;
    }

    /**
     * True if this is a WebSocket opening handshake ({@code Upgrade: websocket}).
     *
     * @return whether this is a WebSocket opening handshake ({@code Upgrade: websocket})
     */
    public boolean isWebSocketUpgrade() {
        return head.headers().containsToken("Upgrade", "websocket");
    }

    /**
     * {@link #upgradeToWebSocket(WebSocket.Options)} with default options.
     *
     * @return the WebSocket, open
     * @throws IOException if an I/O error occurs
     */
    public WebSocket upgradeToWebSocket() throws IOException {
        return upgradeToWebSocket(new WebSocket.Options());
    }

    /**
     * Accepts a WebSocket opening handshake (RFC 6455 section 4.2): answers {@code 101} with
     * {@code Sec-WebSocket-Accept}, the subprotocol chosen from {@code options} and any headers set on
     * the response, and returns the WebSocket; the connection is the WebSocket's from here on and
     * is closed when the handler returns.
     *
     * @throws HttpStatusException 400 if this is not a valid handshake; 426 (answered with
     *                             {@code Sec-WebSocket-Version: 13}) for another protocol version
     *
     * @param options the options
     * @return the WebSocket, open
     * @throws IOException if an I/O error occurs
     */
    public WebSocket upgradeToWebSocket(WebSocket.Options options) throws IOException {
        Response resp = conn.currentResponse();
        String version = header("Sec-WebSocket-Version");
        if (isWebSocketUpgrade() && version != null && !version.trim().equals("13")) {
            resp.status(426).header("Sec-WebSocket-Version", "13").send("unsupported WebSocket version\n");
            throw new HttpStatusException(426, "unsupported WebSocket version " + version);
        }
        String key = WebSocket.checkUpgradeRequest(this);
        if (version == null) {
            throw new HttpStatusException(400, "missing Sec-WebSocket-Version");
        }
        java.util.Set<String> offered = new java.util.HashSet<>();
        for (String v : headers().getAll("Sec-WebSocket-Protocol")) {
            for (String p : v.split(",")) {
                offered.add(p.trim());
            }
        }
        String chosen = null;
        for (String mine : options.subprotocols()) { // ours, in our order of preference
            if (offered.contains(mine)) {
                chosen = mine;
                break;
            }
        }
        resp.header("Sec-WebSocket-Accept", WebSocket.accept(key));
        if (chosen != null) {
            resp.header("Sec-WebSocket-Protocol", chosen);
        }
        return new WebSocket(resp.upgrade("websocket"), false, options, chosen);
    }

    boolean expectContinue() {
        return expectContinue;
    }

    boolean continueSent() {
        return continueSent;
    }

    BodyInputStream rawBody() {
        return rawBody;
    }

    RequestHead head() {
        return head;
    }

    @Override
    public String toString() {
        return head.method() + " " + head.target() + " " + version();
    }
}
