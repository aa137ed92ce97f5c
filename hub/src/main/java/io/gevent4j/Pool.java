package io.gevent4j;

import java.time.Duration;
import java.util.Objects;

/**
 * A {@link Group} of at most {@code size} greenlets (gevent's {@code Pool}): {@link #spawn} and
 * {@link #add} block while the pool is full, until a member dies. Slots are handed out in FIFO order
 * to the greenlets waiting for one. {@link #imap} and {@link #imapUnordered} keep at most
 * {@code size} inputs in flight, so they map over any number of inputs with bounded memory.
 *
 * <p>States of a slot: free → (add/spawn) held by a member → (the member dies or is discarded) free.
 * A greenlet killed, or timed out, while waiting for a slot takes none.
 */
public class Pool extends Group {
    private final int size;
    private final Semaphore slots;

    /**
     * A pool of at most {@code size} greenlets, belonging to the current thread's hub.
     *
     * @param size the most greenlets at once
     * @throws IllegalArgumentException if {@code size < 1}
     */
    public Pool(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("pool size must be >= 1: " + size);
        }
        this.size = size;
        this.slots = new Semaphore(size);
    }

    /** {@return the maximum number of members} */
    public int poolSize() {
        return size;
    }

    /** Adds {@code greenlet}, blocking while the pool is full. */
    @Override
    public void add(Greenlet<?> greenlet) {
        add(greenlet, Sync.nanos(true, null));
    }

    /**
     * Adds {@code greenlet}, waiting up to {@code timeout} for a free slot ({@code Duration.ZERO}: only
     * if one is free now, gevent's {@code add(blocking=False)}).
     *
     * @param greenlet the greenlet
     * @param timeout how long to wait for a slot (null: no limit)
     * @throws Queue.Full if no slot became free
     */
    public void add(Greenlet<?> greenlet, Duration timeout) {
        add(greenlet, Sync.nanos(true, Objects.requireNonNull(timeout, "timeout")));
    }

    private void add(Greenlet<?> greenlet, long nanos) {
        if (contains(greenlet)) {
            return;
        }
        if (!slots.acquire(nanos)) {
            throw new Queue.Full();
        }
        if (!addMember(greenlet)) {
            slots.release();
        }
    }

    @Override
    void removed(Greenlet<?> greenlet) {
        slots.release();
    }

    /** Free slots: {@code size} minus the members. */
    @Override
    public int freeCount() {
        return Math.max(0, size - size());
    }

    /** True when every slot is held. */
    @Override
    public boolean full() {
        return freeCount() <= 0;
    }

    /**
     * Blocks until a slot is free (without taking it), up to {@code timeout}.
     *
     * @return the free slots when it returned (0: the time ran out)
     */
    @Override
    public int waitAvailable(Duration timeout) {
        slots.await(Objects.requireNonNull(timeout, "timeout"));
        return freeCount();
    }

    /** Blocks until a slot is free, without taking it; returns the free slots. */
    @Override
    public int waitAvailable() {
        slots.await();
        return freeCount();
    }

    @Override
    int window() {
        return size;
    }

    @Override
    public String toString() {
        return "Pool[size=" + size + ", members=" + size() + "]";
    }
}
