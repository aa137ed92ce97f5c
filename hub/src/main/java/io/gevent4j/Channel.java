package io.gevent4j;

import io.gevent4j.hub.Hub;

import java.time.Duration;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * A queue of size zero (gevent's {@code Channel}): {@link #put(Object)} blocks until a getter takes the
 * item; {@link #get()} blocks until a putter offers one. Like a {@link java.util.concurrent.SynchronousQueue}.
 *
 * <p>States of one put: <em>offered</em> (the putter waits with its item) → <em>taken</em> (a getter
 * took it; the putter returns), or → <em>withdrawn</em> (the putter timed out, throwing
 * {@link Queue.Full}, or was killed; no getter will see the item). Putters and getters are each served
 * in FIFO order; a getter takes the oldest offered item itself, so no item is lost or delivered twice
 * whatever kills and timeouts happen. {@link #putNowait} succeeds only when a getter is waiting (the
 * item is then handed to it; should that getter die first, the item goes to the next getter);
 * {@link #getNowait} only when a putter is waiting.
 *
 * <p>{@link #qsize()} is always 0, {@link #empty()} and {@link #full()} always true, as in gevent;
 * {@link #balance()} is the number of waiting putters minus waiting getters.
 *
 * <p>Thread-safety: all methods may be called from any thread; see {@link SimpleQueue} for waiting
 * from other threads and for kills and timeouts.
 *
 * @param <T> the item type
 */
public final class Channel<T> {
    private final Sync sync;
    /** Offered items (nodes; a node without a parked putter carries a {@link #putNowait} item). */
    private final Sync.WaitList offers;
    private final Sync.WaitList getters;
    /** Number of offers a getter may take: linked offers. */
    private int offered() {
        return offers.waiting();
    }

    /** A channel belonging to the current thread's hub. */
    public Channel() {
        this.sync = new Sync(Hub.current());
        this.sync.subject = this;
        this.offers = sync.waitList(() -> 0); // offers are taken by getters, never woken by a count
        this.getters = sync.waitList(this::offered);
    }

    /** {@return the hub the channel belongs to} */
    public Hub hub() {
        return sync.hub;
    }

    /**
     * Always 0.
     *
     * @return 0
     */
    public int maxsize() {
        return 0;
    }

    /**
     * Always 0: a channel holds nothing.
     *
     * @return 0
     */
    public int qsize() {
        return 0;
    }

    /**
     * Always true.
     *
     * @return true
     */
    public boolean empty() {
        return true;
    }

    /**
     * Always true.
     *
     * @return true
     */
    public boolean full() {
        return true;
    }

    /** {@return the waiting putters minus waiting getters} */
    public int balance() {
        synchronized (sync) {
            return offers.waiting() - getters.waiting() - getters.reserved;
        }
    }

    /** {@return the number of greenlets waiting in {@code get}} */
    public int getting() {
        synchronized (sync) {
            return getters.waiting() + getters.reserved;
        }
    }

    /** {@return the number of items offered by waiting putters} */
    public int putting() {
        synchronized (sync) {
            return offers.waiting();
        }
    }

    /**
     * Offers {@code item} and blocks until a getter took it.
     *
     * @param item the item
     */
    public void put(T item) {
        put(item, -1);
    }

    /**
     * Offers {@code item} until a getter takes it or {@code timeout} runs out, when the item is withdrawn
     * ({@code Duration.ZERO}: only to a getter that is waiting now).
     *
     * @param item the item
     * @param timeout how long to wait at most (null: no limit)
     * @throws Queue.Full if no getter took it
     */
    public void put(T item, Duration timeout) {
        put(item, Sync.nanos(true, Objects.requireNonNull(timeout, "timeout")));
    }

    private void put(T item, long nanos) {
        Objects.requireNonNull(item, "item");
        sync.touch();
        Sync.Node node;
        synchronized (sync) {
            if (nanos == 0) {
                // Hand-off only to a getter that is waiting and not already promised an item.
                if (offered() >= getters.reserved + getters.waiting()) {
                    throw new Queue.Full();
                }
                Sync.Node orphan = new Sync.Node(sync.hub, this);
                orphan.item = item;
                offers.addLast(orphan);
                getters.wake();
                return;
            }
            node = new Sync.Node(Hub.current(), this);
            node.item = item;
            offers.addLast(node);
            getters.wake();
        }
        long deadline = nanos > 0 ? Sync.nanoTime() + nanos : 0;
        try {
            while (true) {
                long left = nanos < 0 ? -1 : deadline - Sync.nanoTime();
                if (nanos > 0 && left <= 0) {
                    break;
                }
                sync.park(node, left);
                synchronized (sync) {
                    if (node.taken) {
                        return;
                    }
                }
            }
        } finally {
            synchronized (sync) {
                if (!node.taken) {
                    offers.unlink(node);
                }
            }
        }
        throw new Queue.Full();
    }

    /**
     * Hands {@code item} to a waiting getter, or throws {@link Queue.Full}.
     *
     * @param item the item
     */
    public void putNowait(T item) {
        put(item, 0);
    }

    /**
     * Blocks until a putter offers an item, and takes it.
     *
     * @return the result
     */
    public T get() {
        return get(-1);
    }

    /**
     * Takes an offered item, waiting up to {@code timeout} for one ({@code Duration.ZERO}: only one
     * offered now).
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return the result
     * @throws Queue.Empty if none was offered in time
     */
    public T get(Duration timeout) {
        return get(Sync.nanos(true, Objects.requireNonNull(timeout, "timeout")));
    }

    private T get(long nanos) {
        sync.touch();
        Object[] out = new Object[1];
        if (!sync.acquire(getters, () -> (out[0] = tryTake()) != null, nanos)) {
            throw new Queue.Empty();
        }
        @SuppressWarnings("unchecked")
        T v = (T) out[0];
        return v;
    }

    /**
     * Takes an item offered by a waiting putter, or throws {@link Queue.Empty}.
     *
     * @return the item taken
     */
    public T getNowait() {
        return get(0);
    }

    /** Under the lock. */
    private Object tryTake() {
        if (offered() > getters.reserved) {
            Sync.Node n = offers.poll();
            n.taken = true;
            Object item = n.item;
            n.item = null;
            n.signal(); // a putNowait orphan has no parked putter: the signal is dropped
            return item;
        }
        return null;
    }

    @Override
    public String toString() {
        synchronized (sync) {
            return "Channel[putters=" + offers.waiting() + ", getters=" + (getters.waiting() + getters.reserved) + "]";
        }
    }
}
