package io.gevent4j.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * A request for {@link HttpClient#send(ClientRequest)} (body read into memory) or
 * {@link HttpClient#open(ClientRequest)} (body streamed): method, URL, header fields, an optional
 * body and an optional deadline.
 *
 * <pre>{@code
 * ClientRequest.post("http://127.0.0.1:8080/upload")
 *         .header("Content-Type", "application/octet-stream")
 *         .body(Files.newInputStream(file), Files.size(file))       // or -1: chunked
 *         .timeout(Duration.ofSeconds(30));                          // the whole exchange
 * }</pre>
 *
 * <p>A body given as bytes can be sent again (a retry on a stale pooled connection, a 307/308
 * redirect); a streamed body is sent once: a request with one is not retried and a 307/308 answer to
 * it is returned as it is. Not thread-safe: build it, then send it.
 */
public final class ClientRequest {
    /** Writes a streamed request body. */
    @FunctionalInterface
    public interface BodyWriter {
        /**
         * Writes the body to {@code out}; closing {@code out} is optional.
         *
         * @param out where to print
         * @throws IOException if an I/O error occurs
         */
        void writeTo(OutputStream out) throws IOException;
    }

    private final String method;
    private final String url;
    private final HttpHeaders headers = new HttpHeaders();
    private byte[] bytes;
    private BodyWriter writer;
    private long length = -1;
    private Duration timeout;

    private ClientRequest(String method, String url) {
        this.method = Objects.requireNonNull(method, "method");
        this.url = Objects.requireNonNull(url, "url");
        if (method.isEmpty() || !method.chars().allMatch(c -> c < 128 && HttpInput.isTchar((byte) c))) {
            throw new IllegalArgumentException("invalid method: " + method);
        }
    }

    /**
     * A request with any method token.
     *
     * @param method the method
     * @param url the url
     * @return this
     */
    public static ClientRequest of(String method, String url) {
        return new ClientRequest(method, url);
    }

    /**
     * {@code GET url}.
     *
     * @param url the url
     * @return this
     */
    public static ClientRequest get(String url) {
        return new ClientRequest("GET", url);
    }

    /**
     * {@code POST url} (add a body).
     *
     * @param url the url
     * @return this
     */
    public static ClientRequest post(String url) {
        return new ClientRequest("POST", url);
    }

    /**
     * {@code PUT url} (add a body).
     *
     * @param url the url
     * @return this
     */
    public static ClientRequest put(String url) {
        return new ClientRequest("PUT", url);
    }

    /**
     * Adds a header field. Host, Content-Length, Transfer-Encoding and Connection are the client's.
     *
     * @throws IllegalArgumentException if the name is not a token or the value holds CR, LF or NUL
     * @param name the name
     * @param value the value
     * @return this
     */
    public ClientRequest header(String name, String value) {
        if (name.isEmpty() || !name.chars().allMatch(c -> c < 128 && HttpInput.isTchar((byte) c))) {
            throw new IllegalArgumentException("invalid header name: " + name);
        }
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf(0) >= 0) {
            throw new IllegalArgumentException("CR, LF or NUL in header " + name);
        }
        headers.add(name, value);
        return this;
    }

    /**
     * Adds every field of {@code h}.
     *
     * @param h the headers to add
     * @return this
     */
    public ClientRequest headers(HttpHeaders h) {
        for (int i = 0; i < h.size(); i++) {
            header(h.nameAt(i), h.valueAt(i));
        }
        return this;
    }

    /**
     * The body as bytes, sent with its Content-Length.
     *
     * @param body the body
     * @return this
     */
    public ClientRequest body(byte[] body) {
        this.bytes = Objects.requireNonNull(body, "body");
        this.writer = null;
        this.length = body.length;
        return this;
    }

    /**
     * The body as UTF-8 text with {@code Content-Type: contentType}.
     *
     * @param contentType the content type
     * @param text the text
     * @return this
     */
    public ClientRequest body(String contentType, String text) {
        header("Content-Type", contentType);
        return body(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The body streamed from {@code in} (closed after sending): exactly {@code length} bytes with a
     * Content-Length, or {@code -1} to send it chunked until {@code in} ends.
     *
     * @param in the stream to send
     * @param length its length, or -1 for a chunked upload
     * @return this
     */
    public ClientRequest body(InputStream in, long length) {
        Objects.requireNonNull(in, "in");
        return body(out -> {
            try (in) {
                in.transferTo(out);
            }
        }, length);
    }

    /**
     * The body written by {@code writer} to an {@link OutputStream} as the request goes out:
     * {@code length} bytes exactly, or chunked ({@code -1}) in pieces as it writes and flushes.
     *
     * @param length the body's length, or -1 for a chunked upload
     * @param writer writes the body to the request's stream
     * @return this
     */
    public ClientRequest body(BodyWriter writer, long length) {
        if (length < -1) {
            throw new IllegalArgumentException("length must be >= -1: " + length);
        }
        this.writer = Objects.requireNonNull(writer, "writer");
        this.bytes = null;
        this.length = length;
        return this;
    }

    /**
     * A deadline for the whole exchange: waiting for a connection, connecting, sending, and receiving
     * the response (with {@link HttpClient#open} also reading its body). Past it the call in progress
     * throws {@link java.net.SocketTimeoutException}. Overrides {@link HttpClient#requestTimeout}.
     *
     * @param timeout how long to wait at most
     * @return this
     */
    public ClientRequest timeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        this.timeout = timeout;
        return this;
    }

    /**
     * The method.
     *
     * @return the method
     */
    public String method() {
        return method;
    }

    /**
     * The URL.
     *
     * @return the url
     */
    public String url() {
        return url;
    }

    /**
     * The header fields added so far (live).
     *
     * @return the headers
     */
    public HttpHeaders headers() {
        return headers;
    }

    /**
     * The deadline set with {@link #timeout}, or null.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return timeout;
    }

    boolean hasBody() {
        return bytes != null || writer != null;
    }

    /** Bytes or no body: can be sent twice. */
    boolean replayable() {
        return writer == null;
    }

    byte[] bytes() {
        return bytes;
    }

    BodyWriter writer() {
        return writer;
    }

    long length() {
        return length;
    }

    /** A copy for a redirect hop to {@code url}: same headers, same body unless {@code dropBody}. */
    ClientRequest redirect(String newMethod, String newUrl, boolean dropBody, boolean crossOrigin) {
        ClientRequest r = new ClientRequest(newMethod, newUrl);
        for (int i = 0; i < headers.size(); i++) {
            String n = headers.nameAt(i);
            if (crossOrigin && (n.equalsIgnoreCase("Authorization") || n.equalsIgnoreCase("Cookie")
                    || n.equalsIgnoreCase("Proxy-Authorization"))) {
                continue; // credentials stay with the origin they were meant for
            }
            if (dropBody && (n.equalsIgnoreCase("Content-Type") || n.equalsIgnoreCase("Content-Encoding"))) {
                continue;
            }
            r.headers.add(n, headers.valueAt(i));
        }
        if (!dropBody && bytes != null) {
            r.body(bytes);
        }
        r.timeout = timeout;
        return r;
    }

    @Override
    public String toString() {
        return method + " " + url;
    }
}
