package io.gevent4j.http;

import io.gevent4j.FileObject;

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
    private boolean upgraded;
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
     * The hub never waits for the disk: the file is opened on the file pool
     * ({@link FileObject#threadPool()}); up to 64 KiB it is read there too and sent with the head, larger
     * ones go to the socket with {@link io.gevent4j.net.Socket#sendFile} (zero-copy sendfile(2) where the
     * kernel allows it, parts not in the page cache read in on the pool first).
     *
     * @param file the file
     * @throws java.nio.file.NoSuchFileException if it does not exist (nothing was sent)
     * @throws java.io.EOFException if the file shrank while it was being sent (the connection is then closed)
     */
    public void sendFile(Path file) throws IOException {
        checkNotCommitted();
        if (stream != null) {
            throw new IllegalStateException("outputStream() already in use");
        }
        // One trip to the file pool opens the file and takes its size; a small file is read and
        // closed in the same trip and goes out with the head in one write.
        try (OpenedFile f = FileObject.call(() -> OpenedFile.open(file), OpenedFile::close)) {
            if (!headers.contains("Content-Type")) {
                String type = URLConnection.guessContentTypeFromName(file.getFileName().toString());
                headers.set("Content-Type", type != null ? type : "application/octet-stream");
            }
            if (f.small != null) {
                send(f.small, false);
                return;
            }
            headers.set("Content-Length", Long.toString(f.size));
            BodyStream body = (BodyStream) outputStream();
            body.commit();
            if (body.mode == FIXED && f.size > 0) {
                conn.writeFile(f.channel, f.size);
                bodyBytes = f.size;
            }
            body.close();
        }
    }

    /** What {@link #sendFile} opened on the pool: a small file's bytes, or an open channel and its size. */
    private record OpenedFile(FileChannel channel, long size, byte[] small) implements java.io.Closeable {
        /** Files up to this size are read whole in the opening trip. */
        static final int SMALL = 64 * 1024;

        static OpenedFile open(Path file) throws IOException {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            try {
                long size = ch.size();
                if (size > SMALL) {
                    return new OpenedFile(ch, size, null);
                }
                ByteBuffer buf = ByteBuffer.allocate((int) size);
                while (buf.hasRemaining() && ch.read(buf) > 0) {
                    // a file that shrank meanwhile is sent as it is now
                }
                ch.close();
                byte[] b = buf.position() == buf.capacity() ? buf.array() : java.util.Arrays.copyOf(buf.array(), buf.position());
                return new OpenedFile(null, b.length, b);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }

        @Override
        public void close() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // read-only: nothing to lose
                }
            }
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

    /**
     * Answers {@code 101 Switching Protocols} to {@code protocol} (with {@code Connection: Upgrade},
     * {@code Upgrade: protocol} and the headers set so far) and hands the raw connection to the handler,
     * for protocols such as WebSocket ({@link Request#upgradeToWebSocket()} does this for you). The
     * server closes the connection when the handler returns; nothing else of HTTP happens on it.
     *
     * @throws IllegalStateException if the response is committed, the request is not HTTP/1.1, or its
     *                               body was not read to the end
     *
     * @param protocol the Upgrade header value, such as {@code websocket}
     * @return the connection, taken over from HTTP
     * @throws IOException if an I/O error occurs
     */
    public UpgradedConnection upgrade(String protocol) throws IOException {
        checkNotCommitted();
        if (stream != null) {
            throw new IllegalStateException("outputStream() already in use");
        }
        if (protocol.isEmpty() || !protocol.chars().allMatch(c -> c == '/' || c < 128 && HttpInput.isTchar((byte) c))) {
            throw new IllegalArgumentException("invalid protocol: " + protocol);
        }
        if (request.head().minorVersion() != 1) {
            throw new IllegalStateException("protocol upgrades need HTTP/1.1");
        }
        if (request.rawBody() != null && !request.rawBody().isComplete()) {
            throw new IllegalStateException("read the request body before upgrading");
        }
        committed = true;
        upgraded = true;
        status = 101;
        return conn.upgrade(this, protocol);
    }

    /**
     * True after {@link #upgrade}.
     *
     * @return true on success
     */
    public boolean isUpgraded() {
        return upgraded;
    }

    /**
     * Bytes of body sent so far (what a GET would get, also for HEAD).
     *
     * @return the number of body bytes sent so far
     */
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
        return closeRequested || upgraded || headers.containsToken("Connection", "close");
    }

    void requestClose() {
        closeRequested = true;
    }

    /** Called after the handler returned: sends an empty response or ends the stream. */
    void finish() throws IOException {
        if (upgraded) {
            return;
        } else if (stream != null) {
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
