package io.gevent4j.hub;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class BlockingMonitorTest {

    private static long spin(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        long x = 0;
        while (System.nanoTime() < end) {
            x++;
        }
        return x;
    }

    @Test
    void reportsAGreenletThatHoldsTheHubWithItsStack() {
        List<BlockingMonitor.Report> reports = new CopyOnWriteArrayList<>();
        Hub hub = Gevent.getHub();
        try (BlockingMonitor m = BlockingMonitor.start(hub, Duration.ofMillis(100), reports::add)) {
            Thread[] culprit = new Thread[1];
            Greenlet<Long> g = Gevent.spawn(() -> {
                culprit[0] = Thread.currentThread();
                return spin(600);
            });
            g.join();
            assertEquals(1, reports.size(), "one report per blocking episode: " + reports);
            BlockingMonitor.Report r = reports.get(0);
            assertSame(culprit[0], r.culprit());
            assertSame(hub, r.hub());
            assertTrue(r.blockedFor().toMillis() >= 100, r.toString());
            assertTrue(Arrays.stream(r.stack()).anyMatch(e -> e.getMethodName().contains("spin")), r.toString());
        }
    }

    @Test
    void cooperativeGreenletsAreNotReported() {
        List<BlockingMonitor.Report> reports = new CopyOnWriteArrayList<>();
        // A generous limit: on a loaded 2-core machine the OS alone can stall the hub's thread for a
        // hundred milliseconds, which the monitor would rightly report; no callback here runs > 2 ms.
        try (BlockingMonitor m = BlockingMonitor.start(Gevent.getHub(), Duration.ofMillis(1000), reports::add)) {
            List<Greenlet<Void>> gs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                gs.add(Gevent.spawn(() -> {
                    for (int k = 0; k < 10; k++) {
                        Gevent.sleep(20);
                        spin(1);
                    }
                }));
            }
            Gevent.joinall(gs);
            Gevent.sleep(300); // the hub idles in its poller: not blocked either
            assertTrue(reports.isEmpty(), reports.toString());
        }
    }

    @Test
    void rejectsANonPositiveLimit() {
        Hub hub = Gevent.getHub();
        assertFalse(assertThrowsIae(() -> BlockingMonitor.start(hub, Duration.ZERO)).isEmpty());
    }

    private static String assertThrowsIae(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected IllegalArgumentException");
    }
}
