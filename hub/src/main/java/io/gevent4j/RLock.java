package io.gevent4j;

import io.gevent4j.hub.Hub;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

/**
 * A reentrant lock owned by a greenlet (gevent's {@code RLock}).
 *
 * <p>States: <em>free</em> → (acquire) <em>held</em> by one greenlet with a hold count ≥ 1; the owner
 * may acquire again (the count grows) and must release as many times; the last release frees it and
 * wakes the oldest waiter, which takes it itself when it runs again. Waiters are served in FIFO order.
 * Releasing a lock one does not hold throws {@link IllegalMonitorStateException}. A greenlet that
 * dies holding the lock leaves it held.
 *
 * <p>The owner is the calling thread: a greenlet (each is its own virtual thread) or a platform thread
 * (on a hub's owner thread: its main greenlet). {@link #permit()} acquires and returns a
 * {@link Permit} for try-with-resources.
 *
 * <p>Thread-safety: all methods may be called from any thread; a thread that blocks runs its own hub
 * meanwhile. A kill or {@link Timeout} aimed at a blocked greenlet is raised from {@code acquire}
 * without taking the lock.
 */
public final class RLock {
    private final Sync sync;
    private final Sync.WaitList waiters;
    private Thread owner;
    private int count;

    /** A free lock belonging to the current thread's hub. */
    public RLock() {
        this.sync = new Sync(Hub.current());
        this.sync.subject = this;
        this.waiters = sync.waitList(() -> this.owner == null ? 1 : 0);
    }

    /** Acquires the lock, blocking while another greenlet holds it. */
    public void acquire() {
        acquire(-1);
    }

    /**
     * Acquires the lock, waiting up to {@code timeout} ({@code Duration.ZERO}: only if it is free now,
     * gevent's {@code acquire(blocking=False)}).
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return false if it was not acquired in time
     */
    public boolean acquire(Duration timeout) {
        return acquire(Sync.nanos(true, java.util.Objects.requireNonNull(timeout, "timeout")));
    }

    private boolean acquire(long nanos) {
        sync.touch();
        Thread me = Thread.currentThread();
        synchronized (sync) {
            if (tryTake(me)) {
                return true;
            }
            if (nanos == 0) {
                return false;
            }
        }
        return sync.acquire(waiters, () -> tryTake(me), nanos);
    }

    /**
     * Acquires the lock if that does not block.
     *
     * @return whether the lock was acquired
     */
    public boolean tryAcquire() {
        return acquire(0);
    }

    /**
     * Acquires the lock and returns a handle whose {@code close()} releases it once.
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

    private boolean tryTake(Thread me) {
        if (owner == me) {
            count++;
            return true;
        }
        if (owner == null && waiters.reserved == 0) {
            owner = me;
            count = 1;
            return true;
        }
        return false;
    }

    /**
     * Releases one hold; the last one frees the lock and wakes the oldest waiter.
     *
     * @throws IllegalMonitorStateException if the caller does not hold the lock
     */
    public void release() {
        sync.touch();
        Thread me = Thread.currentThread();
        synchronized (sync) {
            if (owner != me) {
                throw new IllegalMonitorStateException("cannot release un-acquired lock"
                        + (owner == null ? "" : ": it is held by " + owner));
            }
            if (--count == 0) {
                owner = null;
                waiters.wake();
            }
        }
    }

    /** {@return true when some greenlet holds the lock} */
    public boolean locked() {
        synchronized (sync) {
            return owner != null;
        }
    }

    /** {@return true when the calling greenlet holds the lock} */
    public boolean isOwned() {
        synchronized (sync) {
            return owner == Thread.currentThread();
        }
    }

    /** {@return how many times the calling greenlet holds the lock (0 if it does not)} */
    public int holdCount() {
        synchronized (sync) {
            return owner == Thread.currentThread() ? count : 0;
        }
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
            return "RLock[" + (owner == null ? "free" : "held by " + owner + " x" + count) + ", waiters="
                    + (waiters.waiting() + waiters.reserved) + "]";
        }
    }
}
