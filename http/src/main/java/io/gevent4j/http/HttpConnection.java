package io.gevent4j.http;

import io.gevent4j.Timeout;
import io.gevent4j.hub.GreenletExit;
import io.gevent4j.loop.internal.Diagnostics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;

/**
 * One client connection, served by its greenlet: reads requests with {@link HttpInput}, runs the
 * handler, writes responses into one reusable byte array and flushes it once per response, or once
 * per batch when pipelined requests are already buffered. Every read from the socket flushes pending
 * output first, so nothing waits on an unsent response.
 */
final class HttpConnection {
    private static final Logger log = LoggerFactory.getLogger(HttpConnection.class);
    private static final Logger access = LoggerFactory.getLogger("io.gevent4j.http.access");

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] SERVER_LINE_PREFIX = "Server: ".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CHUNKED = "Transfer-Encoding: chunked\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CONN_CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CONN_KEEP_ALIVE = "Connection: keep-alive\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] TEXT_PLAIN = "Content-Type: text/plain; charset=utf-8\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[][] STATUS_LINES = new byte[600][];
    /** {@code "Content-Length: n\r\n"} for small n, the common case. */
    private static final byte[][] LENGTH_LINES = new byte[2048][];
    /** Output above this is flushed even while pipelined requests wait. */
    private static final int FLUSH_THRESHOLD = 32 * 1024;
    /** Unread request body the server skips to keep a connection alive. */
    private static final long MAX_DRAIN = 256 * 1024;
    private static final long LINGER_NANOS = Duration.ofSeconds(2).toNanos();

    static {
        for (int s = 100; s < 600; s++) {
            STATUS_LINES[s] = ("HTTP/1.1 " + s + " " + Status.reason(s) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        }
        for (int n = 0; n < LENGTH_LINES.length; n++) {
            LENGTH_LINES[n] = ("Content-Length: " + n + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    private final HttpServer server;
    private final Transport socket;
    /** The hub's loop: deadlines are measured on its clock (virtual under simulation). */
    private final io.gevent4j.loop.Loop loop;
    private final InetSocketAddress remote;
    private final HttpInput input;
    private final Source source;
    private byte[] out = new byte[8192];
    private int outLen;
    /** Parked waiting for the next request: stop() may close the socket under it. */
    volatile boolean idle;
    private Response current;

    HttpConnection(HttpServer server, Transport socket, InetSocketAddress remote) {
        this.server = server;
        this.socket = socket;
        this.loop = socket.socket().hub().loop();
        this.remote = remote;
        this.source = new Source();
        this.input = new HttpInput(source, server.maxRequestLineValue(), server.maxHeaderBytesValue());
    }

    InetSocketAddress remoteAddress() {
        return remote;
    }

    private long nanoTime() {
        return loop.nanoTime();
    }

    InetSocketAddress localAddress() {
        return socket.socket().localAddress();
    }

    /** The response of the request being handled. */
    Response currentResponse() {
        return current;
    }

    Transport transport() {
        return socket;
    }

    /** The TLS session, or null on plain HTTP. */
    javax.net.ssl.SSLSession session() {
        return socket.session();
    }

    /**
     * stop(): this connection is idle. It is half-closed (FIN: the client sees the end), and its greenlet,
     * woken by the client's close or by a request already in flight, drains and closes (RFC 9112 9.6), at
     * the latest after the linger time. A plain close would answer such a request with a reset, which can
     * erase the previous answer before the client has read it. Safe from any thread.
     */
    void closeIdle() {
        io.gevent4j.net.Socket s = socket.socket();
        try {
            loop.execute(() -> new io.gevent4j.Greenlet<Void>(s.hub(), () -> { // TLS may block to send close_notify
                if (idle && !s.isClosed()) {
                    try {
                        socket.shutdownOutput();
                    } catch (IOException e) {
                        s.close();
                        return null;
                    }
                    // a client that neither closes nor sends is cut off after the linger time
                    io.gevent4j.loop.TimerWatcher t = loop.timer(LINGER_NANOS, 0);
                    t.unref();
                    t.start(() -> {
                        t.close();
                        s.close();
                    });
                }
                return null;
            }).start());
        } catch (java.util.concurrent.RejectedExecutionException e) {
            s.close(); // the hub is gone
        }
    }

    // ------------------------------------------------------------------ the request loop

    void serve() throws IOException {
        boolean first = true;
        try {
            while (true) {
                if (!input.hasRequestBuffered()) {
                    flush();
                    idle = true;
                    try {
                        if (server.isStopping()) {
                            lingeringClose(); // the client may have pipelined more already (RFC 9112 9.6)
                            return;
                        }
                        source.deadline = nanoTime() + (first ? server.headerTimeoutNanos() : server.idleTimeoutNanos());
                        if (!input.awaitData()) {
                            return; // the client closed between requests
                        }
                        if (server.isStopping()) {
                            lingeringClose(); // stop() half-closed this idle connection: drain, then close
                            return;
                        }
                    } catch (SocketTimeoutException e) {
                        log.debug("{}: closing idle connection", remote);
                        return;
                    } finally {
                        idle = false;
                    }
                }
                source.deadline = nanoTime() + server.headerTimeoutNanos();
                RequestHead head;
                try {
                    head = input.readHead();
                } catch (HttpStatusException e) {
                    rejectAndClose(e.status(), e.getMessage(), null);
                    return;
                } catch (SocketTimeoutException e) {
                    rejectAndClose(408, "request head not received in time", null);
                    return;
                }
                source.deadline = 0;
                if (head == null) {
                    return;
                }
                if (!handle(head)) {
                    return;
                }
                first = false;
            }
        } catch (GreenletExit e) {
            throw e;
        } catch (IOException e) {
            log.debug("{}: connection ended: {}", remote, e.toString());
        } finally {
            try {
                flush();
            } catch (IOException e) {
                log.debug("{}: final flush failed: {}", remote, e.toString());
            }
        }
    }

    /** Serves one request; true to keep the connection for the next one. */
    private boolean handle(RequestHead head) throws IOException {
        HttpHeaders h = head.headers();
        boolean hasBody = head.chunked() || head.contentLength() > 0;
        boolean expectContinue = false;
        String expect = h.get("Expect");
        if (expect != null) {
            if (!expect.equalsIgnoreCase("100-continue")) {
                rejectAndClose(417, "unsupported expectation", head);
                return false;
            }
            expectContinue = hasBody && head.minorVersion() == 1;
        }
        BodyInputStream body;
        try {
            body = hasBody ? new BodyInputStream(input, head, server.maxBodySizeValue()) : null;
        } catch (HttpStatusException e) {
            rejectAndClose(e.status(), e.getMessage(), head);
            return false;
        }
        Request req = new Request(this, head, body, expectContinue);
        Response resp = new Response(this, req);
        current = resp;
        long start = nanoTime();
        boolean ok = true;
        source.bodyDeadline = body != null ? start + server.bodyTimeoutNanos() : 0;
        try {
            server.requests.increment();
            server.handler().handle(req, resp);
            resp.finish();
            afterResponse();
        } catch (GreenletExit e) {
            throw e;
        } catch (Timeout e) {
            // The handler's own Timeout escaped it: the request ran out of its time, the server did
            // not fail. Answer 503 if nothing was sent yet and close; no stack trace.
            ok = false;
            Diagnostics.warn(log, "{}: handler for {} did not catch its {}", remote, req, e.getMessage());
            if (!resp.isCommitted()) {
                rejectAndClose(503, null, head);
            }
            return false;
        } catch (HttpStatusException e) {
            ok = false;
            if (resp.isCommitted()) {
                log.debug("{}: {} after the response was committed: {}", remote, e.status(), e.getMessage());
                return false;
            }
            rejectAndClose(e.status(), e.getMessage(), head);
            return false;
        } catch (SocketTimeoutException e) {
            log.debug("{}: timed out serving {}: {}", remote, req, e.getMessage());
            if (source.bodyDeadlinePassed() && !resp.isCommitted()) {
                rejectAndClose(408, "request body not received in time", head);
            }
            return false;
        } catch (IOException e) {
            if (e instanceof java.io.EOFException || e instanceof java.net.SocketException || socket.socket().isClosed()
                    || resp.isCommitted()) {
                log.debug("{}: I/O error serving {}: {}", remote, req, e.toString());
                return false;
            }
            ok = false;
            Diagnostics.error(log, e, "handler failed on {} from {}", req, remote);
            rejectAndClose(500, null, head);
            return false;
        } catch (Exception | Error e) {
            ok = false;
            Diagnostics.error(log, e, "handler failed on {} from {}", req, remote);
            if (resp.isCommitted()) {
                return false; // cannot answer any more: cut the connection so the client sees an error
            }
            rejectAndClose(500, null, head);
            return false;
        } finally {
            source.bodyDeadline = 0;
            if (ok && server.accessLogEnabled() && access.isInfoEnabled()) {
                logAccess(head, resp.status(), resp.bytesSent(), start);
            }
        }
        if (resp.incomplete()) {
            return false;
        }
        if (resp.closeRequested()) {
            if (!resp.isUpgraded()) {
                // RFC 9112 9.6: the client may have pipelined more already; closing now would answer that
                // with a reset, which can erase this answer before the client reads it. Half-close, drain.
                lingeringClose();
            }
            return false;
        }
        if (body != null && !body.isComplete()) {
            if (expectContinue && !req.continueSent()) {
                return false; // the client may or may not send the body now: the stream is ambiguous
            }
            source.deadline = nanoTime() + server.headerTimeoutNanos();
            try {
                if (!body.drain(MAX_DRAIN)) {
                    return false;
                }
            } catch (HttpStatusException | SocketTimeoutException e) {
                return false;
            } finally {
                source.deadline = 0;
            }
        }
        if (server.isStopping()) {
            lingeringClose(); // stop() began after this answer's head went out without Connection: close
            return false;
        }
        return true;
    }

    private boolean keepAlive(Response resp) {
        RequestHead head = resp.request().head();
        HttpHeaders h = head.headers();
        boolean keep = head.minorVersion() == 1 ? !h.containsToken("Connection", "close")
                : h.containsToken("Connection", "keep-alive");
        Request req = resp.request();
        if (req.expectContinue() && !req.continueSent() && !req.rawBody().isComplete()) {
            // answered without asking for the body: the client may or may not send it now, so the
            // connection cannot carry another request (RFC 9110 section 10.1.1)
            keep = false;
        }
        if (!keep || server.isStopping()) {
            resp.requestClose();
            return false;
        }
        return !resp.closeRequested();
    }

    private void logAccess(RequestHead head, int status, long bytes, long start) {
        String when = ZonedDateTime.now().format(ACCESS_TIME);
        access.info("{} - - [{}] \"{} {} HTTP/1.{}\" {} {} {}", remote.getAddress().getHostAddress(), when,
                head.method(), head.target(), head.minorVersion(), status, bytes,
                String.format(Locale.ROOT, "%.6f", (nanoTime() - start) / 1e9));
    }

    private static final DateTimeFormatter ACCESS_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);

    /**
     * Answers an error with {@code Connection: close}, then closes gracefully: shuts down output and
     * discards what the client still sends for a moment, so the client reads the answer instead of a
     * reset.
     */
    private void rejectAndClose(int status, String reason, RequestHead head) throws IOException {
        if (head == null) {
            server.rejected.increment(); // answered before a request reached the handler
        }
        if (server.accessLogEnabled() && access.isInfoEnabled() && head != null) {
            logAccess(head, status, 0, nanoTime());
        }
        log.debug("{}: answering {} ({})", remote, status, reason);
        byte[] body = (status + " " + Status.reason(status) + (reason != null && status != 500 ? ": " + reason : "")
                + "\n").getBytes(StandardCharsets.ISO_8859_1);
        put(statusLine(status));
        put(HttpDate.line());
        put(server.serverLine());
        put(TEXT_PLAIN);
        put(CONTENT_LENGTH);
        putDecimal(body.length);
        put(CRLF);
        put(CONN_CLOSE);
        put(CRLF);
        if (head == null || !head.method().equals("HEAD")) {
            put(body);
        }
        lingeringClose();
    }

    private void lingeringClose() {
        try {
            flush();
            socket.shutdownOutput();
            source.deadline = nanoTime() + LINGER_NANOS;
            byte[] scratch = new byte[8192];
            long left = 1 << 20;
            while (left > 0) {
                int n = source.read(scratch, 0, scratch.length);
                if (n < 0) {
                    break;
                }
                left -= n;
            }
        } catch (IOException e) {
            // the peer reset or went quiet: close now
        } finally {
            source.deadline = 0;
        }
    }

    // ------------------------------------------------------------------ output

    private static byte[] statusLine(int status) {
        if (status >= 100 && status < 600) {
            return STATUS_LINES[status];
        }
        return ("HTTP/1.1 " + status + " Unknown\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    void sendContinue() throws IOException {
        if (current != null && current.isCommitted()) {
            return; // a final response went out already: an interim one may not follow it
        }
        put(CONTINUE);
        flush();
    }

    /** The whole response at once: head and body ({@code text}: default to text/plain). */
    void writeResponse(Response resp, byte[] body, boolean text) throws IOException {
        boolean keep = keepAlive(resp);
        int status = resp.status();
        writeHead(resp, status == 204 || status == 304 ? -1 : body.length, false, keep, text && body.length > 0);
        if (!resp.noBodyStatus()) {
            if (body.length > FLUSH_THRESHOLD) {
                flush();
                socket.write(body, 0, body.length);
            } else {
                put(body);
            }
        }
    }

    /**
     * Writes {@code 101 Switching Protocols} with the response's headers and hands the connection
     * over; the request loop ends after the handler.
     */
    UpgradedConnection upgrade(Response resp, String protocol) throws IOException {
        put(statusLine(101));
        put(HttpDate.line());
        HttpHeaders h = resp.headers();
        if (!h.contains("Server")) {
            put(server.serverLine());
        }
        putLatin1("Connection: Upgrade\r\nUpgrade: ");
        putLatin1(protocol);
        put(CRLF);
        for (int i = 0, n = h.size(); i < n; i++) {
            String name = h.nameAt(i);
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
                    || name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Upgrade")) {
                continue;
            }
            putLatin1(name);
            put((byte) ':');
            put((byte) ' ');
            putLatin1(h.valueAt(i));
            put(CRLF);
        }
        put(CRLF);
        flush();
        out = new byte[0]; // nothing more of HTTP is written here: do not hold the buffer
        return new UpgradedConnection(socket, input.takeBuffered(), remote);
    }

    /** The head of a streamed response ({@code length} -1: unknown). */
    void writeStreamHead(Response resp, long length, boolean chunked) throws IOException {
        boolean keep = keepAlive(resp);
        writeHead(resp, length, chunked, keep, false);
    }

    private void writeHead(Response resp, long length, boolean chunked, boolean keep, boolean defaultType) {
        int status = resp.status();
        put(statusLine(status));
        put(HttpDate.line());
        HttpHeaders h = resp.headers();
        if (!h.contains("Server")) {
            put(server.serverLine());
        }
        if (defaultType && !h.contains("Content-Type") && !resp.noBodyStatus()) {
            put(TEXT_PLAIN);
        }
        for (int i = 0, n = h.size(); i < n; i++) {
            String name = h.nameAt(i);
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
                    || name.equalsIgnoreCase("Connection")) {
                continue;
            }
            putLatin1(name);
            put((byte) ':');
            put((byte) ' ');
            putLatin1(h.valueAt(i));
            put(CRLF);
        }
        if (chunked) {
            put(CHUNKED);
        } else if (length >= 0 && status != 204 && status >= 200) {
            if (length < LENGTH_LINES.length) {
                put(LENGTH_LINES[(int) length]);
            } else {
                put(CONTENT_LENGTH);
                putDecimal(length);
                put(CRLF);
            }
        }
        if (!keep) {
            put(CONN_CLOSE);
        } else if (resp.request().head().minorVersion() == 0) {
            put(CONN_KEEP_ALIVE);
        }
        put(CRLF);
    }

    /** Flushes now unless pipelined requests are already waiting and the batch is small. */
    private void afterResponse() throws IOException {
        if (outLen >= FLUSH_THRESHOLD || !input.hasBuffered()) {
            flush();
        }
    }

    void writeBody(byte[] b, int off, int len) throws IOException {
        if (len > FLUSH_THRESHOLD) {
            flush();
            socket.write(b, off, len);
            return;
        }
        put(b, off, len);
        if (outLen >= FLUSH_THRESHOLD) {
            flush();
        }
    }

    /** A fixed-length body from a file, after its head: the buffered head goes first, then the file. */
    void writeFile(java.nio.channels.FileChannel file, long length) throws IOException {
        flush();
        socket.setTimeout(server.ioTimeout());
        socket.sendFile(file, 0, length);
    }

    void writeChunk(byte[] b, int off, int len) throws IOException {
        putHex(len);
        put(CRLF);
        writeBody(b, off, len);
        put(CRLF);
    }

    void writeLastChunk() throws IOException {
        put(LAST_CHUNK);
    }

    void flush() throws IOException {
        if (outLen > 0) {
            socket.setTimeout(server.ioTimeout());
            int n = outLen;
            outLen = 0;
            socket.write(out, 0, n);
        }
    }

    private void ensure(int n) {
        if (outLen + n > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, outLen + n));
        }
    }

    private void put(byte[] b) {
        put(b, 0, b.length);
    }

    private void put(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, out, outLen, len);
        outLen += len;
    }

    private void put(byte b) {
        ensure(1);
        out[outLen++] = b;
    }

    private void putLatin1(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            out[outLen++] = (byte) s.charAt(i);
        }
    }

    private void putDecimal(long v) {
        if (v == 0) {
            put((byte) '0');
            return;
        }
        ensure(20);
        int digits = 0;
        for (long x = v; x > 0; x /= 10) {
            digits++;
        }
        for (int i = outLen + digits - 1; i >= outLen; i--) {
            out[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        outLen += digits;
    }

    private void putHex(int v) {
        putLatin1(Integer.toHexString(v));
    }

    // ------------------------------------------------------------------ input

    /**
     * The socket as a stream for {@link HttpInput}: flushes pending output before reading, and bounds
     * each read by the current deadline (head, idle and drain phases) or the server's I/O timeout.
     */
    private final class Source extends InputStream {
        /** Deadline of the head, idle and drain phases (0: none); takes precedence. */
        long deadline;
        /** Deadline of the whole request body while the handler runs (0: none); reads also keep ioTimeout. */
        long bodyDeadline;

        boolean bodyDeadlinePassed() {
            return bodyDeadline != 0 && bodyDeadline - nanoTime() <= 0;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            flush();
            if (deadline != 0) {
                long left = deadline - nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("deadline passed");
                }
                socket.setTimeout(Duration.ofNanos(left));
            } else if (bodyDeadline != 0) {
                long left = bodyDeadline - nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("request body not received within the body timeout");
                }
                socket.setTimeout(Duration.ofNanos(Math.min(left, server.ioTimeout().toNanos())));
            } else {
                socket.setTimeout(server.ioTimeout());
            }
            try {
                return socket.read(b, off, len);
            } finally {
                if (deadline != 0 || bodyDeadline != 0) {
                    socket.setTimeout(server.ioTimeout());
                }
            }
        }
    }
}
