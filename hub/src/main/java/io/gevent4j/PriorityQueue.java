package io.gevent4j;

import java.util.Comparator;

/**
 * A {@link Queue} that hands out the least item first, by natural order or a {@link Comparator}
 * (gevent's {@code PriorityQueue}, which compares {@code (priority, data)} tuples: use a record and a
 * comparator). Waiting greenlets are still served in FIFO order. Its iterator is in no particular
 * order.
 *
 * @param <T> the item type
 */
public class PriorityQueue<T> extends Queue<T> {

    /** An unbounded queue ordered by the items' natural order. */
    public PriorityQueue() {
        this(0, null);
    }

    /**
     * A queue holding at most {@code maxsize} items ({@code <= 0}: unbounded), by natural order.
     *
     * @param maxsize the most items it holds; {@code <= 0}: unbounded
     */
    public PriorityQueue(int maxsize) {
        this(maxsize, null);
    }

    /**
     * A queue holding at most {@code maxsize} items ({@code <= 0}: unbounded), least first by
     * {@code comparator} (null: natural order).
     *
     * @param maxsize the most items it holds; {@code <= 0}: unbounded
     * @param comparator the order of the items
     */
    public PriorityQueue(int maxsize, Comparator<? super T> comparator) {
        super(maxsize, new java.util.PriorityQueue<>(comparator));
    }
}
