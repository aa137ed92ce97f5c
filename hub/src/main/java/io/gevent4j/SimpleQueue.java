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
 * <tr><td>insert</td><td>{@link #put(Object)}</td><td>{@link #put(Object, boolean, Duration)} (throws
 * {@link Queue.Full}), {@link #offer(Object, long, TimeUnit)}</td><td>{@link #putNowait} / {@link #add}
 * (throw {@link Queue.Full}), {@link #offer(Object)} (false)</td></tr>
 * <tr><td>remove</td><td>{@link #get()}, {@link #take()}</td><td>{@link #get(boolean, Duration)} (throws
 * {@link Queue.Empty}), {@link #poll(long, TimeUnit)} (null)</td><td>{@link #getNowait} / {@link #remove()}
 * (throw {@link Queue.Empty}), {@link #poll()} (null)</td></tr>
 * <tr><td>examine</td><td>{@link #peek(boolean, Duration)} with {@code block}</td><td>the same</td>
 * <td>{@link #peekNowait} / {@link #element()} (throw {@link Queue.Empty}), {@link #peek()} (null)</td></tr>
 * </table>
 * Beware: gevent's {@code peek()} blocks; the JDK's {@link #peek()} (which this class must honour)
 * returns null at once. gevent's blocking peek is {@code peek(true, timeout)}. The {@link #iterator()}
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
    final Sync.WaitList getters = new Sync.WaitList();
    final Sync.WaitList putters = new Sync.WaitList();
    private final IntSupplier itemCount = this::itemCount;
    private final IntSupplier space = this::space;
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
        this.items = storage;
        this.maxsize = Math.max(0, maxsize);
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
        getters.wake(items.size());
        putters.wake(space());
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
        put(item, true, null);
    }

    /**
     * Inserts {@code item} (gevent's {@code put(item, block, timeout)}): without {@code block}, or when
     * {@code timeout} (null: no limit) runs out, throws {@link Queue.Full} if there is no room.
     *
     * @param item the item
     * @param block false: never wait
     * @param timeout how long to wait at most (null: no limit)
     * @throws Queue.ShutDown if the queue was shut down
     */
    public void put(T item, boolean block, Duration timeout) {
        if (!insert(item, Sync.nanos(block, timeout))) {
            throw new Queue.Full();
        }
    }

    /**
     * Inserts {@code item} without blocking, or throws {@link Queue.Full}.
     *
     * @param item the item
     */
    public void putNowait(T item) {
        put(item, false, null);
    }

    /**
     * Removes and returns the next item, blocking while the queue is empty.
     *
     * @return the item
     */
    public T get() {
        return get(true, null);
    }

    /**
     * Removes and returns the next item (gevent's {@code get(block, timeout)}): without {@code block},
     * or when {@code timeout} (null: no limit) runs out, throws {@link Queue.Empty} if there is none.
     *
     * @param block false: never wait
     * @param timeout how long to wait at most (null: no limit)
     * @return the item
     * @throws Queue.ShutDown if the queue was shut down and is empty
     */
    public T get(boolean block, Duration timeout) {
        T v = extract(Sync.nanos(block, timeout), true);
        if (v == null) {
            throw new Queue.Empty();
        }
        return v;
    }

    /**
     * Removes and returns the next item without blocking, or throws {@link Queue.Empty}.
     *
     * @return the item
     */
    public T getNowait() {
        return get(false, null);
    }

    /**
     * Returns the next item without removing it (gevent's blocking {@code peek(block, timeout)}); throws
     * {@link Queue.Empty} when there is none without {@code block} or in time.
     *
     * @param block false: never wait
     * @param timeout how long to wait with {@code block} (null: no limit)
     * @return the next item
     */
    public T peek(boolean block, Duration timeout) {
        T v = extract(Sync.nanos(block, timeout), false);
        if (v == null) {
            throw new Queue.Empty();
        }
        return v;
    }

    /** {@return the next item without removing it, or throws {@link Queue.Empty}} */
    public T peekNowait() {
        return peek(false, null);
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
        return sync.acquire(putters, space, () -> tryInsert(item), nanos);
    }

    private boolean tryInsert(T item) {
        if (shutdown) {
            throw new Queue.ShutDown();
        }
        if (space() > putters.signalled) {
            items.add(item);
            onPut();
            getters.wake(items.size());
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
        sync.acquire(getters, itemCount, () -> (out[0] = tryExtract(remove)) != null, nanos);
        @SuppressWarnings("unchecked")
        T v = (T) out[0];
        return v;
    }

    private T tryExtract(boolean remove) {
        int n = items.size();
        if (n > getters.signalled || (n > 0 && (shutdown || !remove))) {
            if (!remove) {
                return items.peek();
            }
            T v = items.poll();
            putters.wake(space());
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
        return get(true, null);
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
            while (out.size() < maxElements && items.size() > getters.signalled) {
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
            return getters.waiting() + getters.signalled;
        }
    }

    /** Greenlets waiting to put, including woken ones not yet running (for leak checks). */
    int waitingPutters() {
        synchronized (sync) {
            return putters.waiting() + putters.signalled;
        }
    }

    @Override
    public String toString() {
        synchronized (sync) {
            return getClass().getSimpleName() + "[maxsize=" + maxsize + ", items=" + items.size() + ", getters="
                    + (getters.waiting() + getters.signalled) + ", putters=" + (putters.waiting() + putters.signalled)
                    + (shutdown ? ", shut down]" : "]");
        }
    }
}
