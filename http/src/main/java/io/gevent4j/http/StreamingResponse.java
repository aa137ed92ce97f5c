package io.gevent4j.http;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A response from {@link HttpClient#open(ClientRequest)} whose body is read as it arrives. Read
 * {@link #body()} to its end (the connection then goes back to the pool) and close the response;
 * closing it earlier closes the connection instead. Belongs to the greenlet that opened it.
 */
public final class StreamingResponse implements Closeable {
    private final int status;
    private final String version;
    private final HttpHeaders headers;
    private final String url;
    private final InputStream body;

    StreamingResponse(int status, String version, HttpHeaders headers, String url, InputStream body) {
        this.status = status;
        this.version = version;
        this.headers = headers;
        this.url = url;
        this.body = body;
    }

    /**
     * The status code.
     *
     * @return the status
     */
    public int status() {
        return status;
    }

    /**
     * {@code "HTTP/1.1"} or {@code "HTTP/1.0"}.
     *
     * @return the version
     */
    public String version() {
        return version;
    }

    /**
     * The header fields (trailer fields of a chunked body are added when its end is read).
     *
     * @return the headers
     */
    public HttpHeaders headers() {
        return headers;
    }

    /**
     * The first value of header {@code name}, or null.
     *
     * @param name the name
     * @return the header
     */
    public String header(String name) {
        return headers.get(name);
    }

    /**
     * The URL that answered (after redirects, when following them).
     *
     * @return the url
     */
    public String url() {
        return url;
    }

    /**
     * The body as it arrives (Content-Length, chunked, or until the server closes; empty for HEAD,
     * 1xx, 204 and 304). Reads are bounded by the client's read timeout and the request's deadline.
     * A malformed body is an {@link IOException}.
     *
     * @return the body
     */
    public InputStream body() {
        return body;
    }

    /**
     * Reads the rest of the body.
     *
     * @return the body bytes
     * @throws IOException if an I/O error occurs
     */
    public byte[] bodyBytes() throws IOException {
        return body.readAllBytes();
    }

    /**
     * Reads the rest of the body as UTF-8.
     *
     * @return the body string
     * @throws IOException if an I/O error occurs
     */
    public String bodyString() throws IOException {
        return new String(bodyBytes(), StandardCharsets.UTF_8);
    }

    /** Ends the exchange: a fully read body leaves the connection pooled, otherwise it is closed. Idempotent. */
    @Override
    public void close() throws IOException {
        body.close();
    }

    @Override
    public String toString() {
        return "StreamingResponse[" + status + " " + url + "]";
    }
}
