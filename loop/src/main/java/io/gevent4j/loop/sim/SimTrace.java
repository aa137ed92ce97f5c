package io.gevent4j.loop.sim;

import io.gevent4j.loop.Loop;

import java.util.Locale;

/**
 * What a {@link SimKernel} did: a running digest of every event (two runs of one seed must agree on it)
 * and a ring of the last events for failure reports. Hot-path events are stored as an operation and two
 * numbers and formatted only when shown.
 */
final class SimTrace {
    private long hash = 0x243F6A8885A308D3L;
    private long count;
    private long[] when;
    private String[] what;
    private int[] a;
    private long[] n;

    SimTrace(int capacity) {
        resize(capacity);
    }

    void resize(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        when = new long[capacity];
        what = new String[capacity];
        a = new int[capacity];
        n = new long[capacity];
        count = 0;
    }

    long hash() {
        return hash;
    }

    /** Mixes a callback's end time into the digest (no entry in the ring). */
    void tick(long elapsed) {
        long h = (hash ^ elapsed) * 0x9E3779B97F4A7C15L;
        hash = h ^ (h >>> 29);
    }

    /** An event described by {@code text} ({@code id}: the socket; {@code value}: a number that matters). */
    void add(long elapsed, long at, String text, int id, long value) {
        put(elapsed, at, text, text.hashCode(), id, 0, value);
    }

    /**
     * A hot-path event: {@code op} is "read", "write" (of descriptor {@code arg}, {@code value} bytes),
     * "arrive" ({@code value} bytes at socket {@code arg}) or "poll" (descriptor {@code arg} ready for
     * mask {@code value}).
     */
    void op(long elapsed, long at, String op, int arg, long value, int id) {
        put(elapsed, at, op, op.hashCode() ^ ((long) arg << 40), id, arg, value);
    }

    private void put(long elapsed, long at, String text, long key, int id, int arg, long value) {
        long h = hash;
        h = (h ^ elapsed) * 0x9E3779B97F4A7C15L;
        h = (h ^ key) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (((long) id << 32) | (value & 0xffffffffL))) * 0x94D049BB133111EBL;
        hash = h ^ (h >>> 31);
        int slot = (int) (count++ % when.length);
        when[slot] = at;
        what[slot] = text;
        a[slot] = arg;
        n[slot] = value;
    }

    /** The last events, oldest first, one a line, with their times (ms since {@code origin}). */
    String tail(long origin) {
        StringBuilder b = new StringBuilder();
        int size = when.length;
        for (long i = Math.max(0, count - size); i < count; i++) {
            int slot = (int) (i % size);
            b.append(String.format(Locale.ROOT, "%12.6f ms  %s%n", (when[slot] - origin) / 1e6,
                    format(what[slot], a[slot], n[slot])));
        }
        return b.toString();
    }

    private static String format(String what, int a, long n) {
        return switch (what) {
            case "read" -> "read(" + a + ") = " + n;
            case "write" -> "write(" + a + ") = " + n;
            case "arrive" -> n + " byte(s) arrive at sock#" + a;
            case "poll" -> "poll: fd " + a + (n == Loop.READ ? " readable" : n == Loop.WRITE ? " writable"
                    : " readable+writable");
            default -> what;
        };
    }
}
