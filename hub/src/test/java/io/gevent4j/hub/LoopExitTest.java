package io.gevent4j.hub;

import io.gevent4j.FreshHub;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoopExit instead of a hang, BlockingSwitchOutError instead of a deadlock, errors in callbacks. */
@ExtendWith(FreshHub.class)
class LoopExitTest {

    @Test
    @Timeout(10)
    void ownerWaitingOnAWaiterNothingCanWakeGetsLoopExitQuickly() {
        Waiter<String> w = new Waiter<>();
        long t0 = System.nanoTime();
        LoopExit e = assertThrows(LoopExit.class, w::get);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2));
        assertTrue(e.getMessage().contains("block forever"), e.getMessage());
        assertTrue(e.getMessage().contains("Waiter"), "names what it waited for: " + e.getMessage());
        // the hub is still usable
        Gevent.sleep(1);
        assertEquals("fine", Gevent.spawn(() -> "fine").get());
    }

    @Test
    @Timeout(10)
    void joiningAGreenletBlockedForeverGetsLoopExit() {
        Waiter<String> never = new Waiter<>();
        Greenlet<String> g = Gevent.spawn(never::get);
        LoopExit e = assertThrows(LoopExit.class, g::join);
        assertTrue(e.getMessage().contains("block forever"), e.getMessage());
        assertThrows(LoopExit.class, () -> Gevent.joinall(List.of(g)));
        // it can still be woken, and then joined
        never.switchTo("late");
        assertEquals("late", g.get());
    }

    @Test
    @Timeout(10)
    void killingAGreenletBlockedForeverWorks() {
        Greenlet<String> g = Gevent.spawn(() -> new Waiter<String>().get());
        assertThrows(LoopExit.class, g::join);
        g.kill();
        assertInstanceOf(GreenletExit.class, g.killedBy());
        assertEquals(0, Hub.current().liveGreenlets());
    }

    @Test
    @Timeout(10)
    void aGreenletInThreadSleepDoesNotCauseLoopExit() {
        Greenlet<String> g = Gevent.spawn(() -> {
            Thread.sleep(50);
            return "woke";
        });
        assertEquals("woke", assertDoesNotThrow(() -> g.get()));
    }

    @Test
    @Timeout(10)
    void aGreenletWaitingForAnotherThreadDoesNotCauseLoopExit() {
        var q = new java.util.concurrent.SynchronousQueue<String>();
        Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(50);
                q.put("from another thread");
            } catch (InterruptedException ignored) {
                // test over
            }
        });
        Greenlet<String> g = Gevent.spawn(q::take);
        assertEquals("from another thread", g.get());
    }

    @Test
    @Timeout(10)
    void anAnnouncedExternalWaitPreventsLoopExit() throws Exception {
        Hub hub = Hub.current();
        Waiter<String> w = new Waiter<>();
        Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException ignored) {
                return;
            }
            w.switchTo("woken from outside");
        });
        try (AutoCloseable ignored = hub.externalWait()) {
            assertEquals("woken from outside", w.get());
        }
        // closed: nothing to wait for any more
        assertThrows(LoopExit.class, () -> new Waiter<>().get());
    }

    @Test
    @Timeout(10)
    void waitingWithATimeoutIsNotLoopExit() {
        Waiter<String> w = new Waiter<>();
        assertEquals(false, w.await(Duration.ofMillis(10)));
    }

    @Test
    @Timeout(10)
    void blockingInALoopCallbackIsABlockingSwitchOutErrorNotAHang() {
        Hub hub = Hub.current();
        try (LogCapture log = LogCapture.hub()) {
            List<String> out = Collections.synchronizedList(new ArrayList<>());
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            hub.loop().runCallback(() -> {
                try {
                    Gevent.sleep(10);
                    out.add("slept in callback");
                } catch (Throwable e) {
                    thrown.set(e);
                    throw e;
                }
            });
            hub.loop().runCallback(() -> out.add("next callback"));
            long t0 = System.nanoTime();
            Gevent.sleep(20);
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2));
            assertInstanceOf(BlockingSwitchOutError.class, thrown.get());
            assertEquals(List.of("next callback"), out);
            assertEquals(1, log.withException(BlockingSwitchOutError.class).size(),
                    "reported through the loop's error handler: " + log.events());
            // and the hub works
            assertEquals(1, Gevent.spawn(() -> 1).get());
        }
    }

    @Test
    @Timeout(10)
    void joiningInALinkCallbackIsABlockingSwitchOutError() {
        try (LogCapture log = LogCapture.hub()) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Greenlet<Void> other = Gevent.spawn(() -> Gevent.sleep(5_000));
            Greenlet<Void> g = Gevent.spawn(() -> { });
            g.rawlink(() -> {
                try {
                    other.join();
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            g.join();
            Gevent.sleep(1);
            assertInstanceOf(BlockingSwitchOutError.class, thrown.get());
            other.kill();
        }
    }

    @Test
    @Timeout(10)
    void anExceptionInALoopCallbackIsReportedOnceAndTheLoopGoesOn() {
        Hub hub = Hub.current();
        try (LogCapture log = LogCapture.hub()) {
            List<String> out = Collections.synchronizedList(new ArrayList<>());
            hub.loop().runCallback(() -> {
                throw new IllegalStateException("callback failed");
            });
            hub.loop().runCallback(() -> out.add("after"));
            Gevent.sleep(5);
            assertEquals(List.of("after"), out);
            assertEquals(1, log.withException(IllegalStateException.class).size(), log.events().toString());
        }
    }

    @Test
    @Timeout(10)
    void hubJoinRunsUntilNothingIsLeft() {
        Hub hub = Hub.current();
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Gevent.spawn(() -> {
            Gevent.sleep(10);
            out.add("a");
        });
        Gevent.spawn(() -> {
            Gevent.spawn(() -> {
                Gevent.sleep(20);
                out.add("b");
            });
        });
        hub.join();
        assertEquals(List.of("a", "b"), out);
        assertEquals(0, hub.liveGreenlets());
    }

    @Test
    @Timeout(10)
    void hubJoinReturnsWhenTheRemainingGreenletsCanNeverWake() {
        Hub hub = Hub.current();
        Greenlet<Object> stuck = Gevent.spawn(() -> new Waiter<>().get());
        hub.join();
        assertEquals(1, hub.liveGreenlets());
        stuck.kill();
        assertEquals(0, hub.liveGreenlets());
    }

    @Test
    @Timeout(10)
    void hubJoinFromAGreenletIsRejected() {
        Greenlet<Void> g = Gevent.spawn(() -> Hub.current().join());
        try (LogCapture ignored = LogCapture.hub()) {
            g.join();
        }
        assertInstanceOf(IllegalStateException.class, g.exception());
    }

    @Test
    @Timeout(10)
    void anArmedTimeoutCanWakeTheOwnerSoItIsNotLoopExit() {
        try (io.gevent4j.Timeout t = io.gevent4j.Timeout.start(Duration.ofMillis(20))) {
            io.gevent4j.Timeout thrown = assertThrows(io.gevent4j.Timeout.class, () -> new Waiter<>().get());
            assertEquals(t, thrown);
        }
    }
}
