package io.gevent4j;

import java.time.Duration;
import java.util.Objects;

/**
 * A {@link Queue} that counts unfinished tasks (gevent's {@code JoinableQueue}): every insertion adds
 * one, every {@link #taskDone()} removes one, and {@link #join()} blocks until the count is zero.
 *
 * <p>States of the count: <em>zero</em> (join returns at once) ⇄ <em>positive</em> (join blocks).
 * Calling {@code taskDone} more often than items were inserted throws. An immediate
 * {@linkplain #shutdown(boolean) shutdown} counts the discarded items as done.
 *
 * @param <T> the item type
 */
public class JoinableQueue<T> extends Queue<T> {
    private int unfinished;
    private final Event done;

    /** An unbounded joinable queue. */
    public JoinableQueue() {
        this(0);
    }

    /**
     * A joinable queue holding at most {@code maxsize} items; {@code maxsize <= 0}: unbounded.
     *
     * @param maxsize the most items it holds; {@code <= 0}: unbounded
     */
    public JoinableQueue(int maxsize) {
        super(maxsize);
        this.done = new Event(sync.hub);
        this.done.set();
    }

    @Override
    void onPut() {
        if (unfinished++ == 0) {
            done.clear();
        }
    }

    @Override
    void onDiscard(int n) {
        unfinished = Math.max(0, unfinished - n);
        if (unfinished == 0) {
            done.set();
        }
    }

    /**
     * Marks one task, fetched earlier with a get, as done.
     *
     * @throws IllegalStateException if called more times than items were inserted
     */
    public void taskDone() {
        sync.touch();
        synchronized (sync) {
            if (unfinished <= 0) {
                throw new IllegalStateException("taskDone() called too many times");
            }
            if (--unfinished == 0) {
                done.set();
            }
        }
    }

    /** {@return the number of items inserted and not yet marked done} */
    public int unfinishedTasks() {
        synchronized (sync) {
            return unfinished;
        }
    }

    /** Blocks until every inserted item was marked done. */
    public void join() {
        if (sync.shared) {
            done.links.shared = true;
        }
        done.await();
    }

    /**
     * Blocks until every inserted item was marked done or {@code timeout} passes.
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return whether the count reached zero
     */
    public boolean join(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (done.isSet()) {
            return true;
        }
        if (sync.shared) {
            done.links.shared = true;
        }
        return done.await(timeout);
    }
}
