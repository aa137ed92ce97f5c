package io.gevent4j.net;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.Waiter;
import io.gevent4j.loop.IoWatcher;
import io.gevent4j.loop.Loop;
import io.gevent4j.net.internal.Sock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What every cooperative socket shares: the {@link Sock}, the hub it belongs to, one read and one
 * write watcher (created on first wait), the greenlets parked on them, the timeout, and closing.
 * Hub thread only, except {@link #close()}.
 */
final class IoCore {
    private static final Logger log = LoggerFactory.getLogger(IoCore.class);

    final Hub hub;
    final Loop loop;
    final Sock sock;
    private IoWatcher readWatcher;
    private IoWatcher writeWatcher;
    /** Temporary watchers of {@link Sockets#select} parked on this socket. */
    private ArrayList<Extra> extras;
    private volatile boolean closed;
    /**
     * The last read drained the socket (it returned less than asked): the next read most likely finds
     * nothing, so it waits for readability first instead of spending a system call on EAGAIN (Netty's
     * read loop makes the same bet). Level-triggered watchers make the bet safe when it is wrong.
     */
    boolean drained;
    /** Per-wait timeout in nanoseconds; negative: none. */
    long timeoutNanos = -1;
    /** A stream socket's completion-based reads and writes on the io_uring loop; else null. */
    private UringStream uring;
    /** The timeout of waits, made at the first wait that has one. */
    private SocketTimer timer;

    record Extra(IoWatcher watcher, Waiter<?> waiter) {
    }

    IoCore(Hub hub, Sock sock) {
        this.hub = hub;
        this.loop = hub.loop();
        this.sock = sock;
    }

    boolean isClosed() {
        return closed;
    }

    SocketTimer timer() {
        SocketTimer t = timer;
        if (t == null) {
            t = timer = new SocketTimer(this);
        }
        return t;
    }

    /** The completion-based reads and writes of a connected stream socket on io_uring, else null. */
    UringStream uring() {
        UringStream u = uring;
        if (u == null && loop.backend() == io.gevent4j.loop.Backend.IO_URING && !closed) {
            u = uring = new UringStream(this);
        }
        return u;
    }

    void checkOpen() throws SocketException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
    }

    /**
     * Parks the calling greenlet until the socket is ready for {@code events} ({@link Loop#READ} or
     * {@link Loop#WRITE}), the per-socket timeout passes ({@link SocketTimeoutException}; the socket
     * stays usable) or the socket is closed by someone else ({@link SocketException}).
     */
    void await(int events, String op) throws IOException {
        await(events, op, timeoutNanos);
    }

    void await(int events, String op, long nanos) throws IOException {
        checkOpen();
        boolean read = events == Loop.READ;
        IoWatcher w = read ? readWatcher : writeWatcher;
        if (w == null) {
            w = sock.watcher(loop, events);
            if (read) {
                readWatcher = w;
            } else {
                writeWatcher = w;
            }
        } else if (w.isActive()) {
            throw new IllegalStateException("this socket is already being " + (read ? "read" : "written")
                    + " by another greenlet: one reader and one writer at a time (" + this + ")");
        }
        if (nanos == 0) {
            throw new SocketTimeoutException(op + " would block (timeout is zero)");
        }
        // gevent's wait_on_watcher, with the socket's one reusable timer for the timeout (a keep-alive
        // connection waits before every request: no timer is made per wait); close() wakes us with
        // hub.cancelWait.
        if (nanos < 0) {
            hub.wait(w);
            return;
        }
        Waiter<Object> waiter = new Waiter<>(hub, w);
        w.start(waiter.switchNull());
        try {
            timer().park(waiter, nanos, op);
        } finally {
            w.stop();
        }
    }

    /** Registers a temporary watcher of {@link Sockets#select}; closing the socket wakes its waiter. */
    IoWatcher extra(int events, Waiter<?> waiter) throws SocketException {
        checkOpen();
        IoWatcher w = sock.watcher(loop, events);
        if (extras == null) {
            extras = new ArrayList<>(2);
        }
        extras.add(new Extra(w, waiter));
        return w;
    }

    void dropExtra(IoWatcher w) {
        w.close();
        if (extras != null) {
            extras.removeIf(e -> e.watcher == w);
        }
    }

    static String fmt(long nanos) {
        long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
        return ms > 0 ? ms + " ms" : nanos + " ns";
    }

    /**
     * Closes the socket: every greenlet parked on it wakes with a {@link SocketException}, the watchers
     * are closed (the kernel registration goes away) and then the descriptor. Idempotent; from another
     * thread it is queued on the hub.
     */
    void close() {
        if (closed) {
            return;
        }
        if (!hub.inHubThread()) {
            try {
                loop.execute(this::close);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                closeFd(); // the hub is gone: nothing can be parked on it any more
            }
            return;
        }
        closed = true;
        cancel(readWatcher);
        cancel(writeWatcher);
        if (extras != null) {
            for (Extra e : extras) {
                wake(e.waiter);
                e.watcher.close();
            }
            extras = null;
        }
        if (readWatcher != null) {
            readWatcher.close();
        }
        if (writeWatcher != null) {
            writeWatcher.close();
        }
        if (uring != null) {
            uring.close();
        }
        if (timer != null) {
            timer.close();
        }
        closeFd();
    }

    private void closeFd() {
        closed = true;
        try {
            sock.close();
        } catch (IOException e) {
            log.debug("closing {} failed", sock, e);
        }
    }

    private void cancel(IoWatcher w) {
        if (w != null) {
            hub.cancelWait(w, closedWhileBlocked());
        }
    }

    private static SocketException closedWhileBlocked() {
        return new SocketException("Socket closed (by another greenlet while this one was blocked on it)");
    }

    private static void wake(Waiter<?> w) {
        if (w != null) {
            w.throwInto(closedWhileBlocked());
        }
    }

    @Override
    public String toString() {
        return sock + (closed ? " [closed]" : "");
    }
}
