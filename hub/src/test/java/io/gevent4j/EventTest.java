package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
class EventTest {

    @Test
    void setWakesEveryWaiterInFifoOrder() {
        Event e = new Event();
        List<Integer> order = new ArrayList<>();
        List<Greenlet<Boolean>> gs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            gs.add(Gevent.spawn(() -> {
                boolean r = e.await();
                order.add(n);
                return r;
            }));
        }
        Gevent.sleep(0);
        assertEquals(5, e.waiters());
        assertTrue(order.isEmpty());
        e.set();
        Gevent.joinall(gs);
        assertEquals(List.of(0, 1, 2, 3, 4), order);
        gs.forEach(g -> assertTrue(g.value()));
        assertEquals(0, e.waiters());
    }

    @Test
    void awaitOnASetEventReturnsAtOnceAndClearMakesItBlockAgain() {
        Event e = new Event();
        e.set();
        assertTrue(e.isSet());
        assertTrue(e.ready());
        assertTrue(e.await());
        assertTrue(e.await(Duration.ZERO));
        e.clear();
        assertFalse(e.isSet());
        assertFalse(e.await(Duration.ZERO));
    }

    @Test
    void awaitWithTimeoutReturnsFalseWithoutThrowing() {
        Event e = new Event();
        long t0 = System.nanoTime();
        assertFalse(e.await(Duration.ofMillis(50)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 45, "returned after " + ms + " ms");
        assertEquals(0, e.waiters());
    }

    @Test
    void setThenClearPulseStillWakesWaitersWithTrue() {
        Event e = new Event();
        Greenlet<Boolean> g = Gevent.spawn(() -> e.await(Duration.ofSeconds(5)));
        Gevent.sleep(0);
        e.set();
        e.clear();
        assertTrue(g.get());
        assertFalse(e.isSet());
    }

    @Test
    void killWhileAwaitingRaisesInTheWaiterAndLeavesNoWaiterBehind() {
        Event e = new Event();
        AtomicInteger after = new AtomicInteger();
        Greenlet<Object> g = Gevent.spawn(() -> {
            e.await();
            after.incrementAndGet();
            return null;
        });
        Gevent.sleep(0);
        assertEquals(1, e.waiters());
        g.kill();
        assertInstanceOf(GreenletExit.class, g.killedBy());
        assertEquals(0, e.waiters());
        assertEquals(0, after.get());
        e.set(); // nothing to wake, nothing breaks
        assertTrue(e.await());
    }

    @Test
    void timeoutWhileAwaitingRaisesThatTimeout() {
        Event e = new Event();
        Greenlet<Object> g = Gevent.spawn(() -> {
            Timeout t = Timeout.start(Duration.ofMillis(30));
            try {
                e.await();
                return "set";
            } catch (Timeout caught) {
                return caught == t ? "mine" : "other";
            } finally {
                t.cancel();
            }
        });
        assertEquals("mine", g.get());
        assertEquals(0, e.waiters());
    }

    @Test
    void mainGreenletWaitsWhileAGreenletSetsIt() {
        Event e = new Event();
        Gevent.spawn(() -> {
            Gevent.sleep(20);
            e.set();
        });
        assertTrue(e.await(Duration.ofSeconds(5)));
    }

    @Test
    void mainGreenletWaitingForAnEventNobodyCanSetGetsLoopExit() {
        Event e = new Event();
        assertThrows(io.gevent4j.hub.LoopExit.class, e::await);
        assertEquals(0, e.waiters());
    }

    @Test
    void rawlinkRunsOnceInACallbackOnTheHubAndNeverSynchronously() {
        Event e = new Event();
        Hub hub = Hub.current();
        List<String> calls = new ArrayList<>();
        Runnable link = () -> {
            assertTrue(hub.inHubThread());
            calls.add("link");
        };
        e.rawlink(link);
        e.set();
        assertTrue(calls.isEmpty(), "rawlink callbacks run in a callback, not inside set()");
        Gevent.sleep(0);
        assertEquals(List.of("link"), calls);
        e.clear();
        e.set();
        Gevent.sleep(0);
        assertEquals(List.of("link"), calls, "links are one-shot");
        e.rawlink(link); // already set: runs soon, not inside rawlink
        assertEquals(1, calls.size());
        Gevent.sleep(0);
        assertEquals(2, calls.size());
    }

    @Test
    void unlinkedCallbackDoesNotRun() {
        Event e = new Event();
        AtomicInteger n = new AtomicInteger();
        Runnable link = n::incrementAndGet;
        e.rawlink(link);
        assertTrue(e.unlink(link));
        assertFalse(e.unlink(link));
        e.set();
        Gevent.sleep(0);
        assertEquals(0, n.get());
    }

    @Test
    void geventAwaitAndIwaitAcceptEvents() {
        Event a = new Event();
        Event b = new Event();
        Event c = new Event();
        Gevent.spawnLater(Duration.ofMillis(30), b::set);
        Gevent.spawnLater(Duration.ofMillis(60), a::set);
        List<Event> first = Gevent.await(List.of(a, b, c), 1, Duration.ofSeconds(5));
        assertEquals(List.of(b), first);
        List<Event> order = new ArrayList<>();
        Event x = new Event();
        Event y = new Event();
        Gevent.spawn(() -> {
            Gevent.sleep(5);
            y.set();
            Gevent.sleep(5); // y's links run before x is set
            x.set();
        });
        for (Iterator<Event> it = Gevent.iwait(List.of(x, y), Duration.ofSeconds(5)); it.hasNext(); ) {
            order.add(it.next());
        }
        assertEquals(List.of(y, x), order);
        assertEquals(List.of(), Gevent.await(List.of(new Event()), Duration.ofMillis(20)));
    }

    @Test
    void setFromAnotherPlatformThreadWakesAGreenlet() throws Exception {
        Event e = new Event();
        Greenlet<Boolean> g = Gevent.spawn(() -> e.await(Duration.ofSeconds(5)));
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException ignored) {
                // test thread
            }
            e.set();
        });
        try (var _ = Hub.current().externalWait()) { // the setter may touch it after the hub idles
            t.start();
            assertTrue(g.get());
        }
        t.join();
    }

    @Test
    void aPlatformThreadWaitsForAnEventAGreenletSets() throws Exception {
        Event e = new Event();
        CopyOnWriteArrayList<Object> got = new CopyOnWriteArrayList<>();
        Thread t = new Thread(() -> got.add(e.await(Duration.ofSeconds(5))));
        t.start();
        Gevent.sleep(50);
        e.set();
        t.join(5_000);
        assertEquals(List.of(true), got);
    }

    @Test
    void aPlatformThreadAwaitWithTimeoutReturnsFalse() throws Exception {
        Event e = new Event();
        Object[] got = new Object[1];
        Thread t = new Thread(() -> got[0] = e.await(Duration.ofMillis(30)));
        t.start();
        t.join(5_000);
        assertSame(Boolean.FALSE, got[0]);
        assertEquals(0, e.waiters());
    }
}
