package io.gevent4j;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.Waitable;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

/**
 * A counting semaphore for greenlets (gevent's {@code Semaphore}).
 *
 * <p>States: a counter, never negative. {@link #acquire()} takes one (blocking while it is zero);
 * {@link #release()} gives one back and wakes the oldest waiter, which takes it itself when it runs
 * again. Waiters are served in FIFO order: while greenlets wait, a newcomer cannot take a permit that a
 * woken waiter is about to take. A waiter that is killed or times out passes its turn on, so no permit
 * is lost. {@code release()} may be called by anyone, any number of times (see
 * {@link BoundedSemaphore} for a checked one).
 *
 * <p>{@link #permit()} acquires and returns a {@link Permit} for try-with-resources. A semaphore is
 * also a {@link Waitable} (so {@link Gevent#await} and {@link Gevent#iwait} accept it): it is
 * {@linkplain #ready() ready} when an acquire would not block, and its one-shot
 * {@linkplain #rawlink(Runnable) links} run, in a callback on its hub, when a release makes it ready.
 *
 * <p>Thread-safety: all methods may be called from any thread; a thread that blocks runs its own hub
 * meanwhile. A kill or {@link Timeout} aimed at a blocked greenlet is raised from {@code acquire}
 * without taking a permit.
 */
public class Semaphore implements Waitable {
    final Sync sync;
    private final Sync.WaitList waiters;
    private final Links links;
    private final Sync.Attempt take = this::tryTake;
    private final Sync.Attempt peek = this::tryPeek;
    private int counter;

    /** A semaphore with one permit (a lock). */
    public Semaphore() {
        this(1);
    }

    /**
     * A semaphore with {@code value} permits.
     *
     * @param value the value
     * @throws IllegalArgumentException if {@code value} is negative
     */
    public Semaphore(int value) {
        if (value < 0) {
            throw new IllegalArgumentException("semaphore initial value must be >= 0: " + value);
        }
        this.sync = new Sync(Hub.current());
        this.sync.subject = this;
        this.waiters = sync.waitList(() -> this.counter);
        this.links = new Links(sync.hub, this);
        this.counter = value;
    }

    /** {@return the number of permits available now} */
    public int counter() {
        synchronized (sync) {
            return counter;
        }
    }

    /** {@return true when no permit is available} */
    public boolean locked() {
        return counter() <= 0;
    }

    /** The hub the semaphore belongs to (where its links run). */
    @Override
    public Hub hub() {
        return sync.hub;
    }

    /** True when {@link #acquire()} would not block now (gevent's {@code ready}). */
    @Override
    public boolean ready() {
        synchronized (sync) {
            return tryPeek();
        }
    }



    /** Runs {@code callback} once, in a callback on the hub, when the semaphore is ready. */
    @Override
    public void rawlink(Runnable callback) {
        sync.touch();
        links.add(callback);
    }

    @Override
    public boolean unlink(Runnable callback) {
        return links.remove(callback);
    }

    /** Takes a permit, blocking until one is available. */
    public void acquire() {
        acquire(-1);
    }

    /**
     * Takes a permit, waiting up to {@code timeout} ({@code Duration.ZERO}: only if one is free now,
     * gevent's {@code acquire(blocking=False)}).
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return false if none became available in time
     */
    public boolean acquire(Duration timeout) {
        return acquire(Sync.nanos(true, Objects.requireNonNull(timeout, "timeout")));
    }

    /** {@code nanos}: 0 do not wait, negative no limit. */
    boolean acquire(long nanos) {
        sync.touch();
        synchronized (sync) {
            if (tryTake()) {
                return true;
            }
            if (nanos == 0) {
                return false;
            }
        }
        return sync.acquire(waiters, take, nanos);
    }

    /**
     * Takes a permit if one is available now (never blocks).
     *
     * @return whether a permit was taken
     */
    public boolean tryAcquire() {
        return acquire(0);
    }

    /**
     * Acquires a permit and returns a handle whose {@code close()} releases it.
     *
     * @return a handle for try-with-resources
     */
    public Permit permit() {
        acquire();
        AtomicBoolean held = new AtomicBoolean(true);
        return () -> {
            if (held.getAndSet(false)) {
                release();
            }
        };
    }

    /** Gives a permit back, waking the oldest waiter. */
    public void release() {
        sync.touch();
        synchronized (sync) {
            checkRelease(counter);
            counter++;
            waiters.wake();
        }
        links.checkAndNotify();
    }

    /** Under the lock, before a release: {@link BoundedSemaphore} refuses one too many. */
    void checkRelease(int current) {
    }

    /**
     * Blocks until a permit is available without taking it (gevent's {@code wait}).
     *
     * @return the permits available when it returned (at least 1)
     */
    public int await() {
        return awaitNanos(-1);
    }

    /**
     * Blocks until a permit is available without taking it (gevent's {@code wait}), up to {@code timeout}.
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return the permits available when it returned (at least 1), or 0 when the time ran out
     */
    public int await(Duration timeout) {
        return awaitNanos(Sync.nanos(true, Objects.requireNonNull(timeout, "timeout")));
    }

    private int awaitNanos(long nanos) {
        sync.touch();
        synchronized (sync) {
            if (tryPeek()) {
                return counter;
            }
        }
        return sync.acquire(waiters, peek, nanos) ? Math.max(1, counter()) : 0;
    }

    private boolean tryTake() {
        if (counter > waiters.reserved) {
            counter--;
            return true;
        }
        return false;
    }

    /** An acquire would not block: a permit is free that no woken waiter was promised. */
    private boolean tryPeek() {
        return counter > waiters.reserved;
    }

    /** Parked and woken-not-yet-running waiters (for leak checks). */
    int waiters() {
        synchronized (sync) {
            return waiters.waiting() + waiters.reserved;
        }
    }

    @Override
    public String toString() {
        synchronized (sync) {
            return getClass().getSimpleName() + "[counter=" + counter + ", waiters="
                    + (waiters.waiting() + waiters.reserved) + "]";
        }
    }
}
