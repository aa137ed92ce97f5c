package io.gevent4j;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A greenlet that ticks every few milliseconds on the current hub: while something else runs on the
 * hub, the ticks counted tell whether the hub kept going round its loop (a blocked hub counts none).
 */
public final class Ticker implements AutoCloseable {
    private final AtomicInteger ticks = new AtomicInteger();
    private final Greenlet<Void> greenlet;

    private Ticker(long periodMillis) {
        greenlet = Gevent.spawn(() -> {
            while (true) {
                Gevent.sleep(periodMillis);
                ticks.incrementAndGet();
            }
        });
    }

    /** Starts ticking every {@code periodMillis} on the current hub. */
    public static Ticker start(long periodMillis) {
        return new Ticker(periodMillis);
    }

    /** Ticks so far. */
    public int ticks() {
        return ticks.get();
    }

    @Override
    public void close() {
        greenlet.kill();
    }
}
