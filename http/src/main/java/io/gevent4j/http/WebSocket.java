package io.gevent4j.http;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A WebSocket (RFC 6455), blocking-style, server or client side: {@link #receive()} parks the greenlet
 * until a whole message arrived, {@link #send(String)} and {@link #send(byte[])} write one.
 *
 * <pre>{@code
 * HttpServer.create(addr, (req, resp) -> {
 *     try (WebSocket ws = req.upgradeToWebSocket()) {
 *         for (WebSocket.Message m; (m = ws.receive()) != null; ) {
 *             ws.send("echo: " + m.text());
 *         }
 *     }
 * });
 * WebSocket client = HttpClient.create().webSocket("ws://127.0.0.1:8080/chat");
 * }</pre>
 *
 * <h2>Protocol</h2>
 * Fragmented messages are reassembled; pings are answered with pongs while a greenlet is in
 * {@link #receive()}; text must be valid UTF-8. A peer that breaks the protocol gets a close frame
 * with the RFC's code and {@link #receive()} throws {@link WebSocketException}: 1002 for a protocol
 * error (reserved bits, unknown opcodes, bad fragmentation, an unmasked frame from a client or a
 * masked one from a server, oversized control frames, invalid close codes), 1007 for invalid UTF-8,
 * 1009 for a message over {@link Options#maxMessageSize(int)}. No extensions (permessage-deflate is
 * declined by not answering it).
 *
 * <h2>Closing</h2>
 * {@link #close(int, String)} sends a close frame and waits (up to {@link Options#closeTimeout}) for
 * the peer's, then closes the connection; a close frame from the peer is answered and
 * {@link #receive()} returns null. {@link #closeCode()} and {@link #closeReason()} tell how it ended:
 * the peer's code, 1005 if its close frame had none, 1006 if the connection dropped without one, or
 * 1001 after {@link Options#idleTimeout} passed without any frame.
 *
 * <h2>Greenlets</h2>
 * One greenlet at a time receives; any number of greenlets of the connection's hub may send (sends
 * are serialized, messages never interleave). {@link #close()} from another thread only drops the
 * connection.
 */
public final class WebSocket implements Closeable {
    /** Normal closure. */
    public static final int NORMAL_CLOSURE = 1000;
    /** An endpoint is going away (server shutdown, idle timeout). */
    public static final int GOING_AWAY = 1001;
    /** The peer broke the protocol. */
    public static final int PROTOCOL_ERROR = 1002;
    /** A close frame without a code (never sent). */
    public static final int NO_STATUS = 1005;
    /** The connection dropped without a close frame (never sent). */
    public static final int ABNORMAL_CLOSURE = 1006;
    /** Data inconsistent with the message type (invalid UTF-8 in text). */
    public static final int INVALID_DATA = 1007;
    /** A message too big to process. */
    public static final int MESSAGE_TOO_BIG = 1009;

    static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int OP_CONT = 0;
    private static final int OP_TEXT = 1;
    private static final int OP_BINARY = 2;
    private static final int OP_CLOSE = 8;
    private static final int OP_PING = 9;
    private static final int OP_PONG = 10;

    /** Settings of one WebSocket (mutable while building, then copied). */
    public static final class Options {
        private int maxMessageSize = 1 << 20;
        private Duration idleTimeout;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private List<String> subprotocols = List.of();

        /** Defaults: 1 MiB messages, no idle timeout, 5 s close timeout, no subprotocol. */
        public Options() {
        }

        /**
         * Largest message (all fragments together) accepted; larger closes with 1009.
         *
         * @param bytes the limit in bytes
         * @return the max message size
         */
        public Options maxMessageSize(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("must be positive: " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * Closes the connection (1001) when no frame at all arrives for this long while a greenlet is
         * in {@link #receive()}; null: never (the default). Clients that ping keep it open.
         *
         * @param timeout how long to wait at most
         * @return the idle timeout
         */
        public Options idleTimeout(Duration timeout) {
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * How long {@link WebSocket#close(int, String)} waits for the peer's close frame (default 5 s).
         *
         * @param timeout how long to wait at most
         * @return the close timeout
         */
        public Options closeTimeout(Duration timeout) {
            this.closeTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * The subprotocols this side speaks, in order of preference. A server picks the first of these
         * that the client offers (none if it offers none of them); a client offers them all and checks
         * the server's choice.
         *
         * @param names the subprotocols, in order of preference
         * @return the subprotocols
         */
        public Options subprotocols(String... names) {
            this.subprotocols = List.of(names);
            return this;
        }

        List<String> subprotocols() {
            return subprotocols;
        }

        private Options copy() {
            Options o = new Options();
            o.maxMessageSize = maxMessageSize;
            o.idleTimeout = idleTimeout;
            o.closeTimeout = closeTimeout;
            o.subprotocols = subprotocols;
            return o;
        }
    }

    /** One whole message, text or binary. */
    public static final class Message {
        private final boolean text;
        private final byte[] data;
        private final String string;

        private Message(boolean text, byte[] data, String string) {
            this.text = text;
            this.data = data;
            this.string = string;
        }

        /**
         * True for a text message.
         *
         * @return true on success
         */
        public boolean isText() {
            return text;
        }

        /**
         * The text (a binary message decoded as UTF-8, invalid sequences replaced).
         *
         * @return the text
         */
        public String text() {
            return string != null ? string : new String(data, StandardCharsets.UTF_8);
        }

        /**
         * The payload bytes (UTF-8 for text).
         *
         * @return the data
         */
        public byte[] data() {
            return data;
        }

        @Override
        public String toString() {
            return text ? "Text[" + string + "]" : "Binary[" + data.length + " bytes]";
        }
    }

    private final UpgradedConnection conn;
    private final boolean client;
    private final Options options;
    private final String subprotocol;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final byte[] in = new byte[8192];
    private int inPos;
    private int inLim;
    private byte[] out = new byte[8192];
    private byte[] msg = new byte[256];
    private final byte[] control = new byte[125];
    private final SecureRandom random;
    private final byte[] maskBytes = new byte[256];
    private int maskPos = maskBytes.length;
    private boolean reading;
    private volatile boolean closeSent;
    private boolean closeReceived;
    private int closeCode = -1;
    private String closeReason;
    private Greenlet<Void> closer;

    WebSocket(UpgradedConnection conn, boolean client, Options options, String subprotocol) {
        this.conn = conn;
        this.client = client;
        this.options = (options == null ? new Options() : options).copy();
        this.subprotocol = subprotocol;
        this.random = client ? new SecureRandom() : null;
    }

    // ------------------------------------------------------------------ handshake helpers

    /** {@code Sec-WebSocket-Accept} for a key. */
    static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 missing from the JDK", e);
        }
    }

    /** Checks a client's opening handshake; the 16-byte key, or an HttpStatusException to answer. */
    static String checkUpgradeRequest(Request req) {
        if (!req.method().equals("GET") || !req.version().equals("HTTP/1.1")) {
            throw new HttpStatusException(400, "a WebSocket handshake is a GET over HTTP/1.1");
        }
        if (!req.headers().containsToken("Upgrade", "websocket") || !req.headers().containsToken("Connection", "upgrade")) {
            throw new HttpStatusException(400, "not a WebSocket handshake (Upgrade: websocket, Connection: Upgrade)");
        }
        String key = req.header("Sec-WebSocket-Key");
        byte[] raw;
        try {
            raw = key == null ? null : Base64.getDecoder().decode(key.trim());
        } catch (IllegalArgumentException e) {
            raw = null;
        }
        if (raw == null || raw.length != 16 || req.headers().count("Sec-WebSocket-Key") != 1) {
            throw new HttpStatusException(400, "missing or malformed Sec-WebSocket-Key");
        }
        return key.trim();
    }

    // ------------------------------------------------------------------ public API

    /**
     * The subprotocol agreed in the handshake, or null.
     *
     * @return the subprotocol
     */
    public String subprotocol() {
        return subprotocol;
    }

    /**
     * The peer's address.
     *
     * @return the remote address
     */
    public InetSocketAddress remoteAddress() {
        return conn.remoteAddress();
    }

    /**
     * True until the connection closed (close frames exchanged, dropped or failed).
     *
     * @return true on success
     */
    public boolean isOpen() {
        return !conn.isClosed();
    }

    /**
     * How the WebSocket ended (see the class comment), or -1 while it is open.
     *
     * @return the close code
     */
    public int closeCode() {
        return closeCode;
    }

    /**
     * The reason that came with {@link #closeCode()}, or null.
     *
     * @return the close reason
     */
    public String closeReason() {
        return closeReason;
    }

    /**
     * Waits for the next whole message. Answers pings meanwhile.
     *
     * @return the message, or null once the WebSocket closed (the peer's close frame was answered, the
     *         connection dropped, or the idle timeout passed; see {@link #closeCode()})
     * @throws WebSocketException   if the peer broke the protocol (the connection is closed with the code)
     * @throws IllegalStateException if another greenlet is receiving
     */
    public Message receive() throws IOException {
        if (reading) {
            throw new IllegalStateException("another greenlet is receiving on this WebSocket");
        }
        if (conn.isClosed()) {
            return null;
        }
        reading = true;
        try {
            conn.setTimeout(options.idleTimeout);
            return readMessage(false);
        } finally {
            reading = false;
        }
    }

    /**
     * Sends a text message.
     *
     * @param text the text
     * @throws IOException if an I/O error occurs
     */
    public void send(String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        sendFrame(OP_TEXT, b, 0, b.length);
    }

    /**
     * Sends a binary message.
     *
     * @param data the bytes
     * @throws IOException if an I/O error occurs
     */
    public void send(byte[] data) throws IOException {
        sendFrame(OP_BINARY, data, 0, data.length);
    }

    /**
     * Sends a binary message of {@code data[off, off+len)}.
     *
     * @param data the bytes
     * @param len the number of bytes
     * @param off the offset of the first byte
     * @throws IOException if an I/O error occurs
     */
    public void send(byte[] data, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, data.length);
        sendFrame(OP_BINARY, data, off, len);
    }

    /**
     * Sends a ping (at most 125 bytes); the pong is consumed by {@link #receive()}.
     *
     * @param data the bytes
     * @throws IOException if an I/O error occurs
     */
    public void ping(byte[] data) throws IOException {
        if (data.length > 125) {
            throw new IllegalArgumentException("control frames carry at most 125 bytes");
        }
        sendFrame(OP_PING, data, 0, data.length);
    }

    /** {@code close(1000, "")}. */
    @Override
    public void close() {
        try {
            close(NORMAL_CLOSURE, "");
        } catch (IOException e) {
            conn.close();
        }
    }

    /**
     * Starts or completes the closing handshake: sends a close frame with {@code code} and
     * {@code reason} (at most 123 UTF-8 bytes), waits up to the close timeout for the peer's, then
     * closes the connection. If another greenlet is in {@link #receive()}, that one sees the peer's
     * close frame; the connection is closed after the timeout at the latest. Idempotent.
     *
     * @throws IllegalArgumentException for a code an endpoint may not send
     * @param code the close code (RFC 6455 section 7.4)
     * @param reason the close reason (at most 123 bytes of UTF-8)
     * @throws IOException if an I/O error occurs
     */
    public void close(int code, String reason) throws IOException {
        byte[] r = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        if (!sendableCode(code) || r.length > 123) {
            throw new IllegalArgumentException("invalid close code or reason too long: " + code);
        }
        if (!conn.hub().inHubThread()) {
            conn.close();
            return;
        }
        if (conn.isClosed()) {
            return;
        }
        try {
            sendClose(code, r);
        } catch (IOException e) {
            dropped();
            return;
        }
        if (closeReceived) {
            finish();
            return;
        }
        if (reading) {
            if (closer == null) {
                closer = Gevent.spawnLater(options.closeTimeout, this::finish);
            }
            return;
        }
        reading = true;
        try {
            conn.setTimeout(options.closeTimeout);
            readMessage(true);
        } catch (IOException e) {
            finish();
        } finally {
            reading = false;
        }
    }

    // ------------------------------------------------------------------ reading

    /** Reads frames until a message (or, when {@code closing}, until the peer's close frame). */
    private Message readMessage(boolean closing) throws IOException {
        int msgLen = 0;
        int msgOp = 0;
        while (true) {
            int b0;
            try {
                b0 = readByte();
            } catch (SocketTimeoutException e) {
                if (closing) {
                    finish();
                    return null;
                }
                closeCode = GOING_AWAY;
                closeReason = "idle timeout";
                try {
                    sendClose(GOING_AWAY, "idle timeout".getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the peer is gone anyway
                }
                finish();
                return null;
            } catch (EOFException | SocketException e) {
                dropped();
                return null;
            }
            try {
                int b1 = readByte();
                boolean fin = (b0 & 0x80) != 0;
                int op = b0 & 0x0f;
                if ((b0 & 0x70) != 0) {
                    throw new WebSocketException(PROTOCOL_ERROR, "reserved bits set without an extension");
                }
                boolean masked = (b1 & 0x80) != 0;
                if (masked == client) {
                    throw new WebSocketException(PROTOCOL_ERROR, client ? "masked frame from the server" : "unmasked frame from the client");
                }
                long len = b1 & 0x7f;
                if (len == 126) {
                    len = (readByte() << 8) | readByte();
                } else if (len == 127) {
                    len = 0;
                    for (int i = 0; i < 8; i++) {
                        len = (len << 8) | readByte();
                    }
                    if (len < 0) {
                        throw new WebSocketException(PROTOCOL_ERROR, "frame length with the top bit set");
                    }
                }
                int m0 = 0;
                int m1 = 0;
                int m2 = 0;
                int m3 = 0;
                if (masked) {
                    m0 = readByte();
                    m1 = readByte();
                    m2 = readByte();
                    m3 = readByte();
                }
                if (op >= 8) {
                    if (!fin) {
                        throw new WebSocketException(PROTOCOL_ERROR, "fragmented control frame");
                    }
                    if (len > 125) {
                        throw new WebSocketException(PROTOCOL_ERROR, "control frame longer than 125 bytes");
                    }
                    if (op != OP_CLOSE && op != OP_PING && op != OP_PONG) {
                        throw new WebSocketException(PROTOCOL_ERROR, "unknown control opcode " + op);
                    }
                    int n = (int) len;
                    readFully(control, 0, n);
                    if (masked) {
                        unmask(control, 0, n, m0, m1, m2, m3);
                    }
                    if (op == OP_PING) {
                        if (!closeSent) {
                            sendFrame(OP_PONG, control, 0, n);
                        }
                    } else if (op == OP_CLOSE) {
                        peerClosed(control, n);
                        return null;
                    }
                    continue;
                }
                if (op != OP_CONT && op != OP_TEXT && op != OP_BINARY) {
                    throw new WebSocketException(PROTOCOL_ERROR, "unknown data opcode " + op);
                }
                if (op == OP_CONT) {
                    if (msgOp == 0) {
                        throw new WebSocketException(PROTOCOL_ERROR, "continuation frame without a message");
                    }
                } else {
                    if (msgOp != 0) {
                        throw new WebSocketException(PROTOCOL_ERROR, "new message inside a fragmented one");
                    }
                    msgOp = op;
                }
                if (msgLen + len > options.maxMessageSize) {
                    throw new WebSocketException(MESSAGE_TOO_BIG, "message larger than " + options.maxMessageSize + " bytes");
                }
                int n = (int) len;
                readPayload(msgLen, n);
                if (masked) {
                    unmask(msg, msgLen, n, m0, m1, m2, m3);
                }
                msgLen += n;
                if (!fin) {
                    continue;
                }
                byte[] data = Arrays.copyOf(msg, msgLen);
                boolean text = msgOp == OP_TEXT;
                msgLen = 0;
                msgOp = 0;
                if (msg.length > 64 * 1024) {
                    msg = new byte[256]; // do not keep a big buffer for an idle connection
                }
                String s = null;
                if (text) {
                    s = utf8(data);
                    if (s == null) {
                        throw new WebSocketException(INVALID_DATA, "invalid UTF-8 in a text message");
                    }
                }
                if (closing) {
                    continue; // we are closing: messages still in flight are dropped
                }
                return new Message(text, data, s);
            } catch (WebSocketException e) {
                fail(e);
                throw e;
            } catch (EOFException | SocketException e) {
                dropped();
                if (closing) {
                    return null;
                }
                throw e;
            } catch (SocketTimeoutException e) {
                // in the middle of a frame: the peer stalled
                if (closing) {
                    finish();
                    return null;
                }
                WebSocketException w = new WebSocketException(GOING_AWAY, "peer stalled in the middle of a frame");
                w.initCause(e);
                fail(w);
                throw w;
            }
        }
    }

    private void peerClosed(byte[] p, int n) throws IOException {
        closeReceived = true;
        int code;
        String reason = null;
        if (n == 0) {
            code = NO_STATUS;
        } else if (n == 1) {
            throw new WebSocketException(PROTOCOL_ERROR, "close frame with a one-byte payload");
        } else {
            code = ((p[0] & 0xff) << 8) | (p[1] & 0xff);
            if (!receivableCode(code)) {
                throw new WebSocketException(PROTOCOL_ERROR, "invalid close code " + code);
            }
            reason = utf8(Arrays.copyOfRange(p, 2, n));
            if (reason == null) {
                throw new WebSocketException(INVALID_DATA, "invalid UTF-8 in the close reason");
            }
        }
        if (closeCode < 0) {
            closeCode = code;
            closeReason = reason;
        }
        if (!closeSent) {
            // echo the code (RFC 6455 section 5.5.1); a close without a code is answered without one
            if (code == NO_STATUS) {
                sendCloseRaw(new byte[0], 0);
            } else {
                sendCloseRaw(p, 2);
            }
        }
        finish();
    }

    /** A protocol failure: close frame with its code (if none was sent yet), then drop the connection. */
    private void fail(WebSocketException e) {
        if (closeCode < 0) {
            closeCode = e.closeCode();
            closeReason = e.getMessage();
        }
        try {
            String m = e.getMessage();
            byte[] r = m.getBytes(StandardCharsets.UTF_8);
            sendClose(e.closeCode(), r.length > 123 ? Arrays.copyOf(r, 0) : r);
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
        finish();
    }

    private void dropped() {
        if (closeCode < 0) {
            closeCode = ABNORMAL_CLOSURE;
        }
        finish();
    }

    /** Closes the connection; the closing handshake, if any, is over. */
    private void finish() {
        if (closeCode < 0) {
            closeCode = ABNORMAL_CLOSURE;
        }
        conn.close();
        Greenlet<Void> c = closer;
        closer = null;
        if (c != null && !c.ready() && c != io.gevent4j.hub.RawGreenlet.getcurrent()) {
            c.kill();
        }
    }

    private static boolean sendableCode(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    private static boolean receivableCode(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static void unmask(byte[] b, int off, int len, int m0, int m1, int m2, int m3) {
        int end = off + len;
        int i = off;
        for (; i + 3 < end; i += 4) {
            b[i] ^= (byte) m0;
            b[i + 1] ^= (byte) m1;
            b[i + 2] ^= (byte) m2;
            b[i + 3] ^= (byte) m3;
        }
        int k = 0;
        int[] m = {m0, m1, m2, m3};
        for (; i < end; i++, k++) {
            b[i] ^= (byte) m[k];
        }
    }

    private int readByte() throws IOException {
        if (inPos == inLim) {
            int n = conn.read(in, 0, in.length);
            if (n < 0) {
                throw new EOFException("connection closed");
            }
            inPos = 0;
            inLim = n;
        }
        return in[inPos++] & 0xff;
    }

    /**
     * Reads {@code n} payload bytes into {@link #msg} at {@code at}, growing it (doubling) only as the
     * bytes arrive: a frame that declares a large length costs memory in proportion to what the peer
     * actually sent, not to what it announced.
     */
    private void readPayload(int at, int n) throws IOException {
        int end = at + n;
        while (at < end) {
            if (at == msg.length) {
                msg = Arrays.copyOf(msg, (int) Math.min(end, 2L * msg.length));
            }
            int k = Math.min(end, msg.length) - at;
            readFully(msg, at, k);
            at += k;
        }
    }

    private void readFully(byte[] b, int off, int len) throws IOException {
        int buffered = Math.min(len, inLim - inPos);
        System.arraycopy(in, inPos, b, off, buffered);
        inPos += buffered;
        off += buffered;
        len -= buffered;
        while (len > 0) {
            if (len < in.length) {
                int n = conn.read(in, 0, in.length);
                if (n < 0) {
                    throw new EOFException("connection closed in the middle of a frame");
                }
                inPos = 0;
                inLim = n;
                int k = Math.min(len, n);
                System.arraycopy(in, 0, b, off, k);
                inPos = k;
                off += k;
                len -= k;
            } else {
                int n = conn.read(b, off, len);
                if (n < 0) {
                    throw new EOFException("connection closed in the middle of a frame");
                }
                off += n;
                len -= n;
            }
        }
    }

    // ------------------------------------------------------------------ writing

    private void sendClose(int code, byte[] reason) throws IOException {
        byte[] p = new byte[2 + reason.length];
        p[0] = (byte) (code >> 8);
        p[1] = (byte) code;
        System.arraycopy(reason, 0, p, 2, reason.length);
        sendCloseRaw(p, p.length);
    }

    private void sendCloseRaw(byte[] p, int len) throws IOException {
        writeLock.lock();
        try {
            if (closeSent) {
                return;
            }
            closeSent = true;
            writeFrame(OP_CLOSE, p, 0, len);
        } finally {
            writeLock.unlock();
        }
    }

    private void sendFrame(int op, byte[] b, int off, int len) throws IOException {
        writeLock.lock();
        try {
            if (closeSent || conn.isClosed()) {
                throw new SocketException("WebSocket closed");
            }
            writeFrame(op, b, off, len);
        } finally {
            writeLock.unlock();
        }
    }

    /** One frame with FIN set; the write lock is held. */
    private void writeFrame(int op, byte[] b, int off, int len) throws IOException {
        int h = 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + (client ? 4 : 0);
        if (out.length < h + Math.min(len, 64 * 1024)) {
            out = new byte[h + Math.min(len, 64 * 1024)];
        }
        out[0] = (byte) (0x80 | op);
        int p;
        if (len < 126) {
            out[1] = (byte) len;
            p = 2;
        } else if (len < 65536) {
            out[1] = 126;
            out[2] = (byte) (len >> 8);
            out[3] = (byte) len;
            p = 4;
        } else {
            out[1] = 127;
            long l = len;
            for (int i = 0; i < 8; i++) {
                out[2 + i] = (byte) (l >>> (56 - 8 * i));
            }
            p = 10;
        }
        byte[] mask = null;
        if (client) {
            out[1] |= (byte) 0x80;
            mask = nextMask();
            System.arraycopy(mask, 0, out, p, 4);
            p += 4;
        }
        int done = 0;
        do {
            int k = Math.min(len - done, out.length - p);
            System.arraycopy(b, off + done, out, p, k);
            if (mask != null) {
                for (int i = 0; i < k; i++) {
                    out[p + i] ^= mask[(done + i) & 3];
                }
            }
            conn.write(out, 0, p + k);
            done += k;
            p = 0;
        } while (done < len);
    }

    private byte[] nextMask() {
        if (maskPos + 4 > maskBytes.length) {
            random.nextBytes(maskBytes);
            maskPos = 0;
        }
        byte[] m = Arrays.copyOfRange(maskBytes, maskPos, maskPos + 4);
        maskPos += 4;
        return m;
    }

    @Override
    public String toString() {
        return "WebSocket[" + (client ? "client" : "server") + ", " + conn.remoteAddress()
                + (closeCode >= 0 ? ", closed " + closeCode : "") + "]";
    }
}
