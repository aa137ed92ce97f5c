package io.gevent4j.hub;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.time.Duration;

/**
 * Run by {@link VisibleErrorsTest} in a child JVM whose class path has slf4j-api but no provider: a
 * greenlet dies of an exception and a greenlet holds the hub; both must be seen on standard error.
 */
public final class VisibleErrorsMain {
    private VisibleErrorsMain() {
    }

    public static void main(String[] args) {
        Greenlet<Void> g = Gevent.spawn(() -> {
            throw new IllegalStateException("a failure nobody may miss");
        });
        g.join();
        try (BlockingMonitor m = BlockingMonitor.start(Gevent.getHub(), Duration.ofMillis(100))) {
            Gevent.spawn(() -> {
                long until = System.nanoTime() + 600_000_000L;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait(); // holds the hub's thread
                }
            }).join();
        }
        System.out.println("done");
    }
}
