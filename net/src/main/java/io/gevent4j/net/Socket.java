package io.gevent4j.net;

import io.gevent4j.hub.Hub;
import io.gevent4j.loop.Loop;
import io.gevent4j.net.internal.Sock;
import io.gevent4j.net.internal.Transport;
import io.netty.buffer.ByteBuf;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * A cooperative TCP socket (gevent's {@code gevent.socket.socket}). Its blocking calls park only the
 * calling greenlet, on an I/O watcher of the hub's own loop (epoll/kqueue by file descriptor, or the
 * NIO selector), never on the JDK's poller threads; the other greenlets of the hub run meanwhile.
 *
 * <h2>Threads</h2>
 * A socket belongs to the hub of the thread that created or accepted it, and works from any thread.
 * Its hub's greenlets (and its owner thread) use it directly, parking only the calling greenlet. A call
 * from any other thread - a platform thread (a connection pool's maintenance thread), a greenlet of
 * another hub - runs on the socket's hub, in a greenlet of its own, while the caller waits for the
 * outcome: cooperatively on its own hub if it has one (a kill or timeout aimed at it ends the call
 * too), else blocking as on the JDK's sockets. {@link #close()} works from anywhere and takes effect at
 * once. One reader and one writer at a time, whatever their threads: two concurrent readers (or
 * writers) are an {@link IllegalStateException}.
 *
 * <h2>Timeouts</h2>
 * {@link #setTimeout(Duration)} limits every wait of a blocking call (gevent's {@code settimeout});
 * when it passes the call throws {@link SocketTimeoutException} and the socket stays usable. Kills and
 * {@link io.gevent4j.Timeout}s reach a greenlet blocked here like anywhere else; the socket is then
 * left as it was (close it in a {@code finally}, or use try-with-resources).
 *
 * <h2>Errors</h2>
 * A peer reset is a {@link SocketException} "Connection reset by peer"; a read on a socket that
 * another greenlet or thread closed is a {@link SocketException} "Socket closed" (one that was blocked
 * on it then learns who closed it). In a virtual thread the hub adopted ({@code Thread.ofVirtual()},
 * an executor's task, see {@link Hub}), {@code Thread.interrupt()} closes a socket it is blocked on and
 * the call throws {@link SocketException} "Closed by interrupt", as the JDK's sockets do.
 * {@code TCP_NODELAY} is on by default.
 */
public final class Socket implements Closeable {
    final IoCore core;
    private final Sock sock;
    private boolean connected;
    /** io_uring: reads and writes complete in the kernel (null on epoll, kqueue, NIO). */
    private UringStream uring;
    private InputStream in;
    private OutputStream out;

    Socket(IoCore core, boolean connected) {
        this.core = core;
        this.sock = core.sock;
        this.connected = connected;
        if (connected) {
            this.uring = core.uring();
        }
    }

    /** Wraps an accepted connection. */
    static Socket accepted(Hub hub, Sock sock) {
        Socket s = new Socket(new IoCore(hub, sock), true);
        try {
            sock.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not a TCP socket option on this platform: keep going
        }
        return s;
    }

    /**
     * Connects to a resolved address without a timeout.
     *
     * @param remote the address to connect to
     * @return the connected socket
     * @throws IOException if an I/O error occurs
     */
    public static Socket connect(InetSocketAddress remote) throws IOException {
        return connect(remote, null, null);
    }

    /**
     * Connects to a resolved address on the current hub.
     *
     * @param remote the address to connect to
     * @param timeout   limit for the connection to be established (null: none); also becomes the
     *                  socket's {@link #setTimeout timeout}, as in gevent's {@code create_connection}
     * @param source    local address to bind first, or null
     * @return the connected socket
     * @throws SocketTimeoutException if the connection is not established in time (the socket is closed)
     * @throws java.net.ConnectException if the peer refuses
     */
    public static Socket connect(InetSocketAddress remote, Duration timeout, InetSocketAddress source)
            throws IOException {
        return connect(Hub.current(), remote, timeout, source);
    }

    /**
     * Connects a socket of {@code hub}, from any thread (see the class comment); otherwise as
     * {@link #connect(InetSocketAddress, Duration, InetSocketAddress)}.
     */
    public static Socket connect(Hub hub, InetSocketAddress remote, Duration timeout, InetSocketAddress source)
            throws IOException {
        Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(remote, "remote");
        if (remote.isUnresolved()) {
            throw new java.net.UnknownHostException(remote.getHostString()
                    + " (unresolved: use Sockets.createConnection to resolve without blocking the hub)");
        }
        return HandOff.call(hub, null, () -> connectOnHub(hub, remote, timeout, source));
    }

    private static Socket connectOnHub(Hub hub, InetSocketAddress remote, Duration timeout, InetSocketAddress source)
            throws IOException {
        Sock sock = Transport.stream(hub.loop(), remote.getAddress());
        IoCore core = new IoCore(hub, sock);
        Socket s = new Socket(core, false);
        boolean ok = false;
        try {
            sock.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (source != null) {
                sock.bind(source);
            }
            long nanos = nanos(timeout);
            if (!sock.connect(remote)) {
                long deadline = System.nanoTime() + nanos;
                while (true) {
                    try {
                        core.await(Loop.WRITE, "connect to " + remote, nanos < 0 ? -1 : Math.max(1, deadline - System.nanoTime()));
                    } catch (SocketTimeoutException e) {
                        throw new SocketTimeoutException("connect to " + remote + " timed out after "
                                + IoCore.fmt(nanos));
                    }
                    if (sock.finishConnect()) {
                        break;
                    }
                }
            }
            s.connected = true;
            s.uring = core.uring();
            core.timeoutNanos = nanos;
            ok = true;
            return s;
        } finally {
            if (!ok) {
                s.close();
            }
        }
    }

    static long nanos(Duration d) {
        if (d == null) {
            return -1;
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative timeout: " + d);
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads at least one byte into {@code dst}, parking until some arrive.
     *
     * @param dst the buffer to fill
     * @return the number of bytes read, or -1 at end of stream (the peer shut down its output)
     * @throws SocketTimeoutException if nothing arrives within the timeout (the socket stays usable)
     */
    public int read(ByteBuffer dst) throws IOException {
        return read(dst, dst.remaining(), core.timeoutNanos);
    }

    /**
     * Reads at least one byte into {@code dst}, waiting at most {@code timeout} for this call whatever
     * {@link #setTimeout} says (null: no limit); what {@code java.net.Socket}'s {@code SO_TIMEOUT} is.
     *
     * @return the number of bytes read, or -1 at end of stream
     * @throws SocketTimeoutException if nothing arrives in time (the socket stays usable)
     */
    public int read(ByteBuffer dst, Duration timeout) throws IOException {
        return read(dst, dst.remaining(), nanos(timeout));
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
        Objects.checkFromIndexSize(off, len, b.length);
        return read(ByteBuffer.wrap(b, off, len));
    }

    /**
     * Reads at least one byte into the writable part of {@code dst} (its writer index advances),
     * straight from the kernel into the buffer's memory for direct buffers.
     *
     * @param dst the buffer to fill
     * @return the number of bytes read, or -1 at end of stream
     * @throws IOException if an I/O error occurs
     */
    public int read(ByteBuf dst) throws IOException {
        return read(dst, dst.writableBytes(), core.timeoutNanos);
    }

    /**
     * The parking read behind both public ones ({@code dst} is a {@link ByteBuffer} or a {@link ByteBuf};
     * a type test, not a lambda, so the hot path allocates nothing). After a short read the kernel
     * buffer is most likely empty, so the next read waits first instead of paying for an EAGAIN.
     */
    private int read(Object dst, int want, long nanos) throws IOException {
        if (!core.onHub()) {
            return HandOff.call(core, () -> read(dst, want, nanos));
        }
        core.checkOpen();
        if (want == 0) {
            return 0;
        }
        if (uring != null) {
            return uring.read(dst, want);
        }
        if (core.drained) {
            core.drained = false;
            core.await(Loop.READ, "read", nanos);
        }
        while (true) {
            int n = dst instanceof ByteBuffer b ? sock.read(b) : sock.read((ByteBuf) dst);
            if (n != 0) {
                core.drained = n > 0 && n < want;
                return n;
            }
            core.await(Loop.READ, "read", nanos);
        }
    }

    /**
     * Fills {@code dst} completely.
     *
     * @param dst the buffer to fill
     * @throws EOFException if the stream ends first (the bytes that did arrive are in {@code dst})
     */
    public void readFully(ByteBuffer dst) throws IOException {
        if (!core.onHub()) {
            HandOff.call(core, () -> {
                readFully(dst);
                return null;
            });
            return;
        }
        int want = dst.remaining();
        while (dst.hasRemaining()) {
            if (read(dst) < 0) {
                throw new EOFException("connection closed by the peer after " + (want - dst.remaining())
                        + " of " + want + " bytes");
            }
        }
    }

    /**
     * Fills {@code b[off, off+len)} completely; {@link EOFException} if the stream ends first.
     *
     * @param b the bytes
     * @param off the index of the first byte in {@code b}
     * @param len the number of bytes
     * @throws IOException if an I/O error occurs
     */
    public void readFully(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        readFully(ByteBuffer.wrap(b, off, len));
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes all of {@code src} (gevent's {@code sendall}), parking while the send buffer is full.
     *
     * @param src the bytes to send, from its position to its limit
     * @throws SocketTimeoutException if the peer does not take data within the timeout; what was
     *                                written is gone, {@code src}'s position tells how much
     */
    public void write(ByteBuffer src) throws IOException {
        if (!core.onHub()) {
            HandOff.call(core, () -> {
                write(src);
                return null;
            });
            return;
        }
        core.checkOpen();
        if (uring != null) {
            uring.write(src);
            return;
        }
        while (src.hasRemaining()) {
            if (sock.write(src) == 0) {
                core.await(Loop.WRITE, "write");
            }
        }
    }

    /**
     * Writes all of {@code b[off, off+len)}.
     *
     * @param b the bytes
     * @param off the index of the first byte in {@code b}
     * @param len the number of bytes
     * @throws IOException if an I/O error occurs
     */
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        write(ByteBuffer.wrap(b, off, len));
    }

    /**
     * Writes all of {@code b}.
     *
     * @param b the bytes
     * @throws IOException if an I/O error occurs
     */
    public void write(byte[] b) throws IOException {
        write(ByteBuffer.wrap(b));
    }

    /**
     * Writes all readable bytes of {@code src} (its reader index advances), straight from its memory
     * for direct buffers. The buffer is not released.
     *
     * @param src the bytes to send, its readable bytes (reader index advanced)
     * @throws IOException if an I/O error occurs
     */
    public void write(ByteBuf src) throws IOException {
        if (!core.onHub()) {
            HandOff.call(core, () -> {
                write(src);
                return null;
            });
            return;
        }
        core.checkOpen();
        if (uring != null) {
            uring.write(src);
            return;
        }
        while (src.isReadable()) {
            if (sock.write(src) == 0) {
                core.await(Loop.WRITE, "write");
            }
        }
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code position} (gevent's {@code sendfile}),
     * parking while the send buffer is full; the file's own position does not change. The kernel copies
     * the bytes straight from the page cache to the socket (sendfile(2): on epoll through Netty's
     * library, on NIO through {@link FileChannel#transferTo}); where it cannot, they are copied through
     * a buffer. Parts of the file that are not in the page cache are read in first on the file pool
     * ({@link io.gevent4j.FileObject#threadPool()}), so a cold disk never blocks the hub.
     *
     * @return {@code count}
     * @throws EOFException if the file ends before {@code count} bytes (what it had was sent)
     * @throws SocketTimeoutException if the peer takes nothing within the socket's timeout
     * @throws java.nio.channels.NonReadableChannelException if the file was not opened for reading
     * @param count how many bytes to send
     * @param file the file
     * @param position the position in the file
     */
    public long sendFile(FileChannel file, long position, long count) throws IOException {
        Objects.requireNonNull(file, "file");
        if (position < 0 || count < 0 || position + count < 0) {
            throw new IllegalArgumentException("bad position or count: " + position + ", " + count);
        }
        core.checkOpen();
        return FileSender.send(this, file, position, count);
    }

    /**
     * Writes what fits in the send buffer now, without parking; returns the number of bytes written.
     *
     * @param src the src
     * @return the number of bytes written, possibly 0
     * @throws IOException if an I/O error occurs
     */
    public int writeNonBlocking(ByteBuffer src) throws IOException {
        if (!core.onHub()) {
            return HandOff.call(core, () -> writeNonBlocking(src));
        }
        core.checkOpen();
        if (uring != null && !uring.writeIdle()) {
            return 0; // an earlier write is still in flight: bytes must not overtake it
        }
        return sock.write(src);
    }

    // ------------------------------------------------------------------ streams

    /**
     * {@return a stream view for code written against {@code java.io}: reads park the greenlet like {@link
     * #read(ByteBuffer)}} Closing it closes the socket.
     */
    public InputStream getInputStream() {
        if (in == null) {
            in = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    int n = Socket.this.read(one, 0, 1);
                    return n < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (len == 0) {
                        return 0;
                    }
                    return Socket.this.read(b, off, len);
                }

                @Override
                public void close() {
                    Socket.this.close();
                }
            };
        }
        return in;
    }

    /** {@return a stream view: writes park the greenlet until all bytes are written} Closing it closes the socket. */
    public OutputStream getOutputStream() {
        if (out == null) {
            out = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    Socket.this.write(new byte[] {(byte) b});
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    Socket.this.write(b, off, len);
                }

                @Override
                public void close() {
                    Socket.this.close();
                }
            };
        }
        return out;
    }

    // ------------------------------------------------------------------ control

    /**
     * Sends FIN: the peer reads end of stream; this side can still read. On a connection the peer
     * already reset there is nothing left to shut down and this returns quietly, on every backend
     * (as {@code java.net.Socket} does).
     *
     * @throws SocketException if the socket is closed
     */
    public void shutdownOutput() throws IOException {
        core.checkOpen();
        try {
            sock.shutdownOutput();
        } catch (java.nio.channels.NotYetConnectedException e) {
            // ENOTCONN: Netty's native socket reports it unchecked, the JDK's NIO ignores it
        }
    }

    /**
     * Stops reading: further reads see end of stream. Returns quietly on a connection the peer
     * already reset, on every backend.
     *
     * @throws SocketException if the socket is closed
     */
    public void shutdownInput() throws IOException {
        core.checkOpen();
        try {
            sock.shutdownInput();
        } catch (java.nio.channels.NotYetConnectedException e) {
            // ENOTCONN, as above
        }
    }

    /**
     * Closes the socket. Greenlets blocked on it wake with {@link SocketException} "Socket closed"
     * (saying who closed it); the watchers and the kernel registration go first, then the descriptor.
     * Idempotent; safe from any thread: from another thread the socket is closed for every call at once,
     * and the rest is queued on the owning hub.
     */
    @Override
    public void close() {
        core.close();
    }

    /** {@return true after {@link #close()}} */
    public boolean isClosed() {
        return core.isClosed();
    }

    /** {@return true once connected (accepted sockets are)} */
    public boolean isConnected() {
        return connected;
    }

    /**
     * Sets the limit of every wait of a blocking call (gevent's {@code settimeout}): null waits forever
     * (the default), zero never waits (a call that would block throws {@link SocketTimeoutException}).
     *
     * @param timeout the limit (null: none; zero: never wait)
     */
    public void setTimeout(Duration timeout) {
        core.timeoutNanos = nanos(timeout);
    }

    /** {@return the timeout of blocking calls; null means none} */
    public Duration getTimeout() {
        return core.timeoutNanos < 0 ? null : Duration.ofNanos(core.timeoutNanos);
    }

    /**
     * Sets a socket option ({@link StandardSocketOptions}: TCP_NODELAY, SO_KEEPALIVE, SO_LINGER, SO_RCVBUF...).
     *
     * @param <T> the type of the result
     * @param name the option
     * @param value the value
     * @return this socket
     * @throws IOException if an I/O error occurs
     */
    public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
        core.checkOpen();
        sock.setOption(name, value);
        return this;
    }

    /**
     * Reads a socket option.
     *
     * @param <T> the type of the result
     * @param name the option
     * @return its value
     * @throws IOException if an I/O error occurs
     */
    public <T> T getOption(SocketOption<T> name) throws IOException {
        core.checkOpen();
        return sock.getOption(name);
    }

    /**
     * Shorthand for {@code setOption(TCP_NODELAY, on)}.
     *
     * @param on the value
     * @return this socket
     * @throws IOException if an I/O error occurs
     */
    public Socket setTcpNoDelay(boolean on) throws IOException {
        return setOption(StandardSocketOptions.TCP_NODELAY, on);
    }

    /**
     * Shorthand for {@code setOption(SO_KEEPALIVE, on)}.
     *
     * @param on the value
     * @return this socket
     * @throws IOException if an I/O error occurs
     */
    public Socket setKeepAlive(boolean on) throws IOException {
        return setOption(StandardSocketOptions.SO_KEEPALIVE, on);
    }

    /**
     * Shorthand for {@code setOption(SO_LINGER, seconds)}; 0 makes {@link #close()} send a reset.
     *
     * @param seconds the linger time, in seconds (negative: off)
     * @return this socket
     * @throws IOException if an I/O error occurs
     */
    public Socket setSoLinger(int seconds) throws IOException {
        return setOption(StandardSocketOptions.SO_LINGER, seconds);
    }

    /** {@return the local address} */
    public InetSocketAddress localAddress() {
        return sock.localAddress();
    }

    /** {@return the peer's address} */
    public InetSocketAddress remoteAddress() {
        return sock.remoteAddress();
    }

    /** {@return the file descriptor on the native backends, -1 on NIO (gevent's {@code fileno})} */
    public int fileno() {
        return sock.fd();
    }

    /** {@return the hub this socket belongs to} */
    public Hub hub() {
        return core.hub;
    }

    @Override
    public String toString() {
        return "Socket[" + core + (connected ? ", " + localAddress() + " -> " + remoteAddress() : "") + "]";
    }
}
