package io.gevent4j.loop;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.gevent4j.loop.TestSupport.FAR_SECONDS;
import static io.gevent4j.loop.TestSupport.guard;
import static io.gevent4j.loop.TestSupport.later;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CallbackTest {

    @Test
    void callbacksRunInFifoOrder() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int n = i;
                loop.runCallback(() -> order.add(n));
            }
            assertTrue(loop.hasPending());
            assertTrue(loop.alive(), "a pending callback keeps the loop alive");
            assertFalse(loop.run());
            assertFalse(g.fired());
            assertEquals(1000, order.size());
            for (int i = 0; i < 1000; i++) {
                assertEquals(i, order.get(i));
            }
            assertFalse(loop.hasPending());
        }
    }

    @Test
    void callbacksQueuedByCallbacksRunBehindThoseAlreadyQueued() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            List<String> log = new ArrayList<>();
            loop.runCallback(() -> {
                log.add("a");
                loop.runCallback(() -> log.add("c"));
            });
            loop.runCallback(() -> log.add("b"));
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of("a", "b", "c"), log);
        }
    }

    @Test
    void executeNextRunsBeforeEverythingPending() {
        try (Loop loop = new Loop()) {
            List<String> log = new ArrayList<>();
            loop.runCallback(() -> log.add("a"));
            loop.runCallback(() -> log.add("b"));
            loop.executeNext(() -> log.add("first"));
            loop.executeNext(() -> log.add("second"));
            loop.run();
            assertEquals(List.of("first", "second", "a", "b"), log);
        }
    }

    @Test
    void executeNextFromACallbackRunsRightAfterItInTheOrderGiven() {
        try (Loop loop = new Loop()) {
            List<String> log = new ArrayList<>();
            loop.runCallback(() -> {
                log.add("a");
                loop.executeNext(() -> log.add("a1"));
                loop.executeNext(() -> {
                    log.add("a2");
                    loop.executeNext(() -> log.add("a2.1"));
                });
                assertTrue(loop.hasNext());
            });
            loop.runCallback(() -> log.add("b"));
            loop.run();
            assertEquals(List.of("a", "a1", "a2", "a2.1", "b"), log);
            assertFalse(loop.hasNext());
        }
    }

    @Test
    void callbacksAndWatcherEventsRunInTheOrderTheyBecamePending() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            List<String> log = new ArrayList<>();
            TimerWatcher t1 = loop.timer(0, 0);
            TimerWatcher t2 = loop.timer(0, 0);
            // Queued before the iteration: runs before any watcher of that iteration.
            loop.runCallback(() -> log.add("cb-before"));
            t1.start(() -> {
                log.add("t1");
                // t2 expired in the same iteration, so it is already pending: x runs after it.
                loop.runCallback(() -> log.add("x"));
            });
            t2.start(() -> {
                log.add("t2");
                loop.runCallback(() -> log.add("y"));
            });
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of("cb-before", "t1", "t2", "x", "y"), log);
        }
    }

    @Test
    void ioEventsAndTimersAndCallbacksInterleaveInPendingOrder() throws Exception {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(loop.backend())) {
            List<String> log = new ArrayList<>();
            pipe.write(1);
            IoWatcher io = pipe.watchReader(loop, Loop.READ);
            TimerWatcher t = loop.timer(0, 0);
            io.start(() -> {
                log.add("io");
                io.stop();
                loop.runCallback(() -> log.add("after-io"));
            });
            t.start(() -> {
                log.add("timer");
                loop.runCallback(() -> log.add("after-timer"));
            });
            // Register the io watcher and let the timer become due in the same iteration.
            loop.run();
            assertFalse(g.fired());
            // I/O events become pending during the poll, timers right after it.
            assertEquals(List.of("io", "timer", "after-io", "after-timer"), log);
            io.close();
        }
    }

    @Test
    void busyCallbacksDoNotStarveTimersOrIo() throws Exception {
        // A callback that keeps re-queueing itself never leaves the pending queue empty; the loop must
        // still poll and fire timers and I/O between batches.
        for (Backend b : TestSupport.backends().toList()) {
            try (Loop loop = new Loop(b); TestSupport.Guard g = guard(loop);
                 TestSupport.TestPipe pipe = TestSupport.TestPipe.open(b)) {
                AtomicInteger spins = new AtomicInteger();
                AtomicInteger done = new AtomicInteger();
                Runnable[] busy = new Runnable[1];
                busy[0] = () -> {
                    spins.incrementAndGet();
                    if (done.get() < 2) {
                        loop.runCallback(busy[0]);
                    }
                };
                loop.runCallback(busy[0]);
                loop.timer(5, 0, MILLISECONDS).start(done::incrementAndGet);
                pipe.write(1);
                IoWatcher io = pipe.watchReader(loop, Loop.READ);
                io.start(() -> {
                    done.incrementAndGet();
                    io.stop();
                });
                loop.run();
                assertFalse(g.fired(), b + ": the timer or the I/O watcher starved");
                assertEquals(2, done.get());
                assertTrue(spins.get() > 1);
                io.close();
            }
        }
    }

    @Test
    void stopCancelsACallback() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            List<String> log = new ArrayList<>();
            Callback b = loop.runCallback(() -> log.add("b-stopped-early"));
            AtomicReference<Callback> d = new AtomicReference<>();
            loop.runCallback(() -> {
                log.add("c");
                d.get().stop();
            });
            d.set(loop.runCallback(() -> log.add("d-stopped-by-c")));
            assertTrue(b.isPending());
            b.stop();
            assertFalse(b.isPending());
            b.stop(); // idempotent
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of("c"), log);
            assertFalse(d.get().isPending());
        }
    }

    @Test
    void aCallbackIsNotPendingOnceItRan() {
        try (Loop loop = new Loop()) {
            AtomicReference<Boolean> pendingInside = new AtomicReference<>();
            Callback[] cb = new Callback[1];
            cb[0] = loop.runCallback(() -> pendingInside.set(cb[0].isPending()));
            loop.run();
            assertFalse(pendingInside.get());
            assertFalse(cb[0].isPending());
            cb[0].stop(); // stopping a callback that ran is harmless
        }
    }

    @Test
    void stopFromAnotherThreadCancelsAThreadsafeCallback() throws InterruptedException {
        try (Loop loop = new Loop()) {
            AtomicInteger calls = new AtomicInteger();
            AtomicReference<Callback> cb = new AtomicReference<>();
            Thread t = new Thread(() -> {
                Callback c = loop.runCallbackThreadsafe(calls::incrementAndGet);
                c.stop();
                cb.set(c);
            });
            t.start();
            t.join(5_000);
            loop.run();
            assertEquals(0, calls.get());
            assertFalse(cb.get().isPending());
        }
    }

    @Test
    void exceptionsGoToTheErrorHandlerAndTheLoopGoesOn() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            List<Object> where = new ArrayList<>();
            List<Throwable> errors = new ArrayList<>();
            loop.setErrorHandler((w, e) -> {
                where.add(w);
                errors.add(e);
            });
            List<String> log = new ArrayList<>();
            RuntimeException boom = new RuntimeException("boom");
            loop.runCallback(() -> {
                log.add("a");
                throw boom;
            });
            loop.runCallback(() -> log.add("b"));
            AtomicInteger timerCalls = new AtomicInteger();
            TimerWatcher rep = loop.timer(1, 1, MILLISECONDS);
            rep.start(() -> {
                if (timerCalls.incrementAndGet() == 3) {
                    rep.stop();
                }
                throw new IllegalStateException("timer " + timerCalls.get());
            });
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of("a", "b"), log);
            assertEquals(3, timerCalls.get(), "a throwing watcher callback keeps firing");
            assertEquals(4, errors.size());
            assertSame(boom, errors.get(0));
            assertTrue(where.get(0) != null);
            for (int i = 1; i < 4; i++) {
                assertTrue(errors.get(i) instanceof IllegalStateException);
            }
        }
    }

    @Test
    void aThrowingErrorHandlerDoesNotStopTheLoop() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            loop.setErrorHandler((w, e) -> {
                throw new IllegalStateException("handler failed too (expected by the test)");
            });
            List<String> log = new ArrayList<>();
            loop.runCallback(() -> {
                throw new RuntimeException("first failure (expected by the test)");
            });
            loop.runCallback(() -> log.add("b"));
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of("b"), log);
            assertThrows(NullPointerException.class, () -> loop.setErrorHandler(null));
        }
    }

    @Test
    void threadsafeCallbacksFromManyThreadsAreAllRunInPerThreadOrder() throws InterruptedException {
        int threads = 8;
        int perThread = 5_000;
        try (Loop loop = new Loop(); TestSupport.Guard g = new TestSupport.Guard(loop, 20_000)) {
            TimerWatcher keepAlive = loop.timer(FAR_SECONDS, 0, SECONDS);
            keepAlive.start(() -> { });
            ConcurrentHashMap<Integer, List<Integer>> seen = new ConcurrentHashMap<>();
            AtomicInteger total = new AtomicInteger();
            AtomicInteger wrongThread = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> submitters = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                List<Integer> mine = Collections.synchronizedList(new ArrayList<>());
                seen.put(id, mine);
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perThread; i++) {
                        int n = i;
                        Runnable task = () -> {
                            if (!loop.inLoopThread()) {
                                wrongThread.incrementAndGet();
                            }
                            mine.add(n);
                            if (total.incrementAndGet() == threads * perThread) {
                                keepAlive.stop();
                            }
                        };
                        if ((i & 1) == 0) {
                            loop.runCallbackThreadsafe(task);
                        } else {
                            loop.execute(task);
                        }
                    }
                }, "submitter-" + t);
                th.start();
                submitters.add(th);
            }
            go.countDown();
            loop.run();
            assertFalse(g.fired(), "lost tasks or a lost wake-up: ran " + total.get());
            for (Thread th : submitters) {
                th.join(5_000);
            }
            assertEquals(threads * perThread, total.get());
            assertEquals(0, wrongThread.get(), "tasks must run on the loop's thread");
            for (var e : seen.entrySet()) {
                List<Integer> got = e.getValue();
                assertEquals(perThread, got.size(), "thread " + e.getKey());
                for (int i = 0; i < perThread; i++) {
                    assertEquals(i, got.get(i), "order of thread " + e.getKey());
                }
            }
        }
    }

    @Test
    void threadsafeCallbackWakesALoopBlockedInItsPoll() throws InterruptedException {
        for (Backend b : TestSupport.backends().toList()) {
            try (Loop loop = new Loop(b); TestSupport.Guard g = guard(loop)) {
                AtomicInteger farCalls = new AtomicInteger();
                loop.timer(FAR_SECONDS, 0, SECONDS).start(farCalls::incrementAndGet);
                AtomicLong ranAt = new AtomicLong();
                AtomicLong submittedAt = new AtomicLong();
                Thread t = later(100, () -> {
                    submittedAt.set(System.nanoTime());
                    loop.runCallbackThreadsafe(() -> {
                        ranAt.set(System.nanoTime());
                        loop.breakLoop();
                    });
                });
                loop.run();
                assertFalse(g.fired(), b + ": the submission did not wake the poll");
                assertTrue(ranAt.get() != 0);
                assertTrue(ranAt.get() - submittedAt.get() < SECONDS.toNanos(FAR_SECONDS) / 10);
                assertEquals(0, farCalls.get());
                t.join(5_000);
            }
        }
    }

    @Test
    void repeatedSubmissionsToABlockedLoopAreNeverLost() throws InterruptedException {
        // Each round the loop goes back to sleep before the next submission: a lost wake-up would
        // leave it asleep until the far timer, and the guard would fire.
        for (Backend b : TestSupport.backends().toList()) {
            int rounds = 100;
            try (Loop loop = new Loop(b); TestSupport.Guard g = new TestSupport.Guard(loop, 15_000)) {
                TimerWatcher keepAlive = loop.timer(FAR_SECONDS, 0, SECONDS);
                keepAlive.start(() -> { });
                Semaphore ran = new Semaphore(0);
                AtomicInteger count = new AtomicInteger();
                Thread submitter = new Thread(() -> {
                    try {
                        for (int i = 0; i < rounds; i++) {
                            Thread.sleep(i % 10 == 0 ? 5 : 1);
                            Runnable task = () -> {
                                if (count.incrementAndGet() == rounds) {
                                    keepAlive.stop();
                                }
                                ran.release();
                            };
                            if ((i & 1) == 0) {
                                loop.execute(task);
                            } else {
                                loop.runCallbackThreadsafe(task);
                            }
                            if (!ran.tryAcquire(10, TimeUnit.SECONDS)) {
                                return;
                            }
                        }
                    } catch (InterruptedException ignored) {
                        // end
                    }
                });
                submitter.start();
                loop.run();
                assertFalse(g.fired(), b + ": a wake-up was lost after " + count.get() + " rounds");
                assertEquals(rounds, count.get());
                submitter.join(5_000);
            }
        }
    }

    @Test
    void executeOnTheLoopThreadQueuesLikeRunCallback() {
        try (Loop loop = new Loop()) {
            List<String> log = new ArrayList<>();
            loop.execute(() -> log.add("a"));
            loop.runCallback(() -> log.add("b"));
            loop.execute(() -> log.add("c"));
            loop.run();
            assertEquals(List.of("a", "b", "c"), log);
        }
    }

    @Test
    void nullTasksAreRejected() {
        try (Loop loop = new Loop()) {
            assertThrows(NullPointerException.class, () -> loop.runCallback(null));
            assertThrows(NullPointerException.class, () -> loop.runCallbackThreadsafe(null));
            assertThrows(NullPointerException.class, () -> loop.execute(null));
            assertThrows(NullPointerException.class, () -> loop.executeNext(null));
            assertFalse(loop.hasPending());
        }
    }
}
