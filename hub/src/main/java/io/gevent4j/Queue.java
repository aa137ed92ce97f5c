package io.gevent4j;

import java.util.ArrayDeque;
import java.util.NoSuchElementException;

/**
 * gevent's {@code Queue}: a {@link SimpleQueue} (FIFO, optionally bounded, a
 * {@link java.util.concurrent.BlockingQueue}) that can also be {@linkplain #shutdown(boolean) shut down},
 * as Python 3.13's {@code queue.Queue}.
 *
 * <p>States: <em>open</em> → <em>shut down</em> (for good). Once shut down, every insertion throws
 * {@link ShutDown} and blocked putters are woken with it; removals still return the remaining items
 * and throw {@link ShutDown} once the queue is empty (blocked getters are woken with it). An
 * <em>immediate</em> shutdown also discards the remaining items (for a {@link JoinableQueue}, each
 * counts as done, so {@code join} returns).
 *
 * <p>This class also holds the exceptions of all queues: {@link Empty} (a
 * {@link NoSuchElementException}, as the JDK's {@code remove()} throws), {@link Full} and
 * {@link ShutDown} (both {@link IllegalStateException}s, as the JDK's {@code add} throws). They carry
 * no stack trace: they report a state, not a bug, and polling loops throw many.
 *
 * @param <T> the item type
 */
public class Queue<T> extends SimpleQueue<T> {

    /** An unbounded queue. */
    public Queue() {
        this(0);
    }

    /**
     * A queue holding at most {@code maxsize} items; {@code maxsize <= 0}: unbounded.
     *
     * @param maxsize the most items it holds; {@code <= 0}: unbounded
     */
    public Queue(int maxsize) {
        this(maxsize, new ArrayDeque<>());
    }

    Queue(int maxsize, java.util.Queue<T> storage) {
        super(maxsize, storage);
    }

    /**
     * Shuts the queue down for good: insertions throw {@link ShutDown}; removals drain what is left and
     * then throw {@link ShutDown}. Blocked putters, and getters that find nothing, are woken with it.
     */
    public void shutdown() {
        shutdown(false);
    }

    /**
     * Shuts the queue down for good and discards the items left (Python's
     * {@code shutdown(immediate=True)}): insertions and removals throw {@link ShutDown} at once.
     */
    public void shutdownNow() {
        shutdown(true);
    }

    private void shutdown(boolean immediate) {
        sync.touch();
        synchronized (sync) {
            shutdown = true;
            if (immediate) {
                int n = items.size();
                items.clear();
                onDiscard(n);
            }
            getters.wakeAll();
            putters.wakeAll();
        }
    }

    /**
     * True once {@link #shutdown()} or {@link #shutdownNow()} was called.
     *
     * @return whether {@link #shutdown()} or {@link #shutdownNow()} was called
     */
    public boolean isShutdown() {
        synchronized (sync) {
            return shutdown;
        }
    }

    /** No item to remove (gevent's {@code queue.Empty}). */
    public static class Empty extends NoSuchElementException {
        private static final long serialVersionUID = 1L;

        /** The exception, without a stack trace (it is control flow). */
        public Empty() {
            super("queue is empty");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** No room for an item (gevent's {@code queue.Full}). */
    public static class Full extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        /** The exception, without a stack trace (it is control flow). */
        public Full() {
            super("queue is full");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** The queue was shut down (Python's {@code queue.ShutDown}). */
    public static class ShutDown extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        /** The exception. */
        public ShutDown() {
            super("queue is shut down");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
