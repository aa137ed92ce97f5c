package io.gevent4j.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The response to one {@link Request}: set the status and header fields, then send the body once,
 * with {@link #send(byte[])}/{@link #send(String)}, {@link #sendFile(Path)}, or stream it through
 * {@link #outputStream()}. The first byte of body (or the send) commits the status line and headers;
 * after that they cannot change.
 *
 * <p>The server adds {@code Date}, {@code Server} (unless set), {@code Content-Length} or
 * {@code Transfer-Encoding: chunked}, and {@code Connection} as the keep-alive rules require. A
 * response to {@code HEAD} carries the headers (with the length the body would have had) but no body.
 * Valid only while the handler runs, in the connection's greenlet.
 */
public final class Response {
    private final HttpConnection conn;
    private final Request request;
    private int status = 200;
    private final HttpHeaders headers = new HttpHeaders();
    private boolean committed;
    private boolean closeRequested;
    private BodyStream stream;
    private long bodyBytes;

    Response(HttpConnection conn, Request request) {
        this.conn = conn;
        this.request = request;
    }

    /**
     * Sets the status code (100-999 are not all meaningful; 200 by default).
     *
     * @param status the HTTP status code
     * @return this {@code Response}
     */
    public Response status(int status) {
        checkNotCommitted();
        if (status < 200 || status > 999) {
            throw new IllegalArgumentException("status must be 200..999 (interim responses are the server's): " + status);
        }
        this.status = status;
        return this;
    }

    /** {@return the status code set so far} */
    public int status() {
        return status;
    }

    /**
     * Sets a header field, replacing any of the same name. {@code Connection: close} makes the server
     * close the connection after this response; {@code Content-Length} set before
     * {@link #outputStream()} makes the stream fixed-length instead of chunked.
     *
     * @param name the field name
     * @param value the value
     * @return this {@code Response}
     * @throws IllegalArgumentException if the name is not a token or the value holds CR, LF or NUL
     */
    public Response header(String name, String value) {
        checkNotCommitted();
        validate(name, value);
        headers.set(name, value);
        return this;
    }

    /**
     * Adds a header field, keeping others of the same name (e.g. {@code Set-Cookie}).
     *
     * @param name the field name
     * @param value the value
     * @return this {@code Response}
     */
    public Response addHeader(String name, String value) {
        checkNotCommitted();
        validate(name, value);
        headers.add(name, value);
        return this;
    }

    /**
     * Shorthand for {@code header("Content-Type", type)}.
     *
     * @param type the type
     * @return this response
     */
    public Response contentType(String type) {
        return header("Content-Type", type);
    }

    /** {@return the header fields set so far (a live view: change them through {@link #header})} */
    public HttpHeaders headers() {
        return headers;
    }

    /** {@return true once the status line and headers were written} */
    public boolean isCommitted() {
        return committed;
    }

    /**
     * Sends {@code body} as the whole response, with its Content-Length.
     *
     * @param body the request body (null or empty: none)
     * @throws IOException if an I/O error occurs
     */
    public void send(byte[] body) throws IOException {
        send(body, false);
    }

    private void send(byte[] body, boolean text) throws IOException {
        checkNotCommitted();
        if (stream != null) {
            throw new IllegalStateException("outputStream() already in use");
        }
        committed = true;
        bodyBytes = body.length;
        conn.writeResponse(this, body, text);
    }

    /**
     * Sends {@code text} as UTF-8; sets {@code Content-Type: text/plain; charset=utf-8} unless set.
     *
     * @param text the text
     * @throws IOException if an I/O error occurs
     */
    public void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * Sets the status and sends {@code text}.
     *
     * @param status the HTTP status code
     * @param text the text
     * @throws IOException if an I/O error occurs
     */
    public void send(int status, String text) throws IOException {
        status(status);
        send(text);
    }

    /**
     * Sends a file with its length; sets a {@code Content-Type} guessed from the file name unless set.
     *
     * @param file the file
     * @throws java.nio.file.NoSuchFileException if it does not exist (nothing was sent)
     */
    public void sendFile(Path file) throws IOException {
        checkNotCommitted();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (!headers.contains("Content-Type")) {
                String type = URLConnection.guessContentTypeFromName(file.getFileName().toString());
                headers.set("Content-Type", type != null ? type : "application/octet-stream");
            }
            headers.set("Content-Length", Long.toString(size));
            OutputStream out = outputStream();
            if (!request.method().equals("HEAD")) {
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Math.max(size, 1), 64 * 1024));
                long left = size;
                while (left > 0) {
                    buf.clear();
                    int n = ch.read(buf);
                    if (n < 0) {
                        throw new IOException(file + " shrank while being sent");
                    }
                    out.write(buf.array(), 0, (int) Math.min(n, left));
                    left -= n;
                }
            }
            out.close();
        }
    }

    /**
     * {@return a stream for the body, for output of unknown length: chunked on HTTP/1.1 (unless a
     * Content-Length header was set, then exactly that many bytes must be written), delimited by closing the
     * connection on HTTP/1.0} The headers are committed on the first write, flush or close; {@link
     * OutputStream#flush()} pushes what was written to the client (for server-sent events, progress...);
     * {@link OutputStream#close()} ends the body (the server does it if the handler does not).
     */
    public OutputStream outputStream() {
        if (stream == null) {
            checkNotCommitted();
            stream = new BodyStream();
        }
        return stream;
    }

    /** {@return the bytes of body sent so far (what a GET would get, also for HEAD)} */
    public long bytesSent() {
        return bodyBytes;
    }

    // ------------------------------------------------------------------ internal

    private void checkNotCommitted() {
        if (committed) {
            throw new IllegalStateException("response already committed");
        }
    }

    private static void validate(String name, String value) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty header name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 128 || !HttpInput.isTchar((byte) c)) {
                throw new IllegalArgumentException("invalid header name: " + name);
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 0xff) {
                throw new IllegalArgumentException("invalid character in header " + name);
            }
        }
    }

    boolean noBodyStatus() {
        return status == 204 || status == 304 || request.method().equals("HEAD");
    }

    boolean closeRequested() {
        return closeRequested || headers.containsToken("Connection", "close");
    }

    void requestClose() {
        closeRequested = true;
    }

    /** Called after the handler returned: sends an empty response or ends the stream. */
    void finish() throws IOException {
        if (stream != null) {
            stream.close();
        } else if (!committed) {
            send(new byte[0]);
        }
    }

    /** True if the body was cut short (a fixed-length stream closed early): the connection must close. */
    boolean incomplete() {
        return stream != null && stream.incomplete();
    }

    Request request() {
        return request;
    }

    /** Modes of {@link BodyStream}. */
    private static final int FIXED = 0;
    private static final int CHUNKED = 1;
    private static final int UNTIL_CLOSE = 2;
    private static final int NONE = 3;

    private final class BodyStream extends OutputStream {
        private int mode = -1;
        private long declared;
        private boolean closed;

        private void commit() throws IOException {
            if (mode >= 0) {
                return;
            }
            committed = true;
            String cl = headers.get("Content-Length");
            if (noBodyStatus()) {
                mode = NONE;
                declared = cl != null ? parseLength(cl) : -1;
            } else if (cl != null) {
                mode = FIXED;
                declared = parseLength(cl);
            } else if (request.head().minorVersion() == 1) {
                mode = CHUNKED;
            } else {
                mode = UNTIL_CLOSE;
                closeRequested = true;
            }
            conn.writeStreamHead(Response.this, mode == FIXED || mode == NONE && declared >= 0 ? declared : -1,
                    mode == CHUNKED);
        }

        private long parseLength(String cl) {
            try {
                long n = Long.parseLong(cl.trim());
                if (n < 0) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalStateException("invalid Content-Length header: " + cl);
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("response body closed");
            }
            commit();
            if (len == 0) {
                return;
            }
            switch (mode) {
                case FIXED -> {
                    if (bodyBytes + len > declared) {
                        throw new IOException("writing more than the declared Content-Length " + declared);
                    }
                    conn.writeBody(b, off, len);
                }
                case CHUNKED -> conn.writeChunk(b, off, len);
                case UNTIL_CLOSE -> conn.writeBody(b, off, len);
                default -> {
                    // HEAD, 204, 304: no body
                }
            }
            bodyBytes += len;
        }

        @Override
        public void flush() throws IOException {
            if (closed) {
                return;
            }
            commit();
            conn.flush();
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            commit();
            closed = true;
            if (mode == CHUNKED) {
                conn.writeLastChunk();
            }
        }

        boolean incomplete() {
            return mode == FIXED && bodyBytes != declared;
        }
    }
}
