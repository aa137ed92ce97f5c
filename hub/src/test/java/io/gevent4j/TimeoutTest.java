package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Waiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gevent's Timeout and with_timeout. */
@ExtendWith(FreshHub.class)
class TimeoutTest {

    private static void busy(long ms) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void timeoutIsThrownAtTheBlockingPointOfItsGreenlet() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Timeout> g = Gevent.spawn(() -> {
            Timeout t = Timeout.start(Duration.ofMillis(20));
            try {
                out.add("before");
                Gevent.sleep(5_000);
                out.add("after");
                return null;
            } catch (Timeout e) {
                assertSame(t, e, "our own timeout");
                out.add("timed out");
                return e;
            }
        });
        long t0 = System.nanoTime();
        Timeout thrown = g.get();
        long took = System.nanoTime() - t0;
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(20), "fired after " + took + " ns");
        assertTrue(took < TimeUnit.SECONDS.toNanos(4));
        assertEquals(List.of("before", "timed out"), out);
        assertEquals(Duration.ofMillis(20), thrown.duration());
        assertFalse(thrown.pending());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void timeoutDoesNotInterruptCodeThatDoesNotBlock() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> g = Gevent.spawn(() -> {
            Timeout t = Timeout.start(Duration.ofMillis(5));
            try {
                busy(40);                 // expires meanwhile: nothing happens yet
                out.add("busy part done");
                Gevent.sleep(1_000);      // the next blocking point
                out.add("slept");
            } catch (Timeout e) {
                assertSame(t, e);
                out.add("timed out");
            }
        });
        g.join();
        assertEquals(List.of("busy part done", "timed out"), out);
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void timeoutThatExpiredWhileBusyGoesOffAtTheNextWait() {
        Greenlet<Object> g = Gevent.spawn(() -> {
            Timeout t = Timeout.start(Duration.ofMillis(5));
            busy(30);
            try {
                return new Waiter<>().get(); // would wait forever
            } catch (Timeout e) {
                return e == t ? "own" : e;
            }
        });
        assertEquals("own", g.get(Duration.ofSeconds(5)));
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void cancelAndCloseDisarm() {
        Greenlet<String> g = Gevent.spawn(() -> {
            Timeout a = Timeout.start(Duration.ofMillis(10));
            assertTrue(a.pending());
            a.cancel();
            assertFalse(a.pending());
            a.cancel(); // idempotent
            try (Timeout b = Timeout.start(Duration.ofMillis(10))) {
                assertTrue(b.pending());
            }
            Gevent.sleep(40);
            return "not timed out";
        });
        assertEquals("not timed out", g.get());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void tryWithResourcesScopesATimeout() {
        Greenlet<String> g = Gevent.spawn(() -> {
            try (Timeout t = Timeout.start(Duration.ofMillis(15))) {
                Gevent.sleep(1_000);
                return "slept";
            } catch (Timeout e) {
                return "timed out";
            }
        });
        assertEquals("timed out", g.get());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void nestedTimeoutsAreToldApartByIdentity() {
        // inner longer than outer: the outer fires, the inner block must let it through
        Greenlet<String> g = Gevent.spawn(() -> {
            Timeout outer = Timeout.start(Duration.ofMillis(20));
            try {
                Timeout inner = Timeout.start(Duration.ofMillis(2_000));
                try {
                    Gevent.sleep(5_000);
                    return "slept";
                } catch (Timeout e) {
                    if (e != inner) {
                        throw e;
                    }
                    return "inner";
                } finally {
                    inner.cancel();
                }
            } catch (Timeout e) {
                assertSame(outer, e);
                return "outer";
            } finally {
                outer.cancel();
            }
        });
        assertEquals("outer", g.get());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void innerShorterTimeoutIsCaughtByItsOwner() {
        Greenlet<String> g = Gevent.spawn(() -> {
            try (Timeout outer = Timeout.start(Duration.ofMillis(2_000))) {
                Timeout inner = Timeout.start(Duration.ofMillis(10));
                try {
                    Gevent.sleep(5_000);
                    return "slept";
                } catch (Timeout e) {
                    if (e != inner) {
                        throw e;
                    }
                } finally {
                    inner.cancel();
                }
                Gevent.sleep(20); // the outer is still armed and has not fired
                return "inner";
            } catch (Timeout e) {
                return "outer";
            }
        });
        assertEquals("inner", g.get());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void nullTimeoutNeverFires() {
        Greenlet<String> g = Gevent.spawn(() -> {
            Timeout t = Timeout.start(null);
            assertFalse(t.pending());
            assertNull(t.duration());
            Gevent.sleep(30);
            t.cancel();
            return Gevent.withTimeout(null, () -> {
                Gevent.sleep(10);
                return "done";
            });
        });
        assertEquals("done", g.get());
    }

    @Test
    void negativeTimeoutIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Timeout(Duration.ofMillis(-1)));
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void withTimeoutReturnsTheTaskValueWhenInTime() {
        assertEquals("quick", Gevent.withTimeout(Duration.ofSeconds(5), () -> {
            Gevent.sleep(1);
            return "quick";
        }, "default"));
        assertEquals("quick", Gevent.withTimeout(Duration.ofSeconds(5), () -> "quick"));
        // and the timeout is disarmed afterwards
        Gevent.sleep(10);
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void withTimeoutReturnsTheDefaultOnlyOnItsOwnExpiry() {
        Greenlet<String> g = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(10), () -> {
            Gevent.sleep(5_000);
            return "slow";
        }, "default"));
        assertEquals("default", g.get());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void withTimeoutWithoutDefaultThrowsItsTimeout() {
        Greenlet<String> g = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(10), () -> {
            Gevent.sleep(5_000);
            return "slow";
        }));
        try (LogCapture ignored = LogCapture.hub()) {
            g.join();
        }
        assertInstanceOf(Timeout.class, g.exception());
        assertEquals(Duration.ofMillis(10), ((Timeout) g.exception()).duration());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void withTimeoutRethrowsOtherFailuresAsIs() {
        IOException io = new IOException("io");
        IOException thrown = assertThrows(IOException.class, () -> Gevent.withTimeout(Duration.ofSeconds(5), () -> {
            throw io;
        }, "default"));
        assertSame(io, thrown);
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void withTimeoutLetsSomeoneElsesTimeoutThrough() {
        Greenlet<Object> g = Gevent.spawn(() -> {
            Timeout outer = Timeout.start(Duration.ofMillis(15));
            try {
                return Gevent.withTimeout(Duration.ofSeconds(2), () -> {
                    Gevent.sleep(5_000);
                    return "slow";
                }, "default");
            } catch (Timeout e) {
                return e == outer ? "outer" : e;
            } finally {
                outer.cancel();
            }
        });
        assertEquals("outer", g.get());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void withTimeoutLetsAKillThrough() {
        Greenlet<String> g = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofSeconds(5), () -> {
            Gevent.sleep(5_000);
            return "slow";
        }, "default"));
        Gevent.sleep(1);
        g.kill();
        assertInstanceOf(GreenletExit.class, g.killedBy());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void timeoutOnTheOwnerThreadDuringSleep() {
        Timeout t = Timeout.start(Duration.ofMillis(20));
        long t0 = System.nanoTime();
        Timeout thrown = assertThrows(Timeout.class, () -> Gevent.sleep(5_000));
        assertSame(t, thrown);
        long took = System.nanoTime() - t0;
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(20) && took < TimeUnit.SECONDS.toNanos(4), took + " ns");
        // the owner can carry on: sleeps work and nothing else goes off
        Gevent.sleep(5);
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void timeoutOnTheOwnerThreadDuringJoin() {
        Greenlet<Void> g = Gevent.spawn(() -> Gevent.sleep(5_000));
        try (Timeout t = Timeout.start(Duration.ofMillis(20))) {
            Timeout thrown = assertThrows(Timeout.class, g::join);
            assertSame(t, thrown);
        }
        assertFalse(g.ready());
        g.kill();
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void timeoutWhileJoiningAnotherGreenletInAGreenlet() {
        Greenlet<Void> slow = Gevent.spawn(() -> Gevent.sleep(5_000));
        Greenlet<String> joiner = Gevent.spawn(() -> {
            try (Timeout t = Timeout.start(Duration.ofMillis(15))) {
                slow.join();
                return "joined";
            } catch (Timeout e) {
                return "timed out";
            }
        });
        assertEquals("timed out", joiner.get());
        slow.kill();
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void timeoutWhileWaitingInJoinall() {
        Greenlet<Void> slow = Gevent.spawn(() -> Gevent.sleep(5_000));
        try (Timeout t = Timeout.start(Duration.ofMillis(15))) {
            assertSame(t, assertThrows(Timeout.class, () -> Gevent.joinall(List.of(slow))));
        }
        slow.kill();
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void timeoutInThreadSleepInterruptsItAndEndsTheGreenletWithTheTimeout() {
        Greenlet<Void> g = Gevent.spawn(() -> {
            Timeout.start(Duration.ofMillis(15));
            Thread.sleep(5_000);
            return null;
        });
        long t0 = System.nanoTime();
        try (LogCapture ignored = LogCapture.hub()) {
            g.join();
        }
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4));
        assertInstanceOf(Timeout.class, g.exception());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void withTimeoutAroundAJdkBlockingCallReturnsTheDefault() {
        LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
        Greenlet<String> g = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(15), q::take, "default"));
        assertEquals("default", g.get(Duration.ofSeconds(5)));
        Greenlet<String> h = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(15), () -> {
            Thread.sleep(5_000);
            return "slept";
        }, "default"));
        assertEquals("default", h.get(Duration.ofSeconds(5)));
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void aTimeoutCaughtAsAnInterruptDoesNotGoOffLaterOutsideItsScope() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> g = Gevent.spawn(() -> {
            try (Timeout t = Timeout.start(Duration.ofMillis(10))) {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                out.add("interrupted");
            }
            Gevent.sleep(20); // the timeout's scope ended: nothing may go off here
            out.add("slept");
            Thread.sleep(1);
            out.add("slept again");
            return null;
        });
        g.join();
        assertTrue(g.successful(), String.valueOf(g.exception()));
        assertEquals(List.of("interrupted", "slept", "slept again"), out);
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void aTimeoutExpiringTogetherWithTheWakeUpIsNotLost() {
        // The sleep's timer and the timeout expire in the same loop iteration, the sleep's first: the
        // greenlet is woken with the sleep done, and the timeout must still go off at its next wait.
        Greenlet<String> a = Gevent.spawn(() -> {
            Timeout t = Timeout.start(Duration.ofMillis(15));
            try {
                Gevent.sleep(10);
                Gevent.sleep(2_000);
                return "slept";
            } catch (Timeout e) {
                return e == t ? "own" : "other";
            } finally {
                t.cancel();
            }
        });
        Greenlet<Void> hog = Gevent.spawn(() -> {
            Gevent.sleep(5);
            busy(35); // both timers of a expire meanwhile
        });
        assertEquals("own", a.get(Duration.ofSeconds(5)));
        hog.join();
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void aTimeoutThatExpiredUnseenAndWasCancelledNeverGoesOff() {
        // As above, but the greenlet leaves the timeout's scope before its next wait.
        Greenlet<String> a = Gevent.spawn(() -> {
            Timeout t = Timeout.start(Duration.ofMillis(15));
            try {
                Gevent.sleep(10);
            } finally {
                t.cancel();
            }
            Gevent.sleep(20);
            Thread.sleep(1);
            return "fine";
        });
        Greenlet<Void> hog = Gevent.spawn(() -> {
            Gevent.sleep(5);
            busy(35);
        });
        assertEquals("fine", a.get(Duration.ofSeconds(5)));
        hog.join();
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void restartingATimeoutRearmsIt() {
        Greenlet<String> g = Gevent.spawn(() -> {
            Timeout t = new Timeout(Duration.ofMillis(20));
            t.start();
            Gevent.sleep(10);
            t.start(); // 20 ms from now again
            Gevent.sleep(15);
            try {
                Gevent.sleep(1_000);
                return "slept";
            } catch (Timeout e) {
                return e == t ? "own" : "other";
            } finally {
                t.cancel();
            }
        });
        assertEquals("own", g.get());
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void timeoutMeansOnlyItsOwnGreenlet() {
        AtomicReference<Timeout> mine = new AtomicReference<>();
        Greenlet<String> a = Gevent.spawn(() -> {
            mine.set(Timeout.start(Duration.ofMillis(10)));
            try {
                Gevent.sleep(1_000);
                return "slept";
            } catch (Timeout e) {
                return "a timed out";
            }
        });
        Greenlet<String> b = Gevent.spawn(() -> {
            Gevent.sleep(40);
            return "b fine";
        });
        assertEquals("a timed out", a.get());
        assertEquals("b fine", b.get());
    }
}
