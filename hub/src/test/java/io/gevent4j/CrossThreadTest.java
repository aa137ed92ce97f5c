package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import io.gevent4j.hub.LoopExit;
import io.gevent4j.hub.Waiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calls into a hub from other threads. */
@ExtendWith(FreshHub.class)
class CrossThreadTest {

    /** Runs {@code body} on a new platform thread (with a hub of its own, destroyed at the end). */
    private static CompletableFuture<Void> onOtherThread(ThrowingRunnable body) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().name("foreign").start(() -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            } finally {
                Hub h = Hub.currentIfAny();
                if (h != null) {
                    h.destroy();
                }
            }
        });
        return done;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    @Timeout(10)
    void aForeignThreadJoinsAGreenletOfAnotherHub() throws Exception {
        Greenlet<Integer> g = Gevent.spawn(() -> {
            Gevent.sleep(50);
            return 42;
        });
        AtomicReference<Integer> seen = new AtomicReference<>();
        AtomicBoolean readyWhenJoined = new AtomicBoolean();
        CompletableFuture<Void> other = onOtherThread(() -> {
            g.join();
            readyWhenJoined.set(g.ready());
            seen.set(g.get());
        });
        assertEquals(42, g.get());
        other.get(5, TimeUnit.SECONDS);
        assertTrue(readyWhenJoined.get());
        assertEquals(42, seen.get());
    }

    @Test
    @Timeout(10)
    void aForeignThreadJoinWithTimeoutAndGetOfAFailure() throws Exception {
        IOException boom = new IOException("boom");
        Greenlet<Integer> g = Gevent.spawn(() -> {
            Gevent.sleep(500);
            throw boom;
        });
        AtomicBoolean early = new AtomicBoolean(true);
        AtomicReference<Throwable> got = new AtomicReference<>();
        CompletableFuture<Void> other = onOtherThread(() -> {
            early.set(g.join(Duration.ofMillis(5)));
            try {
                g.get(Duration.ofSeconds(5));
            } catch (Throwable e) {
                got.set(e);
            }
        });
        try (LogCapture ignored = LogCapture.hub()) {
            g.join();
        }
        other.get(5, TimeUnit.SECONDS);
        assertFalse(early.get(), "join(5 ms) timed out");
        assertSame(boom, got.get().getCause()); // wrapped: checked (the rule of get())
    }

    @Test
    @Timeout(10)
    void aForeignThreadKillsAGreenletBlockedInSleep() throws Exception {
        CountDownLatch sleeping = new CountDownLatch(1);
        AtomicBoolean cleaned = new AtomicBoolean();
        Greenlet<Void> g = Gevent.spawn(() -> {
            try {
                sleeping.countDown();
                Gevent.sleep(10_000);
            } finally {
                cleaned.set(true);
            }
        });
        AtomicBoolean readyAfterKill = new AtomicBoolean();
        CompletableFuture<Void> other = onOtherThread(() -> {
            assertTrue(sleeping.await(5, TimeUnit.SECONDS));
            g.kill(); // blocks the foreign thread until g died
            readyAfterKill.set(g.ready());
        });
        g.join();
        other.get(5, TimeUnit.SECONDS);
        assertTrue(cleaned.get());
        assertTrue(readyAfterKill.get());
        assertInstanceOf(GreenletExit.class, g.killedBy());
    }

    @Test
    @Timeout(10)
    void aForeignThreadKillsAGreenletInAJdkCall() throws Exception {
        CountDownLatch sleeping = new CountDownLatch(1);
        Greenlet<Void> g = Gevent.spawn(() -> {
            sleeping.countDown();
            Thread.sleep(10_000);
            return null;
        });
        CompletableFuture<Void> other = onOtherThread(() -> {
            assertTrue(sleeping.await(5, TimeUnit.SECONDS));
            g.killAsync(new GreenletExit());
        });
        g.join();
        other.get(5, TimeUnit.SECONDS);
        assertInstanceOf(GreenletExit.class, g.killedBy());
    }

    @Test
    @Timeout(10)
    void waiterSwitchFromAForeignThreadWakesAWaitingGreenlet() throws Exception {
        Hub hub = Gevent.getHub();
        Waiter<String> w = new Waiter<>();
        CountDownLatch waiting = new CountDownLatch(1);
        Greenlet<String> g = Gevent.spawn(() -> {
            try (AutoCloseable ignored = hub.externalWait()) { // the wake-up comes from outside
                waiting.countDown();
                return w.get();
            }
        });
        CompletableFuture<Void> other = onOtherThread(() -> {
            assertTrue(waiting.await(5, TimeUnit.SECONDS));
            Thread.sleep(10);
            w.switchTo("from outside");
        });
        assertEquals("from outside", g.get());
        other.get(5, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(10)
    void waiterThrowFromAForeignThread() throws Exception {
        Hub hub = Gevent.getHub();
        Waiter<String> w = new Waiter<>();
        IllegalStateException e = new IllegalStateException("from outside");
        CompletableFuture<Void> other = onOtherThread(() -> w.throwInto(e));
        try (AutoCloseable ignored = hub.externalWait()) {
            assertSame(e, assertThrows(IllegalStateException.class, w::get));
        }
        other.get(5, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(20)
    void manyForeignThreadsSpawningOntoOneHubLoseNothing() throws Exception {
        Hub hub = Gevent.getHub();
        int threads = 8;
        int perThread = 250;
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger wrongHub = new AtomicInteger();
        List<CompletableFuture<Void>> others = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            others.add(onOtherThread(() -> {
                for (int i = 0; i < perThread; i++) {
                    hub.loop().execute(() -> Gevent.spawn(() -> {
                        if (Gevent.getHub() != hub || !hub.inHubThread()) {
                            wrongHub.incrementAndGet();
                        }
                        Gevent.sleep(0);
                        ran.incrementAndGet();
                    }));
                    if (i % 50 == 0) {
                        Thread.sleep(1);
                    }
                }
            }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (ran.get() < threads * perThread && System.nanoTime() < deadline) {
            Gevent.sleep(5);
        }
        for (CompletableFuture<Void> f : others) {
            f.get(5, TimeUnit.SECONDS);
        }
        Gevent.sleep(5);
        assertEquals(threads * perThread, ran.get());
        assertEquals(0, wrongHub.get());
        assertEquals(0, hub.liveGreenlets());
    }

    @Test
    @Timeout(10)
    void greenletStartFromAForeignThread() throws Exception {
        Hub hub = Gevent.getHub();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Greenlet<String> g = new Greenlet<>(hub, () -> {
            ranOn.set(Thread.currentThread());
            return "started from outside";
        });
        CompletableFuture<Void> other = onOtherThread(() -> {
            Thread.sleep(10);
            g.start();
        });
        try (AutoCloseable ignored = hub.externalWait()) { // it is started from outside
            assertEquals("started from outside", g.get());
        }
        other.get(5, TimeUnit.SECONDS);
        assertTrue(ranOn.get().isVirtual());
        assertThrows(IllegalStateException.class, g::start);
    }

    @Test
    @Timeout(10)
    void greenletStartLaterFromAForeignThread() throws Exception {
        Hub hub = Gevent.getHub();
        Greenlet<String> g = new Greenlet<>(hub, () -> "later");
        CompletableFuture<Void> other = onOtherThread(() -> g.startLater(Duration.ofMillis(10)));
        other.get(5, TimeUnit.SECONDS);
        try (AutoCloseable ignored = hub.externalWait()) {
            assertEquals("later", g.get(Duration.ofSeconds(5)));
        }
    }

    @Test
    @Timeout(10)
    void greenletsOfTwoHubsRunOnTheirOwnThreadsAndJoinEachOther() throws Exception {
        Hub mine = Gevent.getHub();
        CompletableFuture<Greenlet<String>> theirs = new CompletableFuture<>();
        CompletableFuture<Void> other = onOtherThread(() -> {
            Hub h = Gevent.getHub();
            Greenlet<String> g = Gevent.spawn(() -> {
                Gevent.sleep(30);
                return "from " + Gevent.getHub().owner().getName();
            });
            theirs.complete(g);
            g.join();
            assertSame(h, g.hub());
        });
        Greenlet<String> g = theirs.get(5, TimeUnit.SECONDS);
        assertNotSame(mine, g.hub());
        Greenlet<String> joiner = Gevent.spawn(() -> "joined " + g.get()); // a greenlet here joins one there
        assertEquals("joined from foreign", joiner.get());
        other.get(5, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(10)
    void linksOfAGreenletAddedFromAForeignThreadRunOnItsHub() throws Exception {
        Hub hub = Gevent.getHub();
        Greenlet<Void> g = Gevent.spawn(() -> Gevent.sleep(30));
        AtomicReference<Boolean> onHub = new AtomicReference<>();
        CountDownLatch linked = new CountDownLatch(1);
        CompletableFuture<Void> other = onOtherThread(() -> {
            g.rawlink(() -> onHub.set(hub.inHubThread()));
            linked.countDown();
        });
        other.get(5, TimeUnit.SECONDS);
        assertTrue(linked.await(1, TimeUnit.SECONDS));
        g.join();
        Gevent.sleep(1);
        assertEquals(true, onHub.get());
    }

    @Test
    @Timeout(10)
    void iwaitOverGreenletsOfAnotherHubWakesUp() throws Exception {
        CompletableFuture<List<Greenlet<Integer>>> theirs = new CompletableFuture<>();
        CompletableFuture<Void> other = onOtherThread(() -> {
            List<Greenlet<Integer>> gs = List.of(
                    Gevent.spawn(() -> {
                        Gevent.sleep(150);
                        return 1;
                    }),
                    Gevent.spawn(() -> {
                        Gevent.sleep(10);
                        return 2;
                    }));
            theirs.complete(gs);
            Gevent.joinall(gs);
        });
        List<Greenlet<Integer>> gs = theirs.get(5, TimeUnit.SECONDS);
        List<Greenlet<Integer>> done = Gevent.joinall(gs);
        assertEquals(List.of(gs.get(1), gs.get(0)), done);
        other.get(5, TimeUnit.SECONDS);
        // the external wait announced while waiting is over: LoopExit works again
        assertThrows(LoopExit.class, () -> new Waiter<>().get());
    }

    @Test
    @Timeout(10)
    void joinallWithRaiseErrorOverAnotherHubEndsItsExternalWait() throws Exception {
        CompletableFuture<List<Greenlet<Integer>>> theirs = new CompletableFuture<>();
        CompletableFuture<Void> other = onOtherThread(() -> {
            try (LogCapture ignored = LogCapture.hub()) {
                List<Greenlet<Integer>> gs = List.of(
                        Gevent.spawn(() -> {
                            Gevent.sleep(5);
                            throw new IOException("first");
                        }),
                        Gevent.spawn(() -> {
                            Gevent.sleep(100);
                            return 2;
                        }));
                theirs.complete(gs);
                Gevent.joinall(gs);
            }
        });
        List<Greenlet<Integer>> gs = theirs.get(5, TimeUnit.SECONDS);
        assertInstanceOf(IOException.class, assertThrows(java.util.concurrent.CompletionException.class, () -> Gevent.joinallOrThrow(gs)).getCause());
        other.get(5, TimeUnit.SECONDS);
        // nothing is left to wake this hub: LoopExit, not a hang
        long t0 = System.nanoTime();
        assertThrows(LoopExit.class, () -> new Waiter<>().get());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2));
    }

    @Test
    @Timeout(10)
    void loopExecuteAndRunCallbackThreadsafeFromAForeignThreadRunInOrder() throws Exception {
        Hub hub = Gevent.getHub();
        List<Integer> out = new ArrayList<>();
        Consumer<Integer> add = out::add; // runs on the hub thread only
        CompletableFuture<Void> other = onOtherThread(() -> {
            for (int i = 0; i < 100; i++) {
                int v = i;
                if (i % 2 == 0) {
                    hub.loop().execute(() -> add.accept(v));
                } else {
                    hub.loop().runCallbackThreadsafe(() -> add.accept(v));
                }
            }
        });
        other.get(5, TimeUnit.SECONDS);
        Gevent.sleep(5);
        assertEquals(100, out.size());
        for (int i = 0; i < 100; i++) {
            assertEquals(i, out.get(i));
        }
    }
}
