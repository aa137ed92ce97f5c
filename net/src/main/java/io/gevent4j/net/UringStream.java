package io.gevent4j.net;

import io.gevent4j.hub.Waiter;
import io.gevent4j.loop.CompletionIo;
import io.gevent4j.net.internal.Transport;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * The reads and writes of a {@link Socket} on the io_uring loop: each is submitted to the kernel
 * ({@link CompletionIo}) and the greenlet parks until the completion arrives, instead of waiting for
 * readiness and then making the system call itself. Hub thread only.
 *
 * <h2>Buffers</h2>
 * The kernel reads and writes our own direct buffers, never the caller's memory: an operation in flight
 * outlives a greenlet that is killed or times out while waiting for it, and the caller's buffer may be
 * gone by then. A read lands in {@link #rbuf} and is copied out; bytes that arrive after their reader
 * gave up stay there for the next read, so a timeout loses nothing and the socket stays usable. A write
 * is copied into {@link #wbuf} in chunks; a short send is resubmitted from the completion itself, and a
 * later write waits until the earlier one is all sent, so bytes never reorder. {@link #close()} cancels
 * what is in flight; the buffers stay referenced by the callbacks until the kernel is done with them.
 */
final class UringStream {
    /**
     * The read buffer starts small - an idle connection's read in flight holds it - and doubles, up to
     * the largest, each time a read fills it (the peer sends more than it holds).
     */
    private static final int RBUF_MIN = 2 * 1024;
    private static final int RBUF_MAX = 64 * 1024;
    private static final int WBUF = 64 * 1024;

    private final IoCore core;
    private final CompletionIo cio;
    private ByteBuffer rbuf;
    private long raddr;
    /** Received bytes not handed out yet: {@code rbuf[rpos, rlim)}. */
    private int rpos;
    private int rlim;
    private boolean recvPending;
    /** Length of the read in flight; whether the last read filled the whole buffer. */
    private int recvLen;
    private boolean filled;
    private boolean eofPending;
    private IOException recvError;
    private Waiter<Object> readWaiter;
    private final CompletionIo.Callback onRecv = this::recvDone;

    private ByteBuffer wbuf;
    private long waddr;
    /** Bytes of {@code wbuf[wpos, wlim)} the kernel has not taken yet. */
    private int wpos;
    private int wlim;
    private boolean sendPending;
    private IOException sendError;
    private Waiter<Object> writeWaiter;
    private final CompletionIo.Callback onSend = this::sendDone;

    UringStream(IoCore core) {
        this.core = core;
        this.cio = core.loop.completionIo(core.sock.fd());
    }

    // ------------------------------------------------------------------ reading

    /** Reads at least one byte into {@code dst} (a ByteBuffer or a ByteBuf); -1 at end of stream. */
    int read(Object dst, int want) throws IOException {
        while (true) {
            core.checkOpen();
            if (rpos < rlim) {
                int n = Math.min(want, rlim - rpos);
                ByteBuffer src = rbuf.limit(rpos + n).position(rpos);
                if (dst instanceof ByteBuffer b) {
                    b.put(src);
                } else {
                    ((ByteBuf) dst).writeBytes(src);
                }
                rpos += n;
                return n;
            }
            if (eofPending) {
                eofPending = false;
                return -1;
            }
            if (recvError != null) {
                IOException e = recvError;
                recvError = null;
                throw e;
            }
            if (!recvPending) {
                if (rbuf == null || (filled && rbuf.capacity() < RBUF_MAX && want > rbuf.capacity())) {
                    rbuf = ByteBuffer.allocateDirect(rbuf == null ? RBUF_MIN : rbuf.capacity() * 2);
                    raddr = io.netty.channel.unix.Buffer.memoryAddress(rbuf);
                }
                filled = false;
                rpos = rlim = 0;
                recvLen = Math.min(want, rbuf.capacity());
                cio.recv(raddr, recvLen, onRecv);
                recvPending = true;
            }
            Waiter<Object> w = new Waiter<>(core.hub);
            readWaiter = w;
            cio.refRecv(true);
            try {
                park(w, "read");
            } finally {
                readWaiter = null;
                cio.refRecv(false); // left in flight by a timeout or kill: its bytes wait for the next read
            }
        }
    }

    private void recvDone(int res) {
        recvPending = false;
        if (res > 0) {
            rpos = 0;
            rlim = res;
            filled = res == recvLen && recvLen == rbuf.capacity();
        } else if (res == 0) {
            eofPending = true;
        } else if (res != -CompletionIo.ECANCELED) {
            recvError = Transport.ioError("recv", res);
        }
        Waiter<Object> w = readWaiter;
        if (w != null) {
            w.switchTo(null);
        }
    }

    // ------------------------------------------------------------------ writing

    /** Writes all of {@code src} (a ByteBuffer or a ByteBuf), parking until the kernel has taken it. */
    void write(Object src) throws IOException {
        while (true) {
            core.checkOpen();
            if (sendError != null) {
                IOException e = sendError;
                sendError = null;
                throw e;
            }
            if (!sendPending) {
                int left = src instanceof ByteBuffer b ? b.remaining() : ((ByteBuf) src).readableBytes();
                if (left == 0) {
                    return;
                }
                if (wbuf == null) {
                    wbuf = ByteBuffer.allocateDirect(WBUF);
                    waddr = io.netty.channel.unix.Buffer.memoryAddress(wbuf);
                }
                int n = Math.min(left, WBUF);
                wbuf.clear();
                if (src instanceof ByteBuffer b) {
                    int lim = b.limit();
                    wbuf.put(b.limit(b.position() + n));
                    b.limit(lim);
                } else {
                    ((ByteBuf) src).readBytes(wbuf.limit(n));
                }
                wpos = 0;
                wlim = n;
                cio.send(waddr, n, onSend);
                sendPending = true;
            }
            Waiter<Object> w = new Waiter<>(core.hub);
            writeWaiter = w;
            cio.refSend(true);
            try {
                park(w, "write");
            } finally {
                writeWaiter = null;
                cio.refSend(false);
            }
        }
    }

    /** True when no write is in flight (a non-blocking write may then go straight to the socket). */
    boolean writeIdle() {
        return !sendPending;
    }

    private void sendDone(int res) {
        if (res >= 0) {
            wpos += res;
            if (wpos < wlim && !core.isClosed()) {
                try {
                    cio.send(waddr + wpos, wlim - wpos, onSend); // a short send: the rest, in order
                    return;
                } catch (IOException | RuntimeException e) {
                    sendError = e instanceof IOException io ? io : new IOException(e);
                }
            }
        } else if (res != -CompletionIo.ECANCELED) {
            sendError = Transport.ioError("send", res);
        }
        sendPending = false;
        Waiter<Object> w = writeWaiter;
        if (w != null) {
            w.switchTo(null);
        }
    }

    // ------------------------------------------------------------------ waiting and closing

    private void park(Waiter<Object> w, String op) throws IOException {
        long nanos = core.timeoutNanos;
        if (nanos == 0) {
            throw new SocketTimeoutException(op + " would block (timeout is zero)");
        }
        core.timer().park(w, nanos, op);
    }

    /** Wakes parked greenlets with "Socket closed" and cancels what is in flight. Hub thread only. */
    void close() {
        SocketException closed = new SocketException("Socket closed (by another greenlet while this one was blocked on it)");
        if (readWaiter != null) {
            readWaiter.throwInto(closed);
        }
        if (writeWaiter != null) {
            writeWaiter.throwInto(closed);
        }
        cio.close();
    }
}
