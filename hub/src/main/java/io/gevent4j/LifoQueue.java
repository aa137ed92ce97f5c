package io.gevent4j;

import java.util.ArrayDeque;
import java.util.Collections;

/**
 * A {@link Queue} that hands out the most recently inserted item first (gevent's {@code LifoQueue}).
 * Waiting greenlets are still served in FIFO order. Its iterator lists the items newest first.
 *
 * @param <T> the item type
 */
public class LifoQueue<T> extends Queue<T> {

    /** An unbounded LIFO queue. */
    public LifoQueue() {
        this(0);
    }

    /**
     * A LIFO queue holding at most {@code maxsize} items; {@code maxsize <= 0}: unbounded.
     *
     * @param maxsize the most items it holds; {@code <= 0}: unbounded
     */
    public LifoQueue(int maxsize) {
        super(maxsize, Collections.asLifoQueue(new ArrayDeque<>()));
    }
}
