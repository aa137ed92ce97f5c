package io.gevent4j.net;

import io.gevent4j.hub.Hub;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * TLS over a cooperative {@link Socket} with the JDK's {@link SSLEngine} (gevent's {@code SSLSocket}):
 * the handshake, reads and writes park the calling greenlet on the hub like the plain socket does.
 *
 * <p>The handshake runs on the first {@link #read}/{@link #write}, or explicitly with
 * {@link #handshake(Duration)} (with a limit). {@link #close()} sends {@code close_notify} and closes the
 * socket; a peer's {@code close_notify} reads as end of stream. Clients send SNI and verify the
 * server's host name (HTTPS rules) when created with a host name. Handshake tasks the engine
 * delegates run inline on the hub. One reader and one writer at a time, as on {@link Socket}.
 */
public final class SslSocket implements Closeable {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Socket socket;
    private final SSLEngine engine;
    private ByteBuffer netIn;
    private ByteBuffer netOut;
    private ByteBuffer appIn;
    private boolean handshaken;
    private boolean inboundDone;
    private InputStream in;
    private OutputStream out;

    private SslSocket(Socket socket, SSLEngine engine) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.engine = engine;
        SSLSession s = engine.getSession();
        netIn = ByteBuffer.allocate(s.getPacketBufferSize()).flip();
        netOut = ByteBuffer.allocate(s.getPacketBufferSize());
        appIn = ByteBuffer.allocate(s.getApplicationBufferSize()).flip();
    }

    /**
     * {@return the client side of TLS over a connected socket}
     *
     * @param socket the socket
     * @param context what was running (a watcher, a greenlet, a callback)
     * @param host the server's name: sent as SNI and checked against its certificate (null: neither)
     */
    public static SslSocket client(Socket socket, SSLContext context, String host) {
        SSLEngine e = host == null ? context.createSSLEngine()
                : context.createSSLEngine(host, socket.remoteAddress().getPort());
        e.setUseClientMode(true);
        if (host != null) {
            SSLParameters p = e.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            if (!host.isEmpty() && Character.isLetter(host.charAt(0))) {
                p.setServerNames(List.of(new SNIHostName(host)));
            }
            e.setSSLParameters(p);
        }
        return new SslSocket(socket, e);
    }

    /**
     * {@return the server side of TLS over an accepted socket}
     *
     * @param socket the socket
     * @param context what was running (a watcher, a greenlet, a callback)
     */
    public static SslSocket server(Socket socket, SSLContext context) {
        SSLEngine e = context.createSSLEngine();
        e.setUseClientMode(false);
        return new SslSocket(socket, e);
    }

    /**
     * {@return the server side with an engine configured by the caller (client auth, protocols...)}
     *
     * @param socket the socket
     * @param engine the configured {@code SSLEngine}
     */
    public static SslSocket wrap(Socket socket, SSLEngine engine) {
        return new SslSocket(socket, engine);
    }

    /**
     * Runs the handshake now, within {@code timeout} (null: the socket's own timeout).
     *
     * @param timeout the limit (null: the socket's own timeout)
     * @throws SocketTimeoutException if it does not finish in time (the socket is then unusable: close it)
     * @throws SSLHandshakeException  if the peers do not agree, or the peer closes during the handshake
     */
    public void handshake(Duration timeout) throws IOException {
        if (handshaken) {
            return;
        }
        Duration old = socket.getTimeout();
        if (timeout != null) {
            socket.setTimeout(timeout);
        }
        try {
            engine.beginHandshake();
            runHandshake();
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("TLS handshake timed out"
                    + (timeout != null ? " after " + timeout.toMillis() + " ms" : ""));
        } finally {
            socket.setTimeout(old);
        }
    }

    private void ensureHandshake() throws IOException {
        if (!handshaken) {
            engine.beginHandshake();
            runHandshake();
        }
    }

    private void runHandshake() throws IOException {
        while (true) {
            SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
            switch (hs) {
                case NEED_WRAP -> {
                    netOut.clear();
                    SSLEngineResult r = engine.wrap(EMPTY, netOut);
                    flushNetOut();
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLHandshakeException("TLS engine closed during the handshake");
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    SSLEngineResult r = unwrapOnce();
                    if (r == null) {
                        throw new SSLHandshakeException("the peer closed the connection during the TLS handshake");
                    }
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLHandshakeException("the peer closed TLS during the handshake");
                    }
                }
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                case FINISHED, NOT_HANDSHAKING -> {
                    handshaken = true;
                    return;
                }
            }
        }
    }

    /**
     * Unwraps one record into {@link #appIn}, reading from the socket as needed.
     *
     * @return the result, or null on EOF from the socket
     */
    private SSLEngineResult unwrapOnce() throws IOException {
        while (true) {
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
            }
            switch (r.getStatus()) {
                case OK, CLOSED -> {
                    return r;
                }
                case BUFFER_OVERFLOW -> {
                    ByteBuffer bigger = ByteBuffer.allocate(appIn.remaining() + engine.getSession().getApplicationBufferSize());
                    bigger.put(appIn).flip();
                    appIn = bigger;
                }
                case BUFFER_UNDERFLOW -> {
                    if (netIn.limit() == netIn.capacity() && netIn.position() == 0) {
                        ByteBuffer bigger = ByteBuffer.allocate(netIn.capacity() * 2);
                        bigger.put(netIn).flip();
                        netIn = bigger;
                    }
                    netIn.compact();
                    int n;
                    try {
                        n = socket.read(netIn);
                    } finally {
                        netIn.flip();
                    }
                    if (n < 0) {
                        return null;
                    }
                }
            }
        }
    }

    private void flushNetOut() throws IOException {
        netOut.flip();
        socket.write(netOut);
        netOut.clear();
    }

    /**
     * Reads at least one byte of application data into {@code dst}.
     *
     * @param dst the buffer to fill
     * @return the number of bytes, or -1 once the peer sent {@code close_notify} (or closed the socket)
     * @throws IOException if an I/O error occurs
     */
    public int read(ByteBuffer dst) throws IOException {
        ensureHandshake();
        if (!dst.hasRemaining()) {
            return 0;
        }
        while (!appIn.hasRemaining()) {
            if (inboundDone) {
                return -1;
            }
            SSLEngineResult r = unwrapOnce();
            if (r == null) {
                inboundDone = true;
                try {
                    engine.closeInbound(); // throws: no close_notify (truncation)
                } catch (SSLException truncated) {
                    // a peer that just closes the socket reads as EOF, as SSLSocket does by default
                }
                return -1;
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                inboundDone = true;
                continue; // deliver what came before close_notify, then -1
            }
            if (r.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                    && r.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.FINISHED) {
                runHandshake(); // post-handshake messages (TLS 1.3 tickets, key updates)
            }
        }
        int n = Math.min(dst.remaining(), appIn.remaining());
        dst.put(dst.position(), appIn, appIn.position(), n);
        dst.position(dst.position() + n);
        appIn.position(appIn.position() + n);
        return n;
    }

    /**
     * Reads at least one byte into {@code b[off, off+len)}; -1 at end of stream.
     *
     * @param b the bytes
     * @param off the index of the first byte in {@code b}
     * @param len the number of bytes
     * @return the number of bytes read, or -1 at end of stream
     * @throws IOException if an I/O error occurs
     */
    public int read(byte[] b, int off, int len) throws IOException {
        return read(ByteBuffer.wrap(b, off, len));
    }

    /**
     * Fills {@code dst}; {@link EOFException} if the stream ends first.
     *
     * @param dst the buffer to fill
     * @throws IOException if an I/O error occurs
     */
    public void readFully(ByteBuffer dst) throws IOException {
        int want = dst.remaining();
        while (dst.hasRemaining()) {
            if (read(dst) < 0) {
                throw new EOFException("TLS stream ended after " + (want - dst.remaining()) + " of " + want + " bytes");
            }
        }
    }

    /**
     * Encrypts and writes all of {@code src}.
     *
     * @param src the bytes to send, from its position to its limit
     * @throws IOException if an I/O error occurs
     */
    public void write(ByteBuffer src) throws IOException {
        ensureHandshake();
        while (src.hasRemaining()) {
            netOut.clear();
            SSLEngineResult r = engine.wrap(src, netOut);
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new SocketException("TLS connection closed");
            }
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                netOut = ByteBuffer.allocate(netOut.capacity() * 2);
                continue;
            }
            flushNetOut();
            if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK
                    || r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                runHandshake();
            }
        }
    }

    /**
     * Encrypts and writes all of {@code b}.
     *
     * @param b the bytes
     * @throws IOException if an I/O error occurs
     */
    public void write(byte[] b) throws IOException {
        write(ByteBuffer.wrap(b));
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code position}, encrypted (no zero copy under
     * TLS): parts in the page cache are read on the hub, cold parts on the file pool
     * ({@link io.gevent4j.FileObject#threadPool()}), so the hub never waits for the disk. The file's own
     * position does not change.
     *
     * @return {@code count}
     * @throws java.io.EOFException if the file ends before {@code count} bytes
     * @param count how many bytes to send
     * @param file the file
     * @param position the position in the file
     */
    public long sendFile(java.nio.channels.FileChannel file, long position, long count) throws IOException {
        java.util.Objects.requireNonNull(file, "file");
        if (position < 0 || count < 0 || position + count < 0) {
            throw new IllegalArgumentException("bad position or count: " + position + ", " + count);
        }
        return FileSender.copy(file, position, count, this::write);
    }

    /**
     * A stream view of {@link #read}. Closing it closes the TLS socket.
     *
     * @return an input stream over the decrypted bytes
     */
    public InputStream getInputStream() {
        if (in == null) {
            in = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return SslSocket.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return len == 0 ? 0 : SslSocket.this.read(b, off, len);
                }

                @Override
                public void close() {
                    SslSocket.this.close();
                }
            };
        }
        return in;
    }

    /** {@return a stream view of {@link #write}} Closing it closes the TLS socket. */
    public OutputStream getOutputStream() {
        if (out == null) {
            out = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    SslSocket.this.write(new byte[] {(byte) b});
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    SslSocket.this.write(ByteBuffer.wrap(b, off, len));
                }

                @Override
                public void close() {
                    SslSocket.this.close();
                }
            };
        }
        return out;
    }

    /** {@return the TLS session (after the handshake: protocol, cipher suite, peer certificates)} */
    public SSLSession getSession() {
        return engine.getSession();
    }

    /** {@return the engine, for inspection} */
    public SSLEngine engine() {
        return engine;
    }

    /** {@return the underlying TCP socket} */
    public Socket socket() {
        return socket;
    }

    /** {@return the hub this socket belongs to} */
    public Hub hub() {
        return socket.hub();
    }

    /**
     * Sends {@code close_notify} and shuts down the TCP output: the peer reads end of stream, this
     * side can still read what the peer sends until its own {@code close_notify}. Idempotent.
     *
     * @throws IOException if the socket is closed or sending fails
     */
    public void shutdownOutput() throws IOException {
        if (handshaken && !engine.isOutboundDone()) {
            sendCloseNotify();
        }
        socket.shutdownOutput();
    }

    private void sendCloseNotify() throws IOException {
        engine.closeOutbound();
        while (!engine.isOutboundDone()) {
            netOut.clear();
            SSLEngineResult r = engine.wrap(EMPTY, netOut);
            flushNetOut();
            if (r.bytesProduced() == 0) {
                break;
            }
        }
    }

    /**
     * Sends {@code close_notify} (waiting at most a second for the send buffer) and closes the socket.
     * Idempotent.
     */
    @Override
    public void close() {
        if (socket.isClosed()) {
            return;
        }
        try {
            if (handshaken && !engine.isOutboundDone()) {
                socket.setTimeout(Duration.ofSeconds(1));
                sendCloseNotify();
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort: the peer may be gone already
        } finally {
            socket.close();
        }
    }

    @Override
    public String toString() {
        return "SslSocket[" + socket + ", " + engine.getSession().getProtocol() + "]";
    }
}
