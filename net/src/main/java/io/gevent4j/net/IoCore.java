package io.gevent4j.net;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;
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
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;

/**
 * What every cooperative socket shares: the {@link Sock}, the hub it belongs to, one read and one
 * write watcher (created on first wait), the greenlets parked on them, the timeout, and closing.
 * Hub thread only, except {@link #close()}, {@link #isClosed()} and {@link #onHub()}: the sockets hand
 * the calls of other threads to the hub ({@link HandOff}).
 *
 * <p>Closing: {@link #close()} marks the socket closed at once, from any thread (later calls fail with
 * "Socket closed"), and the hub then wakes whoever is blocked on it - with a {@link SocketException}
 * that names who closed it - closes the watchers, and only then the descriptor.
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
    /** Set by {@link #close()} on any thread, at once. */
    private volatile boolean closed;
    /** Who closed it (set before {@link #closed}). */
    private volatile String closedBy;
    /** The hub did its part of closing (hub thread). */
    private boolean shut;
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

    /** True when the caller may use the socket directly: it runs on the socket's hub thread. */
    boolean onHub() {
        return hub.inHubThread();
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
        try {
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
        } catch (CancellationException e) {
            if (!Thread.currentThread().isInterrupted()) {
                throw e;
            }
            // A virtual thread the hub adopted was interrupted (an executor's shutdownNow, a cancelled
            // scope): as for the JDK's sockets in virtual threads, the socket is closed.
            close();
            SocketException closedByInterrupt = new SocketException("Closed by interrupt");
            closedByInterrupt.initCause(e);
            throw closedByInterrupt;
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
     * Closes the socket, from any thread: it is closed for every later call at once; every greenlet
     * parked on it wakes with a {@link SocketException} that says who closed it, the watchers are
     * closed (the kernel registration goes away) and then the descriptor, on the hub (queued there
     * from another thread). Idempotent.
     */
    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closedBy = describeCaller();
            closed = true;
        }
        if (!hub.inHubThread()) {
            try {
                loop.execute(this::shutOnHub);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                closeFd(); // the hub is gone: nothing can be parked on it any more
            }
            return;
        }
        shutOnHub();
    }

    private void shutOnHub() {
        if (shut) {
            return;
        }
        shut = true;
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

    private SocketException closedWhileBlocked() {
        return new SocketException("Socket closed (by " + closedBy + " while this call was blocked on it)");
    }

    private void wake(Waiter<?> w) {
        if (w != null) {
            w.throwInto(closedWhileBlocked());
        }
    }

    /** The calling greenlet or thread, as a closing message names it. */
    static String describeCaller() {
        Thread t = Thread.currentThread();
        Hub h = Hub.currentIfAny();
        if (h == null) {
            return "thread '" + t.getName() + "'";
        }
        if (t.isVirtual()) {
            return "greenlet " + RawGreenlet.getcurrent();
        }
        return "the main greenlet (thread '" + t.getName() + "')";
    }

    @Override
    public String toString() {
        return sock + (closed ? " [closed]" : "");
    }
}
