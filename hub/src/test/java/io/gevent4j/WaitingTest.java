package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Waitable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** joinall, killall, Gevent.await and iwait. */
@ExtendWith(FreshHub.class)
class WaitingTest {

    private static Greenlet<Integer> after(long ms, int value) {
        return Gevent.spawn(() -> {
            Gevent.sleep(ms);
            return value;
        });
    }

    @Test
    @Timeout(10)
    void joinallWaitsForAll() {
        List<Greenlet<Integer>> gs = List.of(after(160, 1), after(10, 2), after(85, 3));
        List<Greenlet<Integer>> done = Gevent.joinall(gs);
        assertEquals(3, done.size());
        assertTrue(gs.stream().allMatch(Greenlet::ready));
        assertEquals(List.of(gs.get(1), gs.get(2), gs.get(0)), done, "in the order they became ready");
    }

    @Test
    @Timeout(10)
    void joinallWithTimeoutReturnsThePartialList() {
        Greenlet<Integer> fast = after(5, 1);
        Greenlet<Integer> slow = after(2_000, 2);
        long t0 = System.nanoTime();
        List<Greenlet<Integer>> done = Gevent.joinall(List.of(fast, slow), Duration.ofMillis(200));
        long took = System.nanoTime() - t0;
        assertEquals(List.of(fast), done);
        assertFalse(slow.ready());
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(200) && took < TimeUnit.SECONDS.toNanos(2), took + " ns");
        slow.kill();
    }

    @Test
    @Timeout(10)
    void joinallDoesNotRaiseFailuresByDefault() {
        try (LogCapture ignored = LogCapture.hub()) {
            Greenlet<Integer> bad = Gevent.spawn(() -> {
                throw new IOException("bad");
            });
            Greenlet<Integer> good = after(5, 1);
            List<Greenlet<Integer>> done = Gevent.joinall(List.of(bad, good));
            assertEquals(2, done.size());
            assertInstanceOf(IOException.class, bad.exception());
        }
    }

    @Test
    @Timeout(10)
    void joinallWithRaiseErrorRethrowsTheFirstFailure() {
        try (LogCapture ignored = LogCapture.hub()) {
            IOException first = new IOException("first");
            Greenlet<Integer> slowGood = after(1_000, 1);
            Greenlet<Integer> late = Gevent.spawn(() -> {
                Gevent.sleep(500);
                throw new IllegalStateException("second");
            });
            Greenlet<Integer> early = Gevent.spawn(() -> {
                Gevent.sleep(5);
                throw first;
            });
            // A checked exception of another greenlet arrives wrapped (the rule of get()).
            java.util.concurrent.CompletionException thrown = assertThrows(java.util.concurrent.CompletionException.class,
                    () -> Gevent.joinallOrThrow(List.of(slowGood, late, early)));
            assertSame(first, thrown.getCause());
            assertFalse(slowGood.ready(), "stops at the first failure");
            assertFalse(late.ready());
            Gevent.killall(List.of(slowGood, late));
        }
    }

    @Test
    @Timeout(10)
    void joinallWithRaiseErrorAndNoFailureReturnsAll() {
        List<Greenlet<Integer>> gs = List.of(after(5, 1), after(1, 2));
        assertEquals(2, Gevent.joinallOrThrow(gs, Duration.ofSeconds(5)).size());
    }

    @Test
    @Timeout(10)
    void joinallOfNothingReturnsAtOnce() {
        assertEquals(List.of(), Gevent.joinall(List.<Greenlet<Void>>of()));
    }

    @Test
    @Timeout(10)
    void killallKillsEveryGreenletAndWaits() {
        AtomicInteger cleaned = new AtomicInteger();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            gs.add(Gevent.spawn(() -> {
                try {
                    Gevent.sleep(10_000);
                } finally {
                    cleaned.incrementAndGet();
                }
            }));
        }
        Gevent.sleep(1);
        Gevent.killall(gs);
        assertEquals(10, cleaned.get());
        for (Greenlet<Void> g : gs) {
            assertTrue(g.ready());
            assertInstanceOf(GreenletExit.class, g.killedBy());
        }
    }

    @Test
    @Timeout(10)
    void killallWithoutBlockAndWithACustomException() {
        try (LogCapture ignored = LogCapture.hub()) {
            IllegalStateException custom = new IllegalStateException("stop");
            List<Greenlet<Void>> gs = List.of(Gevent.spawn(() -> Gevent.sleep(10_000)),
                    Gevent.spawn(() -> Gevent.sleep(10_000)));
            Gevent.sleep(1);
            Gevent.killallAsync(gs, custom);
            assertFalse(gs.get(0).ready());
            Gevent.joinall(gs);
            for (Greenlet<Void> g : gs) {
                assertSame(custom, g.exception());
            }
        }
    }

    @Test
    @Timeout(10)
    void awaitWithCountReturnsTheFirstFinishers() {
        Greenlet<Integer> a = after(2_000, 1);
        Greenlet<Integer> b = after(5, 2);
        Greenlet<Integer> c = after(80, 3);
        List<Greenlet<Integer>> first2 = Gevent.await(List.of(a, b, c), 2);
        assertEquals(List.of(b, c), first2);
        assertFalse(a.ready());
        a.kill();
        assertEquals(3, Gevent.await(List.of(a, b, c)).size());
    }

    @Test
    @Timeout(10)
    void awaitWithTimeoutReturnsWhatIsReady() {
        Greenlet<Integer> fast = after(5, 1);
        Greenlet<Integer> slow = after(2_000, 2);
        List<Greenlet<Integer>> r = Gevent.await(List.of(slow, fast), Duration.ofMillis(200));
        assertEquals(List.of(fast), r);
        slow.kill();
        assertEquals(List.of(), Gevent.await(List.of(fast), 0));
    }

    @Test
    @Timeout(10)
    void awaitOfAlreadyReadyObjectsReturnsThemInOrder() {
        Greenlet<Integer> a = after(0, 1);
        Greenlet<Integer> b = after(0, 2);
        Gevent.joinall(List.of(a, b));
        assertEquals(List.of(a, b), Gevent.await(List.of(a, b), Duration.ZERO));
    }

    @Test
    @Timeout(10)
    void awaitCountsAnObjectListedTwiceTwice() {
        Greenlet<Integer> a = after(5, 1);
        Greenlet<Integer> done = after(0, 2);
        done.join();
        assertEquals(List.of(done, done, a, a), Gevent.await(List.of(a, done, a, done)));
    }

    @Test
    @Timeout(10)
    void iwaitYieldsInCompletionOrder() {
        Greenlet<Integer> a = after(160, 1);
        Greenlet<Integer> b = after(5, 2);
        Greenlet<Integer> c = after(80, 3);
        List<Integer> order = new ArrayList<>();
        for (Iterator<Greenlet<Integer>> it = Gevent.iwait(List.of(a, b, c)); it.hasNext(); ) {
            Greenlet<Integer> g = it.next();
            assertTrue(g.ready());
            order.add(g.value());
        }
        assertEquals(List.of(2, 3, 1), order);
    }

    @Test
    @Timeout(10)
    void iwaitStopsAtItsTimeout() {
        Greenlet<Integer> fast = after(5, 1);
        Greenlet<Integer> slow = after(2_000, 2);
        Iterator<Greenlet<Integer>> it = Gevent.iwait(List.of(slow, fast), Duration.ofMillis(200));
        assertTrue(it.hasNext());
        assertSame(fast, it.next());
        long t0 = System.nanoTime();
        assertFalse(it.hasNext());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1));
        assertThrows(NoSuchElementException.class, it::next);
        slow.kill();
    }

    @Test
    @Timeout(10)
    void iwaitWorksForAnyWaitableInAGreenlet() {
        // a minimal Waitable: ready after the first fire()
        final class Flag implements Waitable {
            final List<Runnable> links = new ArrayList<>();
            boolean ready;

            @Override
            public boolean ready() {
                return ready;
            }

            @Override
            public void rawlink(Runnable callback) {
                if (ready) {
                    Gevent.getHub().loop().runCallback(callback);
                } else {
                    links.add(callback);
                }
            }

            @Override
            public boolean unlink(Runnable callback) {
                return links.remove(callback);
            }

            void fire() {
                ready = true;
                List<Runnable> ls = new ArrayList<>(links);
                links.clear();
                ls.forEach(Runnable::run);
            }
        }
        Flag x = new Flag();
        Flag y = new Flag();
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> waiter = Gevent.spawn(() -> {
            for (Iterator<Flag> it = Gevent.iwait(List.of(x, y)); it.hasNext(); ) {
                out.add(it.next() == x ? "x" : "y");
            }
        });
        Gevent.spawn(() -> {
            Gevent.sleep(5);
            y.fire();
            Gevent.sleep(5);
            x.fire();
        });
        waiter.join();
        assertEquals(List.of("y", "x"), out);
        assertTrue(x.links.isEmpty() && y.links.isEmpty());
    }

    @Test
    @Timeout(10)
    void aKillWhileInJoinallIsNotSwallowed() {
        Greenlet<Integer> slow = after(5_000, 1);
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> g = Gevent.spawn(() -> {
            Gevent.joinall(List.of(slow));
            out.add("joinall returned");
        });
        Gevent.sleep(5);
        g.kill();
        assertEquals(List.of(), out);
        assertInstanceOf(GreenletExit.class, g.killedBy());
        slow.kill();
    }
}
