package io.gevent4j.loop.sim;

import java.nio.ByteBuffer;

/** A growable FIFO of bytes (a ring): a simulated socket's receive buffer. */
final class ByteQueue {
    private byte[] buf = new byte[256];
    private int head;
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        head = 0;
        size = 0;
    }

    void add(byte[] b) {
        if (size + b.length > buf.length) {
            byte[] n = new byte[Math.max(buf.length * 2, size + b.length)];
            int first = Math.min(size, buf.length - head);
            System.arraycopy(buf, head, n, 0, first);
            System.arraycopy(buf, 0, n, first, size - first);
            buf = n;
            head = 0;
        }
        int tail = (head + size) % buf.length;
        int first = Math.min(b.length, buf.length - tail);
        System.arraycopy(b, 0, buf, tail, first);
        System.arraycopy(b, first, buf, 0, b.length - first);
        size += b.length;
    }

    /** Moves {@code n <= size} bytes into {@code dst}. */
    void take(ByteBuffer dst, int n) {
        int first = Math.min(n, buf.length - head);
        dst.put(buf, head, first);
        dst.put(buf, 0, n - first);
        head = (head + n) % buf.length;
        size -= n;
        if (size == 0) {
            head = 0;
        }
    }
}
