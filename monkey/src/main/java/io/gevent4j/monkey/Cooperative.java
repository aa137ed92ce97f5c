package io.gevent4j.monkey;

import io.gevent4j.Gevent;
import io.gevent4j.hub.Hub;

import java.time.Duration;
import java.util.Objects;

/**
 * Drop-in replacements for JDK blocking calls that patching cannot reach.
 *
 * <p>In a greenlet, {@code Thread.sleep} is already cooperative (a greenlet is a virtual thread);
 * {@link #sleep(long)} is for code that may also run on a hub's <em>owner</em> thread (the main
 * greenlet, outside any greenlet), where {@code Thread.sleep} would freeze every greenlet of the hub:
 * there it runs the hub's loop for the duration instead.
 */
public final class Cooperative {
    private Cooperative() {
    }

    /**
     * {@code Thread.sleep} semantics, cooperative everywhere: in a greenlet it parks only the greenlet;
     * on a thread that owns a hub it runs the hub's loop meanwhile; on any other thread it is
     * {@code Thread.sleep}.
     *
     * @param millis the length of the sleep in milliseconds; 0 yields
     * @throws IllegalArgumentException if {@code millis} is negative
     * @throws InterruptedException     if the thread is interrupted before or during the sleep (on a
     *                                  hub's owner thread: before or at its end); the interrupt status is
     *                                  then cleared, as {@code Thread.sleep} does
     */
    public static void sleep(long millis) throws InterruptedException {
        if (millis < 0) {
            throw new IllegalArgumentException("timeout value is negative");
        }
        Thread t = Thread.currentThread();
        if (t.isVirtual() || Hub.currentIfAny() == null) {
            Thread.sleep(millis); // a greenlet or plain virtual thread parks; a plain thread sleeps
            return;
        }
        // The owner thread of a hub: keep its greenlets running.
        if (Thread.interrupted()) {
            throw new InterruptedException("sleep interrupted");
        }
        Gevent.sleep(millis);
        if (Thread.interrupted()) {
            throw new InterruptedException("sleep interrupted");
        }
    }

    /**
     * {@link #sleep(long)} with a {@link Duration} (rounded up to the millisecond, saturated).
     *
     * @param duration how long
     * @throws InterruptedException if the calling thread is interrupted while it waits
     */
    public static void sleep(Duration duration) throws InterruptedException {
        Objects.requireNonNull(duration, "duration");
        long ms;
        try {
            ms = duration.plusNanos(999_999).toMillis();
        } catch (ArithmeticException e) {
            ms = Long.MAX_VALUE;
        }
        sleep(Math.max(0, ms));
    }
}
