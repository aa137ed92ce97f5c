package io.gevent4j;

import io.gevent4j.hub.Hub;

import java.time.Duration;
import java.util.AbstractQueue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * A FIFO queue for greenlets, optionally bounded (gevent's {@code SimpleQueue}; {@link Queue} adds
 * {@code shutdown}). It is also a {@link BlockingQueue}, so code written for the JDK interface works
 * unchanged, cooperatively.
 *
 * <h2>States and waiting</h2>
 * With {@code maxsize <= 0} the queue is unbounded and {@code put} never blocks; otherwise
 * {@code put} blocks while the queue holds {@code maxsize} items. {@code get} blocks while it is
 * empty. Blocked getters and putters are each served in FIFO order: {@code put} wakes the oldest
 * getter, which takes an item itself when it runs again, and a newcomer cannot take an item that a
 * woken getter is about to take (likewise for space and putters). A waiter that is killed or times
 * out before it runs again passes its turn to the next one, and its item stays in the queue: no item
 * is ever lost or taken twice.
 *
 * <h2>gevent's names and the JDK's</h2>
 * <table>
 * <caption>operations</caption>
 * <tr><th></th><th>blocks</th><th>with a timeout</th><th>never blocks</th></tr>
 * <tr><td>insert</td><td>{@link #put(Object)}</td><td>{@link #put(Object, Duration)} (throws
 * {@link Queue.Full}), {@link #offer(Object, long, TimeUnit)}</td><td>{@link #putNowait} / {@link #add}
 * (throw {@link Queue.Full}), {@link #offer(Object)} (false)</td></tr>
 * <tr><td>remove</td><td>{@link #get()}, {@link #take()}</td><td>{@link #get(Duration)} (throws
 * {@link Queue.Empty}), {@link #poll(long, TimeUnit)} (null)</td><td>{@link #getNowait} / {@link #remove()}
 * (throw {@link Queue.Empty}), {@link #poll()} (null)</td></tr>
 * <tr><td>examine</td><td>{@link #peekWait()}</td><td>{@link #peekWait(Duration)}</td>
 * <td>{@link #peekNowait} / {@link #element()} (throw {@link Queue.Empty}), {@link #peek()} (null)</td></tr>
 * </table>
 * Beware: gevent's {@code peek()} blocks; the JDK's {@link #peek()} (which this class must honour)
 * returns null at once. gevent's blocking peek is {@link #peekWait()}. The {@link #iterator()}
 * is the JDK's non-destructive snapshot, not gevent's consuming iteration. Items may not be null.
 *
 * <h2>Threads, kills, timeouts</h2>
 * Every method may be called from any thread; a thread that blocks runs its own hub meanwhile (a plain
 * platform thread gets one). Blocking calls are not interruptible with {@link Thread#interrupt()};
 * a kill or a {@link Timeout} aimed at a blocked greenlet is raised from the call and leaves the queue
 * unchanged. A greenlet blocked on a queue that another thread feeds keeps its hub from
 * {@link io.gevent4j.hub.LoopExit} once another thread used the queue; if that may happen only after
 * the hub ran out of work, hold {@link Hub#externalWait()} around the wait.
 *
 * @param <T> the item type
 */
public class SimpleQueue<T> extends AbstractQueue<T> implements BlockingQueue<T> {
    final Sync sync;
    final java.util.Queue<T> items;
    private final int maxsize;
    final Sync.WaitList getters;
    final Sync.WaitList putters;
    /** Guarded by the lock; set by {@link Queue#shutdown(boolean)}. */
    boolean shutdown;

    /** An unbounded FIFO queue. */
    public SimpleQueue() {
        this(0);
    }

    /**
     * A FIFO queue holding at most {@code maxsize} items; {@code maxsize <= 0}: unbounded.
     *
     * @param maxsize the most items it holds; {@code <= 0}: unbounded
     */
    public SimpleQueue(int maxsize) {
        this(maxsize, new ArrayDeque<>());
    }

    SimpleQueue(int maxsize, java.util.Queue<T> storage) {
        this.sync = new Sync(Hub.current());
        this.sync.subject = this;
        this.items = storage;
        this.maxsize = Math.max(0, maxsize);
        this.getters = sync.waitList(this::itemCount);
        this.putters = sync.waitList(this::space);
    }

    // ------------------------------------------------------------------ hooks (under the lock)

    /** An item was inserted. */
    void onPut() {
    }

    /** {@code n} items were discarded by an immediate shutdown. */
    void onDiscard(int n) {
    }

    private int itemCount() {
        return items.size();
    }

    private int space() {
        return maxsize == 0 ? Integer.MAX_VALUE : maxsize - items.size();
    }

    /** Under the lock: items changed, serve the waiters. */
    final void changed() {
        getters.wake();
        putters.wake();
    }

    // ------------------------------------------------------------------ gevent's API

    /** {@return the bound; 0 for an unbounded queue} */
    public int maxsize() {
        return maxsize;
    }

    /** {@return the number of items in the queue} */
    public int qsize() {
        synchronized (sync) {
            return items.size();
        }
    }

    /** {@return true when the queue holds no item} */
    public boolean empty() {
        return qsize() == 0;
    }

    /** {@return true when the queue is bounded and holds {@code maxsize} items} */
    public boolean full() {
        synchronized (sync) {
            return maxsize > 0 && items.size() >= maxsize;
        }
    }

    /** {@return the hub the queue belongs to} */
    public Hub hub() {
        return sync.hub;
    }

    /** Inserts {@code item}, blocking while the queue is full. */
    @Override
    public void put(T item) {
        if (!insert(item, -1)) {
            throw new Queue.Full(); // cannot happen: no limit
        }
    }

    /**
     * Inserts {@code item}, waiting up to {@code timeout} for room (gevent's {@code put(item, timeout=...)};
     * {@code Duration.ZERO} does not wait).
     *
     * @throws Queue.Full if there was no room in time
     * @throws Queue.ShutDown if the queue was shut down
     * @param item the item
     * @param timeout how long to wait at most
     */
    public void put(T item, Duration timeout) {
        if (!insert(item, Sync.nanos(true, Objects.requireNonNull(timeout, "timeout")))) {
            throw new Queue.Full();
        }
    }

    /**
     * Inserts {@code item} without blocking, or throws {@link Queue.Full}.
     *
     * @param item the item
     */
    public void putNowait(T item) {
        if (!insert(item, 0)) {
            throw new Queue.Full();
        }
    }

    /**
     * Removes and returns the next item, blocking while the queue is empty.
     *
     * @return the result
     */
    public T get() {
        return orEmpty(extract(-1, true));
    }

    /**
     * Removes and returns the next item, waiting up to {@code timeout} for one (gevent's
     * {@code get(timeout=...)}; {@code Duration.ZERO} does not wait).
     *
     * @throws Queue.Empty if none came in time
     * @throws Queue.ShutDown if the queue was shut down and is empty
     * @param timeout how long to wait at most
     * @return the result
     */
    public T get(Duration timeout) {
        return orEmpty(extract(Sync.nanos(true, Objects.requireNonNull(timeout, "timeout")), true));
    }

    /**
     * Removes and returns the next item without blocking, or throws {@link Queue.Empty}.
     *
     * @return the item
     */
    public T getNowait() {
        return orEmpty(extract(0, true));
    }

    /**
     * Returns the next item without removing it, blocking until there is one (gevent's blocking {@code peek()}).
     *
     * @return the next item (not removed)
     */
    public T peekWait() {
        return orEmpty(extract(-1, false));
    }

    /**
     * Returns the next item without removing it, waiting up to {@code timeout} for one (gevent's
     * {@code peek(timeout=...)}).
     *
     * @throws Queue.Empty if none came in time
     * @param timeout how long to wait at most
     * @return the next item (not removed)
     */
    public T peekWait(Duration timeout) {
        return orEmpty(extract(Sync.nanos(true, Objects.requireNonNull(timeout, "timeout")), false));
    }

    /** {@return the next item without removing it, or throws {@link Queue.Empty}} */
    public T peekNowait() {
        return orEmpty(extract(0, false));
    }

    private static <T> T orEmpty(T v) {
        if (v == null) {
            throw new Queue.Empty();
        }
        return v;
    }

    // ------------------------------------------------------------------ the two operations

    /** @return false when there was no room in time */
    final boolean insert(T item, long nanos) {
        Objects.requireNonNull(item, "item");
        sync.touch();
        synchronized (sync) {
            if (tryInsert(item)) {
                return true;
            }
            if (nanos == 0) {
                return false;
            }
        }
        return sync.acquire(putters, () -> tryInsert(item), nanos);
    }

    private boolean tryInsert(T item) {
        if (shutdown) {
            throw new Queue.ShutDown();
        }
        if (space() > putters.reserved) {
            items.add(item);
            onPut();
            getters.wake();
            return true;
        }
        return false;
    }

    /** @return null when there was no item in time */
    final T extract(long nanos, boolean remove) {
        sync.touch();
        synchronized (sync) {
            T v = tryExtract(remove);
            if (v != null || nanos == 0) {
                return v;
            }
        }
        Object[] out = new Object[1];
        sync.acquire(getters, () -> (out[0] = tryExtract(remove)) != null, nanos);
        @SuppressWarnings("unchecked")
        T v = (T) out[0];
        return v;
    }

    private T tryExtract(boolean remove) {
        int n = items.size();
        if (n > getters.reserved || (n > 0 && (shutdown || !remove))) {
            if (!remove) {
                return items.peek();
            }
            T v = items.poll();
            putters.wake();
            return v;
        }
        if (shutdown) {
            throw new Queue.ShutDown();
        }
        return null;
    }

    // ------------------------------------------------------------------ BlockingQueue

    /** Same as {@link #get()}. */
    @Override
    public T take() {
        return get();
    }

    /** Inserts without blocking; false if the queue is full. */
    @Override
    public boolean offer(T item) {
        return insert(item, 0);
    }

    /** Inserts, waiting up to the timeout for room; false if there was none. */
    @Override
    public boolean offer(T item, long timeout, TimeUnit unit) {
        return insert(item, Sync.nanos(timeout, unit));
    }

    /** Inserts without blocking, or throws {@link Queue.Full}. */
    @Override
    public boolean add(T item) {
        putNowait(item);
        return true;
    }

    /** The next item, removed, or null if there is none (never blocks). */
    @Override
    public T poll() {
        return extract(0, true);
    }

    /** The next item, removed, waiting up to the timeout; null if none came. */
    @Override
    public T poll(long timeout, TimeUnit unit) {
        return extract(Sync.nanos(timeout, unit), true);
    }

    /** The next item, not removed, or null (the JDK's non-blocking peek). */
    @Override
    public T peek() {
        return extract(0, false);
    }

    /** Same as {@link #getNowait()}. */
    @Override
    public T remove() {
        return getNowait();
    }

    /** Same as {@link #peekNowait()}. */
    @Override
    public T element() {
        return peekNowait();
    }

    @Override
    public int size() {
        return qsize();
    }

    @Override
    public boolean isEmpty() {
        return qsize() == 0;
    }

    @Override
    public int remainingCapacity() {
        synchronized (sync) {
            return Math.max(0, space());
        }
    }

    @Override
    public boolean contains(Object o) {
        synchronized (sync) {
            return items.contains(o);
        }
    }

    @Override
    public boolean remove(Object o) {
        sync.touch();
        synchronized (sync) {
            boolean removed = items.remove(o);
            if (removed) {
                changed();
            }
            return removed;
        }
    }

    @Override
    public void clear() {
        sync.touch();
        synchronized (sync) {
            items.clear();
            changed();
        }
    }

    @Override
    public int drainTo(Collection<? super T> c) {
        return drainTo(c, Integer.MAX_VALUE);
    }

    @Override
    public int drainTo(Collection<? super T> c, int maxElements) {
        Objects.requireNonNull(c, "c");
        if (c == this) {
            throw new IllegalArgumentException("cannot drain a queue into itself");
        }
        sync.touch();
        ArrayList<T> out = new ArrayList<>();
        synchronized (sync) {
            while (out.size() < maxElements && items.size() > getters.reserved) {
                out.add(items.poll());
            }
            if (!out.isEmpty()) {
                changed();
            }
        }
        c.addAll(out);
        return out.size();
    }

    /** A snapshot of the items in queue order; its {@code remove} removes from the queue. */
    @Override
    public Iterator<T> iterator() {
        Object[] snapshot = toArray();
        return new Iterator<>() {
            private int i;
            private Object last;

            @Override
            public boolean hasNext() {
                return i < snapshot.length;
            }

            @Override
            @SuppressWarnings("unchecked")
            public T next() {
                if (i >= snapshot.length) {
                    throw new java.util.NoSuchElementException();
                }
                return (T) (last = snapshot[i++]);
            }

            @Override
            public void remove() {
                if (last == null) {
                    throw new IllegalStateException();
                }
                SimpleQueue.this.remove(last);
                last = null;
            }
        };
    }

    @Override
    public Object[] toArray() {
        synchronized (sync) {
            return items.toArray();
        }
    }

    @Override
    public <A> A[] toArray(A[] a) {
        synchronized (sync) {
            return items.toArray(a);
        }
    }

    /** Greenlets waiting to get, including woken ones not yet running (for leak checks). */
    int waitingGetters() {
        synchronized (sync) {
            return getters.waiting() + getters.reserved;
        }
    }

    /** Greenlets waiting to put, including woken ones not yet running (for leak checks). */
    int waitingPutters() {
        synchronized (sync) {
            return putters.waiting() + putters.reserved;
        }
    }

    @Override
    public String toString() {
        synchronized (sync) {
            return getClass().getSimpleName() + "[maxsize=" + maxsize + ", items=" + items.size() + ", getters="
                    + (getters.waiting() + getters.reserved) + ", putters=" + (putters.waiting() + putters.reserved)
                    + (shutdown ? ", shut down]" : "]");
        }
    }
}
