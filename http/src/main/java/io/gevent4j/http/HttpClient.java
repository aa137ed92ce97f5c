package io.gevent4j.http;

import io.gevent4j.hub.Hub;
import io.gevent4j.net.Socket;
import io.gevent4j.net.Sockets;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A cooperative HTTP/1.1 client for greenlets (what gevent users install separately): blocking calls
 * that park only the calling greenlet, a keep-alive connection pool per host, connect and read
 * timeouts, Content-Length, chunked and close-delimited response bodies, redirects off by default.
 *
 * <pre>{@code
 * try (HttpClient client = HttpClient.create()) {
 *     ClientResponse r = client.get("http://127.0.0.1:8080/hello");
 *     System.out.println(r.status() + " " + r.bodyString());
 * }
 * }</pre>
 *
 * <p>Plain {@code http://} only. Connections belong to the hub that opened them and are reused only
 * by greenlets of that hub; one client may be shared by all greenlets (and hubs). A request that
 * fails on a reused connection before any response byte arrived (the server closed it while idle)
 * is retried once on a new connection when its method is idempotent. Response bodies are read into
 * memory, up to {@link #maxResponseSize(long)}.
 */
public final class HttpClient implements Closeable {
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE");

    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(30);
    private int maxIdlePerHost = 16;
    private boolean followRedirects;
    private int maxRedirects = 5;
    private long maxResponseSize = 64L * 1024 * 1024;
    private final Map<String, ArrayDeque<Conn>> idle = new HashMap<>();
    private boolean closed;

    private HttpClient() {
    }

    /** {@return a client with default settings: 10 s connect timeout, 30 s read timeout, redirects not followed} */
    public static HttpClient create() {
        return new HttpClient();
    }

    /**
     * Limit for establishing a connection (name resolution included).
     *
     * @param timeout the limit
     * @return this {@code HttpClient}
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
     * Idle keep-alive connections kept per host (default 16); more are closed when returned.
     *
     * @param n the most idle connections per host
     * @return this {@code HttpClient}
     */
    public HttpClient maxIdlePerHost(int n) {
        this.maxIdlePerHost = n;
        return this;
    }

    /**
     * Follow 301, 302, 303, 307 and 308 up to {@code max} times (default: not followed).
     *
     * @param on whether to follow redirects
     * @param max the most redirects followed for one request
     * @return this {@code HttpClient}
     */
    public HttpClient followRedirects(boolean on, int max) {
        this.followRedirects = on;
        this.maxRedirects = max;
        return this;
    }

    /**
     * Largest response body accepted (default 64 MiB); a larger one is an {@link IOException}.
     *
     * @param bytes the limit, in bytes
     * @return this {@code HttpClient}
     */
    public HttpClient maxResponseSize(long bytes) {
        this.maxResponseSize = bytes;
        return this;
    }

    /**
     * {@return {@code GET url}}
     *
     * @param url an absolute {@code http://} URL
     * @throws IOException if an I/O error occurs
     */
    public ClientResponse get(String url) throws IOException {
        return send("GET", url, null, null);
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
        HttpHeaders h = new HttpHeaders().add("Content-Type", contentType);
        return send("POST", url, h, body);
    }

    /**
     * Sends a request and reads the whole response.
     *
     * @param method the request method, e.g. {@code GET}
     * @param url an absolute {@code http://} URL
     * @param headers extra header fields (may be null); Host, Content-Length and Connection are set by the client
     * @param body    the body with its Content-Length, or null for none
     * @return the response, its body read
     * @throws java.net.SocketTimeoutException when the connect or a read times out
     * @throws IOException when the server's response is malformed, too large, or the connection fails
     */
    public ClientResponse send(String method, String url, HttpHeaders headers, byte[] body) throws IOException {
        String m = method;
        String u = url;
        byte[] b = body;
        for (int hop = 0; ; hop++) {
            ClientResponse r = sendOnce(m, u, headers, b);
            if (!followRedirects || hop >= maxRedirects || r.header("Location") == null
                    || !(r.status() == 301 || r.status() == 302 || r.status() == 303 || r.status() == 307 || r.status() == 308)) {
                return r;
            }
            u = URI.create(u).resolve(r.header("Location")).toString();
            if (r.status() == 303 || (r.status() == 301 || r.status() == 302) && m.equals("POST")) {
                m = "GET";
                b = null;
            }
        }
    }

    private ClientResponse sendOnce(String method, String url, HttpHeaders headers, byte[] body) throws IOException {
        URI uri = URI.create(url);
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("only http:// URLs are supported: " + url);
        }
        String host = uri.getHost();
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        String key = host + ":" + port;
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "");
        byte[] head = head(method, target, uri.getPort() < 0 ? host : key, headers, body);
        while (true) {
            Conn c = take(key);
            boolean reused = c != null;
            if (c == null) {
                c = new Conn(Sockets.createConnection(host, port, connectTimeout, null), key);
            }
            c.socket.setTimeout(readTimeout);
            boolean ok = false;
            try {
                c.write(head, body);
                ClientResponse r = c.readResponse(method, url);
                ok = true;
                return r;
            } catch (HttpStatusException e) {
                throw new IOException("malformed response: " + e.getMessage());
            } catch (EOFException | SocketException e) {
                if (reused && !c.gotBytes && IDEMPOTENT.contains(method)) {
                    continue; // the pooled connection was closed by the server meanwhile: retry fresh
                }
                throw e;
            } finally {
                if (ok && c.reusable) {
                    giveBack(c);
                } else {
                    c.socket.close();
                }
            }
        }
    }

    private static byte[] head(String method, String target, String host, HttpHeaders headers, byte[] body) {
        StringBuilder sb = new StringBuilder(128).append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ")
                .append(host).append("\r\n");
        boolean agent = false;
        if (headers != null) {
            for (int i = 0; i < headers.size(); i++) {
                String n = headers.nameAt(i);
                if (n.equalsIgnoreCase("Host") || n.equalsIgnoreCase("Content-Length")
                        || n.equalsIgnoreCase("Transfer-Encoding") || n.equalsIgnoreCase("Connection")) {
                    continue;
                }
                String v = headers.valueAt(i);
                if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                    throw new IllegalArgumentException("CR or LF in header " + n);
                }
                agent |= n.equalsIgnoreCase("User-Agent");
                sb.append(n).append(": ").append(v).append("\r\n");
            }
        }
        if (!agent) {
            sb.append("User-Agent: gevent4j\r\n");
        }
        if (body != null) {
            sb.append("Content-Length: ").append(body.length).append("\r\n");
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private synchronized Conn take(String key) {
        ArrayDeque<Conn> q = idle.get(key);
        if (q == null) {
            return null;
        }
        Hub hub = Hub.current();
        for (Iterator<Conn> it = q.iterator(); it.hasNext(); ) {
            Conn c = it.next();
            if (c.socket.hub() == hub) {
                it.remove();
                if (!c.socket.isClosed()) {
                    return c;
                }
            }
        }
        return null;
    }

    private void giveBack(Conn c) {
        synchronized (this) {
            if (!closed) {
                ArrayDeque<Conn> q = idle.computeIfAbsent(c.key, k -> new ArrayDeque<>());
                if (q.size() < maxIdlePerHost) {
                    q.addFirst(c);
                    return;
                }
            }
        }
        c.socket.close();
    }

    /** {@return the idle connections pooled now, over all hosts} */
    public synchronized int idleConnections() {
        return idle.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    /** Closes the pooled connections; the client can still be used (new connections are made). */
    public void closeIdle() {
        ArrayDeque<Conn> all = new ArrayDeque<>();
        synchronized (this) {
            idle.values().forEach(all::addAll);
            idle.clear();
        }
        for (Conn c : all) {
            c.socket.close();
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

    /** One connection with its input buffer. */
    private final class Conn {
        final Socket socket;
        final String key;
        final HttpInput input;
        boolean reusable;
        boolean gotBytes;

        Conn(Socket socket, String key) {
            this.socket = socket;
            this.key = key;
            InputStream raw = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = socket.read(b, off, len);
                    if (n > 0) {
                        gotBytes = true;
                    }
                    return n;
                }
            };
            this.input = new HttpInput(raw, 8192, 64 * 1024);
        }

        void write(byte[] head, byte[] body) throws IOException {
            gotBytes = false;
            if (body != null && body.length <= 16 * 1024) {
                byte[] all = new byte[head.length + body.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(body, 0, all, head.length, body.length);
                socket.write(all);
            } else {
                socket.write(head);
                if (body != null) {
                    socket.write(body);
                }
            }
        }

        ClientResponse readResponse(String method, String url) throws IOException {
            while (true) {
                String statusLine = input.readLine(8192);
                if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
                    throw new IOException("malformed status line: " + statusLine);
                }
                String version = statusLine.substring(0, 8);
                int status;
                try {
                    status = Integer.parseInt(statusLine.substring(9, 12));
                } catch (NumberFormatException e) {
                    throw new IOException("malformed status line: " + statusLine);
                }
                HttpHeaders headers = new HttpHeaders();
                int bytes = 0;
                while (true) {
                    String line = input.readLine(8192);
                    if (line.isEmpty()) {
                        break;
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
                if (status >= 100 && status < 200) {
                    continue; // interim response
                }
                boolean keep = version.equals("HTTP/1.1") ? !headers.containsToken("Connection", "close")
                        : headers.containsToken("Connection", "keep-alive");
                byte[] body;
                if (method.equals("HEAD") || status == 204 || status == 304) {
                    body = new byte[0];
                } else if (headers.contains("Transfer-Encoding")) {
                    if (!headers.containsToken("Transfer-Encoding", "chunked")) {
                        throw new IOException("unsupported transfer coding " + headers.get("Transfer-Encoding"));
                    }
                    body = readAll(new BodyInputStream(input, new RequestHead(method, url, 1, headers, true, -1), maxResponseSize));
                } else if (headers.contains("Content-Length")) {
                    long n;
                    try {
                        n = Long.parseLong(headers.get("Content-Length").trim());
                    } catch (NumberFormatException e) {
                        throw new IOException("malformed Content-Length " + headers.get("Content-Length"));
                    }
                    if (n > maxResponseSize || n < 0) {
                        throw new IOException("response body of " + n + " bytes is over the limit");
                    }
                    body = readAll(new BodyInputStream(input, new RequestHead(method, url, 1, headers, false, n), maxResponseSize));
                } else {
                    keep = false; // delimited by the server closing
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = input.read(buf, 0, buf.length)) > 0) {
                        out.write(buf, 0, n);
                        if (out.size() > maxResponseSize) {
                            throw new IOException("response body over the limit");
                        }
                    }
                    body = out.toByteArray();
                }
                reusable = keep && !input.hasBuffered();
                return new ClientResponse(status, version, headers, body, url);
            }
        }

        private byte[] readAll(BodyInputStream in) throws IOException {
            try {
                return in.readAllBytes();
            } catch (HttpStatusException e) {
                throw new IOException("malformed response body: " + e.getMessage().toLowerCase(Locale.ROOT));
            }
        }
    }
}
