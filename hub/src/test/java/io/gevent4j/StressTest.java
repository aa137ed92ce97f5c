package io.gevent4j;

import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many greenlets at once. */
@ExtendWith(FreshHub.class)
class StressTest {

    @Test
    @Timeout(30)
    void tenThousandSleepingGreenlets() {
        Hub hub = Gevent.getHub();
        SplittableRandom rnd = new SplittableRandom(42);
        AtomicInteger counter = new AtomicInteger();
        List<Greenlet<Void>> gs = new ArrayList<>(10_000);
        for (int i = 0; i < 10_000; i++) {
            long ms = rnd.nextLong(21); // 0..20 ms
            gs.add(Gevent.spawn(() -> {
                Gevent.sleep(ms);
                counter.incrementAndGet();
            }));
        }
        List<Greenlet<Void>> done = Gevent.joinall(gs);
        assertEquals(10_000, done.size());
        assertEquals(10_000, counter.get());
        assertTrue(gs.stream().allMatch(Greenlet::successful));
        assertEquals(0, hub.liveGreenlets());
    }

    @Test
    @Timeout(30)
    void tenThousandGreenletsMixingJdkAndGeventBlocking() {
        Hub hub = Gevent.getHub();
        SplittableRandom rnd = new SplittableRandom(7);
        AtomicInteger counter = new AtomicInteger();
        List<Greenlet<Void>> gs = new ArrayList<>(10_000);
        for (int i = 0; i < 10_000; i++) {
            long ms = rnd.nextLong(21);
            boolean jdk = (i & 1) == 0;
            gs.add(Gevent.spawn(() -> {
                if (jdk) {
                    Thread.sleep(ms);
                } else {
                    Gevent.sleep(ms);
                }
                counter.incrementAndGet();
                return null;
            }));
        }
        Gevent.joinall(gs);
        assertEquals(10_000, counter.get());
        assertEquals(0, hub.liveGreenlets());
    }

    @Test
    @Timeout(30)
    void killingThousandsOfSleepingGreenlets() {
        Hub hub = Gevent.getHub();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            int id = i;
            gs.add(Gevent.spawn(() -> {
                if (id % 2 == 0) {
                    Gevent.sleep(60_000);
                } else {
                    Thread.sleep(60_000);
                }
                return null;
            }));
        }
        Gevent.sleep(20);
        Gevent.killall(gs);
        assertTrue(gs.stream().allMatch(Greenlet::successful));
        assertEquals(0, hub.liveGreenlets());
    }
}
