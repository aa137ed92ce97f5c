package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;
import io.gevent4j.loop.TimerWatcher;

import java.time.Duration;

/**
 * gevent's {@code Timeout}: an exception that is also a timer. {@link #start(Duration)} arms it for the
 * current greenlet; when it expires it is thrown in that greenlet at its current (or next) blocking
 * point. {@link #cancel()} or {@link #close()} disarms it, so try-with-resources scopes it:
 * <pre>{@code
 * Timeout t = Timeout.start(Duration.ofSeconds(2));
 * try {
 *     reply = socket.read();
 * } catch (Timeout e) {
 *     if (e != t) throw e;     // someone else's timeout: not ours to handle
 *     reply = null;
 * } finally {
 *     t.cancel();
 * }
 * }</pre>
 * A caught timeout is told apart from another one by identity. A timeout of {@code null} never fires.
 *
 * <p>Like {@link GreenletExit}, a {@code Timeout} is an {@link Error} (gevent makes it a
 * {@code BaseException}): {@code catch (Exception e)} in the code it interrupts does not swallow it, so
 * a deadline cannot be lost in a library's error handling.
 * A timeout is for the greenlet (or owner thread) that started it; {@link #start()} and
 * {@link #cancel()} must be called on its hub's thread.
 */
public class Timeout extends Error implements AutoCloseable {
    private static final long serialVersionUID = 1L;

    private final transient Duration duration;
    private transient TimerWatcher timer;
    private transient RawGreenlet target;
    private transient volatile boolean expired;

    /**
     * An unstarted timeout of {@code duration}; null never fires.
     *
     * @param duration how long
     */
    public Timeout(Duration duration) {
        super(duration == null ? "Timeout (never)" : "Timeout after " + format(duration), null, false, true);
        if (duration != null && duration.isNegative()) {
            throw new IllegalArgumentException("negative timeout: " + duration);
        }
        this.duration = duration;
    }

    /**
     * Creates and {@link #start() starts} a timeout for the current greenlet.
     *
     * @param duration how long
     * @return the started timeout, to close
     */
    public static Timeout start(Duration duration) {
        Timeout t = new Timeout(duration);
        t.start();
        return t;
    }

    /**
     * Arms this timeout for the current greenlet (restarting it if armed).
     *
     * @return this
     */
    public Timeout start() {
        cancel();
        if (duration == null) {
            return this;
        }
        Hub hub = Hub.current();
        target = RawGreenlet.getcurrent();
        expired = false;
        timer = hub.loop().timer(Math.max(0, saturatedNanos(duration)), 0);
        RawGreenlet g = target;
        timer.start(() -> {
            expired = true;
            hub.throwTo(g, this);
        });
        return this;
    }

    /** {@return the configured duration; null for a timeout that never fires} */
    public Duration duration() {
        return duration;
    }

    /** {@return true while armed and not yet expired} */
    public boolean pending() {
        TimerWatcher t = timer;
        return t != null && t.isActive();
    }

    /**
     * True once it went off (its timer fired and it was thrown, or is about to be thrown, at its
     * greenlet), until the next {@link #start()}.
     */
    boolean expired() {
        return expired;
    }

    /**
     * Disarms the timeout. Idempotent. If it already expired while its greenlet was busy or blocked in
     * a JDK call (which it then interrupted) and has not been thrown yet, it is taken back: a cancelled
     * timeout never goes off later.
     */
    public void cancel() {
        TimerWatcher t = timer;
        if (t != null) {
            timer = null;
            t.close();
        }
        RawGreenlet g = target;
        if (g != null && g.hub().inHubThread()) {
            g.hub().withdrawThrow(g, this); // only if it is this very timeout, still unseen
        }
    }

    /** Same as {@link #cancel()}. */
    @Override
    public void close() {
        cancel();
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static String format(Duration d) {
        long ms = d.toMillis();
        return ms < 10_000 && d.toNanos() % 1_000_000 == 0 ? ms + " ms" : d.toString();
    }
}
