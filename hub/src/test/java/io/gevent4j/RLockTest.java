package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
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
class RLockTest {

    @Test
    void isReentrantForItsOwner() {
        RLock lock = new RLock();
        lock.acquire();
        lock.acquire();
        assertTrue(lock.isOwned());
        assertEquals(2, lock.holdCount());
        lock.release();
        assertTrue(lock.locked());
        lock.release();
        assertFalse(lock.locked());
        assertEquals(0, lock.holdCount());
    }

    @Test
    void releaseByANonOwnerThrows() {
        RLock lock = new RLock();
        assertThrows(IllegalMonitorStateException.class, lock::release);
        lock.acquire();
        Greenlet<Object> other = Gevent.spawn(() -> {
            assertFalse(lock.isOwned());
            assertFalse(lock.tryAcquire());
            lock.release();
            return null;
        });
        other.join();
        assertInstanceOf(IllegalMonitorStateException.class, other.exception());
        assertTrue(lock.isOwned());
        lock.release();
    }

    @Test
    void excludesOtherGreenletsAcrossBlockingCalls() {
        RLock lock = new RLock();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            gs.add(Gevent.spawn(() -> {
                try (Permit _ = lock.permit()) {
                    try (Permit _ = lock.permit()) {
                        max.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        Gevent.sleep(1);
                        inside.decrementAndGet();
                    }
                }
            }));
        }
        Gevent.joinall(gs);
        gs.forEach(g -> assertTrue(g.successful()));
        assertEquals(1, max.get());
        assertFalse(lock.locked());
    }

    @Test
    void waitersAcquireInFifoOrder() {
        RLock lock = new RLock();
        lock.acquire();
        List<Integer> order = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            gs.add(Gevent.spawn(() -> {
                lock.acquire();
                order.add(n);
                lock.release();
            }));
        }
        Gevent.sleep(0);
        assertEquals(5, lock.waiters());
        lock.release();
        Gevent.joinall(gs);
        assertEquals(List.of(0, 1, 2, 3, 4), order);
    }

    @Test
    void killWhileBlockedInAcquireLeavesTheLockUsable() {
        RLock lock = new RLock();
        lock.acquire();
        Greenlet<Void> a = Gevent.spawn(() -> lock.acquire());
        Greenlet<Boolean> b = Gevent.spawn(() -> lock.acquire(Duration.ofSeconds(5)));
        Gevent.sleep(0);
        a.kill();
        assertInstanceOf(GreenletExit.class, a.killedBy());
        lock.release();
        assertTrue(b.get());
        assertFalse(lock.isOwned());
        assertTrue(lock.locked(), "b died holding it: it stays held, as in gevent");
        assertEquals(0, lock.waiters());
    }

    @Test
    void acquireTimesOutAndTimeoutIsRaisedWhileBlocked() {
        RLock lock = new RLock();
        Greenlet<Void> holder = Gevent.spawn(() -> {
            lock.acquire();
            Gevent.sleep(5_000);
        });
        Gevent.sleep(0);
        assertFalse(lock.acquire(Duration.ofMillis(20)));
        Greenlet<String> g = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(20), () -> {
            lock.acquire();
            return "acquired";
        }, "timed out"));
        assertEquals("timed out", g.get());
        assertEquals(0, lock.waiters());
        holder.kill();
    }
}
