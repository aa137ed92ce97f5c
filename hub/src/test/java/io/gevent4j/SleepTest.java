package io.gevent4j;

import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gevent's sleep and idle. */
@ExtendWith(FreshHub.class)
class SleepTest {

    @Test
    @Timeout(10)
    void sleepLastsAtLeastItsDurationOnTheOwnerThread() {
        for (long ms : new long[]{1, 15, 40}) {
            long t0 = System.nanoTime();
            Gevent.sleep(ms);
            long took = System.nanoTime() - t0;
            assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(ms), "sleep(" + ms + ") took " + took + " ns");
        }
        long t0 = System.nanoTime();
        Gevent.sleep(Duration.ofMillis(25));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(25));
    }

    @Test
    @Timeout(10)
    void sleepLastsAtLeastItsDurationInAGreenlet() {
        List<Greenlet<Long>> gs = new ArrayList<>();
        for (long ms : new long[]{1, 7, 20, 33}) {
            gs.add(Gevent.spawn(() -> {
                long t0 = System.nanoTime();
                Gevent.sleep(ms);
                long took = System.nanoTime() - t0;
                assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(ms), "sleep(" + ms + ") took " + took + " ns");
                return took;
            }));
        }
        Gevent.joinall(gs);
        for (Greenlet<Long> g : gs) {
            assertTrue(g.successful(), String.valueOf(g.exception()));
        }
    }

    @Test
    @Timeout(10)
    void sleepZeroYieldsToEveryRunnableGreenletAndComesBack() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> a = Gevent.spawn(() -> {
            out.add("a1");
            Gevent.sleep(0);
            out.add("a2");
        });
        Greenlet<Void> b = Gevent.spawn(() -> {
            out.add("b");
        });
        Greenlet<Void> c = Gevent.spawn(() -> {
            out.add("c");
        });
        Gevent.joinall(List.of(a, b, c));
        assertEquals(List.of("a1", "b", "c", "a2"), out);
    }

    @Test
    @Timeout(10)
    void sleepZeroWithNothingElseRunnableReturnsAtOnce() {
        Greenlet<Void> g = Gevent.spawn(() -> {
            for (int i = 0; i < 1000; i++) {
                Gevent.sleep(0);
            }
        });
        g.join();
        assertTrue(g.successful());
        Gevent.sleep(0); // on the owner, too
        Gevent.sleep(Duration.ZERO);
        Gevent.sleep(Duration.ofMillis(-5)); // negative: like zero
    }

    @Test
    @Timeout(10)
    void sleepZeroOnTheOwnerLetsRunnableGreenletsRun() {
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            Gevent.spawn(() -> {
                ran.incrementAndGet();
            });
        }
        assertEquals(0, ran.get());
        Gevent.sleep(0);
        assertEquals(3, ran.get());
    }

    @Test
    @Timeout(10)
    void idleReturnsOnceEverythingRunnableRan() {
        AtomicInteger steps = new AtomicInteger();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            gs.add(Gevent.spawn(() -> {
                for (int j = 0; j < 5; j++) {
                    steps.incrementAndGet();
                    Gevent.sleep(0);
                }
            }));
        }
        Gevent.idle();
        assertEquals(15, steps.get());
        assertTrue(gs.stream().allMatch(Greenlet::ready));
    }

    @Test
    @Timeout(10)
    void idleInAGreenletDoesNotWaitForTimers() {
        Greenlet<Void> sleeper = Gevent.spawn(() -> Gevent.sleep(5_000));
        Greenlet<Boolean> idler = Gevent.spawn(() -> {
            Gevent.idle();
            return sleeper.ready();
        });
        assertEquals(false, idler.get(Duration.ofSeconds(2)));
        sleeper.kill();
        assertTrue(sleeper.ready());
    }

    @Test
    @Timeout(10)
    void sleepingGreenletsDoNotKeepAnythingLive() {
        Hub hub = Gevent.getHub();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            gs.add(Gevent.spawn(() -> Gevent.sleep(2)));
        }
        Gevent.joinall(gs);
        assertEquals(0, hub.liveGreenlets());
    }

    @Test
    @Timeout(10)
    void aVeryLongSleepJustSleepsUntilKilled() {
        Greenlet<Void> a = Gevent.spawn(() -> Gevent.sleep(Long.MAX_VALUE));
        Greenlet<Void> b = Gevent.spawn(() -> Gevent.sleep(Duration.ofDays(365 * 1000L)));
        Gevent.sleep(5);
        assertTrue(!a.ready() && !b.ready(), a + " " + b);
        Gevent.killall(List.of(a, b));
        assertTrue(a.successful() && b.successful(), a + " " + b);
    }
}
