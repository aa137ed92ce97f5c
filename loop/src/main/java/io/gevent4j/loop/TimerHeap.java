package io.gevent4j.loop;

import java.util.Arrays;

/**
 * A binary min-heap of active timers ordered by (deadline, start order), so that timers due at the
 * same instant fire in the order they were started. Each timer remembers its index for O(log n)
 * removal. Loop-thread only.
 */
final class TimerHeap {
    private TimerWatcher[] heap = new TimerWatcher[16];
    private int size;
    private long nextSeq;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    TimerWatcher peek() {
        return size == 0 ? null : heap[0];
    }

    void add(TimerWatcher t) {
        if (t.heapIndex >= 0) {
            throw new IllegalStateException("timer already queued");
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        t.seq = nextSeq++;
        heap[size] = t;
        t.heapIndex = size;
        size++;
        siftUp(t.heapIndex);
    }

    void remove(TimerWatcher t) {
        int i = t.heapIndex;
        if (i < 0) {
            return;
        }
        t.heapIndex = -1;
        size--;
        if (i == size) {
            heap[size] = null;
            return;
        }
        TimerWatcher last = heap[size];
        heap[size] = null;
        heap[i] = last;
        last.heapIndex = i;
        siftDown(i);
        if (heap[i] == last) {
            siftUp(i);
        }
    }

    /** Removes and returns the earliest timer. */
    TimerWatcher poll() {
        TimerWatcher t = heap[0];
        remove(t);
        return t;
    }

    void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].heapIndex = -1;
            heap[i] = null;
        }
        size = 0;
    }

    private static boolean less(TimerWatcher a, TimerWatcher b) {
        long d = a.deadline - b.deadline;
        return d < 0 || (d == 0 && a.seq < b.seq);
    }

    private void siftUp(int i) {
        TimerWatcher t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            TimerWatcher p = heap[parent];
            if (!less(t, p)) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = t;
        t.heapIndex = i;
    }

    private void siftDown(int i) {
        TimerWatcher t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            TimerWatcher c = heap[child];
            int right = child + 1;
            if (right < size && less(heap[right], c)) {
                child = right;
                c = heap[child];
            }
            if (!less(c, t)) {
                break;
            }
            heap[i] = c;
            c.heapIndex = i;
            i = child;
        }
        heap[i] = t;
        t.heapIndex = i;
    }
}
