package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
class SemaphoreTest {

    @Test
    void countsPermits() {
        Semaphore s = new Semaphore(2);
        assertEquals(2, s.counter());
        assertTrue(s.tryAcquire());
        s.acquire();
        assertEquals(0, s.counter());
        assertTrue(s.locked());
        assertFalse(s.tryAcquire());
        assertFalse(s.tryAcquire());
        s.release();
        assertEquals(1, s.counter());
        assertThrows(IllegalArgumentException.class, () -> new Semaphore(-1));
    }

    @Test
    void acquireTimeoutReturnsFalse() {
        Semaphore s = new Semaphore(0);
        long t0 = System.nanoTime();
        assertFalse(s.acquire(Duration.ofMillis(40)));
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 35);
        assertEquals(0, s.waiters());
    }

    @Test
    void limitsConcurrency() {
        Semaphore s = new Semaphore(3);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            gs.add(Gevent.spawn(() -> {
                try (Permit _ = s.permit()) {
                    max.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    Gevent.sleep(2);
                    inside.decrementAndGet();
                }
            }));
        }
        Gevent.joinall(gs);
        assertEquals(3, max.get());
        assertEquals(3, s.counter());
    }

    @Test
    void waitersAreWokenInFifoOrderButANewcomerMayTakeAPermitFirst() {
        Semaphore s = new Semaphore(0);
        List<Integer> order = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            gs.add(Gevent.spawn(() -> {
                s.acquire();
                order.add(n);
            }));
        }
        Gevent.sleep(0);
        assertEquals(5, s.waiters());
        s.release();
        // gevent's order: the waiters are woken by a hub callback; until it runs, the permit is free
        // and a newcomer may take it (gevent's Semaphore.acquire takes a free permit at once).
        assertTrue(s.tryAcquire());
        for (int i = 0; i < 5; i++) {
            s.release();
        }
        Gevent.joinall(gs);
        assertEquals(List.of(0, 1, 2, 3, 4), order);
        assertEquals(0, s.counter());
    }

    @Test
    void killWhileBlockedInAcquireLosesNoPermit() {
        Semaphore s = new Semaphore(0);
        Greenlet<Void> a = Gevent.spawn(() -> s.acquire());
        Greenlet<Void> b = Gevent.spawn(() -> s.acquire());
        Gevent.sleep(0);
        a.kill();
        assertInstanceOf(GreenletExit.class, a.killedBy());
        assertEquals(1, s.waiters());
        // Woken and killed before running: the permit passes on to b.
        Greenlet<Void> c = Gevent.spawn(() -> s.acquire());
        Gevent.sleep(0);
        Hub.current().throwTo(b, new GreenletExit());
        s.release();
        c.get(Duration.ofSeconds(5));
        b.join();
        assertInstanceOf(GreenletExit.class, b.killedBy());
        assertEquals(0, s.counter());
        assertEquals(0, s.waiters());
    }

    @Test
    void timeoutWhileBlockedInAcquire() {
        Semaphore s = new Semaphore(0);
        Greenlet<String> g = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(20), () -> {
            s.acquire();
            return "acquired";
        }, "timed out"));
        assertEquals("timed out", g.get());
        assertEquals(0, s.waiters());
        s.release();
        assertEquals(1, s.counter());
    }

    @Test
    void permitReleasesOnceEvenIfClosedTwice() {
        Semaphore s = new Semaphore(1);
        Permit p = s.permit();
        assertEquals(0, s.counter());
        p.close();
        p.close();
        assertEquals(1, s.counter());
    }

    @Test
    void awaitWaitsForAPermitWithoutTakingIt() {
        Semaphore s = new Semaphore(0);
        Greenlet<Integer> w = Gevent.spawn(() -> s.await());
        Greenlet<Void> taker = Gevent.spawn(() -> s.acquire());
        Gevent.sleep(0);
        s.release();
        assertEquals(1, w.get());
        taker.join(Duration.ofSeconds(5));
        assertTrue(taker.successful());
        assertEquals(0, s.counter());
        assertEquals(0, s.await(Duration.ofMillis(10)));
    }

    @Test
    void boundedSemaphoreRefusesOverRelease() {
        BoundedSemaphore s = new BoundedSemaphore(2);
        assertEquals(2, s.bound());
        s.acquire();
        s.release();
        IllegalStateException e = assertThrows(IllegalStateException.class, s::release);
        assertTrue(e.getMessage().contains("too many"));
        assertEquals(2, s.counter());
        try (Permit _ = s.permit()) {
            assertEquals(1, s.counter());
        }
        assertEquals(2, s.counter());
    }

    @Test
    void dummySemaphoreNeverBlocks() {
        Semaphore s = new DummySemaphore();
        for (int i = 0; i < 1000; i++) {
            s.acquire();
        }
        assertTrue(s.acquire(Duration.ZERO));
        assertFalse(s.locked());
        try (Permit _ = s.permit()) {
            assertEquals(Integer.MAX_VALUE, s.counter());
        }
        s.release();
        s.release();
        assertEquals(Integer.MAX_VALUE, s.counter());
    }

    @Test
    void releaseFromAnotherPlatformThreadWakesAGreenlet() throws Exception {
        Semaphore s = new Semaphore(0);
        Greenlet<Boolean> g = Gevent.spawn(() -> s.acquire(Duration.ofSeconds(5)));
        Gevent.sleep(0);
        Thread t = new Thread(s::release);
        try (var _ = Hub.current().externalWait()) {
            t.start();
            assertTrue(g.get());
        }
        t.join();
    }

    @Test
    void aPlatformThreadBlocksInAcquireUntilAGreenletReleases() throws Exception {
        Semaphore s = new Semaphore(0);
        boolean[] got = new boolean[1];
        Thread t = new Thread(() -> got[0] = s.acquire(Duration.ofSeconds(5)));
        t.start();
        Gevent.sleep(30);
        s.release();
        t.join(5_000);
        assertTrue(got[0]);
        assertEquals(0, s.counter());
    }

    @Test
    void geventAwaitAcceptsSemaphores() {
        Semaphore s = new Semaphore(0);
        assertFalse(s.ready());
        assertEquals(List.of(), Gevent.await(List.of(s), Duration.ofMillis(10)));
        Gevent.spawnLater(Duration.ofMillis(10), s::release);
        assertEquals(List.of(s), Gevent.await(List.of(s), Duration.ofSeconds(5)));
        assertTrue(s.ready());
        assertTrue(s.tryAcquire(), "waiting did not take the permit");
        assertTrue(new DummySemaphore().ready());
        Semaphore dummy = new DummySemaphore();
        assertEquals(List.of(dummy), Gevent.await(List.of(dummy), Duration.ofSeconds(5)));
    }
}
