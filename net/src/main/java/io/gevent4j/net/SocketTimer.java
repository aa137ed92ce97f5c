package io.gevent4j.net;

import io.gevent4j.hub.Waiter;
import io.gevent4j.loop.TimerWatcher;

import java.net.SocketTimeoutException;

/**
 * The timeout of a socket's waits, one reusable timer per socket instead of a new one per wait (an HTTP
 * keep-alive connection waits with a timeout before every request). Lazy, as libev's timeout idiom: a
 * wait whose deadline is no earlier than the armed expiry only records its deadline; when the timer
 * fires it compares the clock with the deadline of the wait in progress and re-arms for the rest, times
 * the wait out, or - no wait in progress - stays stopped. The timer keeps the loop alive only while a
 * wait is in progress. Hub thread only.
 */
final class SocketTimer {
    private final IoCore core;
    private final Runnable onExpiry = this::expired;
    private TimerWatcher timer;
    /** When the armed timer fires (on the loop's clock, {@link io.gevent4j.loop.Loop#nanoTime()}). */
    private long expiry;
    /** The wait in progress: its waiter, deadline, operation and timeout; waiter null between waits. */
    private Waiter<Object> waiter;
    private long deadline;
    private String op;
    private long nanos;

    SocketTimer(IoCore core) {
        this.core = core;
    }

    /**
     * Parks on {@code w} until its delivery, or for at most {@code timeoutNanos} (negative: no limit),
     * then throws {@link SocketTimeoutException}.
     */
    void park(Waiter<Object> w, long timeoutNanos, String what) throws SocketTimeoutException {
        if (timeoutNanos < 0) {
            w.get();
            return;
        }
        long now = core.loop.nanoTime();
        long dl = now + Math.min(timeoutNanos, Long.MAX_VALUE >> 2);
        TimerWatcher t = timer;
        if (t == null) {
            t = timer = core.loop.timer(timeoutNanos, 0);
            t.unref();
        }
        if (!t.isActive() || expiry - dl > 0) {
            t.stop();
            t.set(dl - now, 0);
            t.start(onExpiry);
            expiry = dl;
        }
        waiter = w;
        deadline = dl;
        op = what;
        nanos = timeoutNanos;
        t.ref();
        try {
            w.get();
        } finally {
            waiter = null;
            op = null;
            t.unref();
        }
    }

    private void expired() {
        Waiter<Object> w = waiter;
        if (w == null) {
            return; // between waits: stay stopped until the next wait arms it
        }
        long left = deadline - core.loop.nanoTime();
        if (left > 0) {
            timer.set(left, 0);
            timer.start(onExpiry);
            expiry = deadline;
            return;
        }
        w.throwInto(new SocketTimeoutException(op + " timed out after " + IoCore.fmt(nanos)));
    }

    /** The socket closed: the timer goes. */
    void close() {
        if (timer != null) {
            timer.close();
        }
    }
}
