package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
class ChannelTest {

    @Test
    void putWaitsForAGet() {
        Channel<String> ch = new Channel<>();
        List<String> log = new ArrayList<>();
        Greenlet<Void> putter = Gevent.spawn(() -> {
            ch.put("x");
            log.add("put returned");
        });
        Gevent.sleep(20);
        assertFalse(putter.ready());
        assertEquals(1, ch.putting());
        assertEquals(1, ch.balance());
        assertEquals("x", ch.get());
        putter.join();
        assertEquals(List.of("put returned"), log);
        assertEquals(0, ch.qsize());
        assertTrue(ch.empty());
        assertTrue(ch.full());
        assertEquals(0, ch.maxsize());
    }

    @Test
    void getWaitsForAPut() {
        Channel<String> ch = new Channel<>();
        Greenlet<String> getter = Gevent.spawn(() -> ch.get());
        Gevent.sleep(0);
        assertEquals(1, ch.getting());
        assertEquals(-1, ch.balance());
        ch.put("y");
        assertEquals("y", getter.get());
    }

    @Test
    void nonBlockingVariantsNeedAPartnerWaiting() {
        Channel<String> ch = new Channel<>();
        assertThrows(Queue.Full.class, () -> ch.putNowait("a"));
        assertThrows(Queue.Empty.class, ch::getNowait);
        Greenlet<String> getter = Gevent.spawn(() -> ch.get());
        Gevent.sleep(0);
        ch.putNowait("handed");
        assertThrows(Queue.Full.class, () -> ch.putNowait("no second getter"));
        assertEquals("handed", getter.get());
        Greenlet<Void> putter = Gevent.spawn(() -> ch.put("offered"));
        Gevent.sleep(0);
        assertEquals("offered", ch.getNowait());
        putter.join();
    }

    @Test
    void putTimeoutWithdrawsTheItem() {
        Channel<String> ch = new Channel<>();
        assertThrows(Queue.Full.class, () -> ch.put("late", Duration.ofMillis(20)));
        assertEquals(0, ch.putting());
        assertThrows(Queue.Empty.class, () -> ch.get(Duration.ofMillis(20)));
        assertEquals(0, ch.getting());
    }

    @Test
    void killWhileBlockedInPutWithdrawsTheItem() {
        Channel<String> ch = new Channel<>();
        Greenlet<Void> putter = Gevent.spawn(() -> ch.put("never"));
        Gevent.sleep(0);
        putter.kill();
        assertInstanceOf(GreenletExit.class, putter.killedBy());
        assertEquals(0, ch.putting());
        assertThrows(Queue.Empty.class, ch::getNowait);
    }

    @Test
    void killWhileBlockedInGetAndTheNextGetterGetsTheItem() {
        Channel<String> ch = new Channel<>();
        Greenlet<String> a = Gevent.spawn(() -> ch.get());
        Greenlet<String> b = Gevent.spawn(() -> ch.get());
        Gevent.sleep(0);
        Hub.current().throwTo(a, new GreenletExit()); // killed while...
        Greenlet<Void> putter = Gevent.spawn(() -> ch.put("z")); // ...being offered an item
        assertEquals("z", b.get(Duration.ofSeconds(5)));
        putter.join();
        a.join();
        assertInstanceOf(GreenletExit.class, a.killedBy());
        assertEquals(0, ch.getting());
    }

    @Test
    void timeoutWhileBlockedInGet() {
        Channel<String> ch = new Channel<>();
        Greenlet<String> g = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(20), () -> ch.get(), "none"));
        assertEquals("none", g.get());
        assertEquals(0, ch.getting());
    }

    @Test
    void puttersAndGettersAreServedInFifoOrder() {
        Channel<Integer> ch = new Channel<>();
        List<Integer> returned = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int n = i;
            Gevent.spawn(() -> {
                ch.put(n);
                returned.add(n);
            });
        }
        Gevent.sleep(0);
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            got.add(ch.get());
        }
        Gevent.sleep(0);
        assertEquals(List.of(0, 1, 2, 3), got);
        assertEquals(List.of(0, 1, 2, 3), returned);
    }

    @Test
    void manyGreenletsHandOffEveryItemExactlyOnce() {
        Channel<Integer> ch = new Channel<>();
        Set<Integer> got = Collections.synchronizedSet(new HashSet<>());
        List<Greenlet<Void>> gs = new ArrayList<>();
        int n = 2000;
        for (int i = 0; i < n; i++) {
            int v = i;
            gs.add(Gevent.spawn(() -> ch.put(v)));
            gs.add(Gevent.spawn(() -> {
                assertTrue(got.add(ch.get()));
            }));
        }
        Gevent.joinall(gs);
        gs.forEach(g -> assertTrue(g.successful(), () -> String.valueOf(g.exception())));
        assertEquals(n, got.size());
    }
}
