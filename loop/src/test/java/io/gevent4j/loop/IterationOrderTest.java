package io.gevent4j.loop;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.gevent4j.loop.TestSupport.FAR_SECONDS;
import static io.gevent4j.loop.TestSupport.guard;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prepare, check and idle watchers: where they run within one iteration. */
class IterationOrderTest {

    @Test
    void prepareRunsBeforeThePollAndCheckAfterIt() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            List<String> log = new ArrayList<>();
            AtomicLong prepareAt = new AtomicLong();
            AtomicLong checkAt = new AtomicLong();
            PrepareWatcher p = loop.prepare();
            CheckWatcher c = loop.check();
            p.start(() -> {
                log.add("prepare");
                prepareAt.compareAndSet(0, System.nanoTime());
            });
            c.start(() -> {
                log.add("check");
                if (log.contains("timer")) {
                    checkAt.compareAndSet(0, System.nanoTime());
                }
            });
            long before = System.nanoTime();
            TimerWatcher t = loop.timer(100, 0, MILLISECONDS);
            t.start(() -> log.add("timer"));
            while (t.isActive() && !g.fired()) {
                loop.run(RunMode.ONCE);
            }
            assertFalse(g.fired());
            // The first iteration blocks in the poll (for the timer): prepare ran before it, check after it.
            assertTrue(prepareAt.get() - before < MILLISECONDS.toNanos(100), "prepare ran before the poll");
            assertTrue(checkAt.get() - before >= MILLISECONDS.toNanos(100),
                    "the check of the timer's iteration ran after the poll that waited for it");
            int timerAt = log.indexOf("timer");
            assertTrue(timerAt > 0);
            assertEquals("prepare", log.get(0));
            assertEquals("check", log.get(log.size() - 1));
            // Within the iteration in which the timer fired: prepare, timer, check.
            assertEquals("prepare", log.get(timerAt - 1));
            assertEquals("check", log.get(timerAt + 1));
            p.stop();
            c.stop();
        }
    }

    @Test
    void prepareAndCheckRunOncePerIterationInStartOrder() {
        try (Loop loop = new Loop()) {
            List<String> log = new ArrayList<>();
            PrepareWatcher p1 = loop.prepare();
            PrepareWatcher p2 = loop.prepare();
            CheckWatcher c1 = loop.check();
            CheckWatcher c2 = loop.check();
            p1.start(() -> log.add("p1"));
            p2.start(() -> log.add("p2"));
            c1.start(() -> log.add("c1"));
            c2.start(() -> log.add("c2"));
            loop.run(RunMode.NOWAIT);
            loop.run(RunMode.NOWAIT);
            assertEquals(List.of("p1", "p2", "c1", "c2", "p1", "p2", "c1", "c2"), log);
            p1.stop();
            c2.stop();
            loop.run(RunMode.NOWAIT);
            assertEquals(List.of("p2", "c1"), log.subList(8, log.size()));
            p2.close();
            c1.close();
        }
    }

    @Test
    void workQueuedByPrepareRunsBeforeThePoll() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            List<String> log = new ArrayList<>();
            AtomicLong ranAt = new AtomicLong();
            PrepareWatcher p = loop.prepare();
            p.start(() -> {
                p.stop();
                loop.runCallback(() -> {
                    log.add("from-prepare");
                    ranAt.set(System.nanoTime());
                });
            });
            // The prepare queues a callback; the loop runs it before it blocks for the timer.
            long before = System.nanoTime();
            TimerWatcher t = loop.timer(100, 0, MILLISECONDS);
            t.start(() -> log.add("timer"));
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of("from-prepare", "timer"), log);
            assertTrue(ranAt.get() - before < MILLISECONDS.toNanos(100), "ran before the poll, not after it");
        }
    }

    @Test
    void checkCallbacksRunAfterTheEventsOfTheirIteration() throws Exception {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(loop.backend())) {
            List<String> log = new ArrayList<>();
            pipe.write(1);
            IoWatcher io = pipe.watchReader(loop, Loop.READ);
            io.start(() -> {
                log.add("io");
                io.stop();
            });
            CheckWatcher c = loop.check();
            c.start(() -> {
                log.add("check");
                c.stop();
            });
            loop.timer(0, 0).start(() -> log.add("timer"));
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of("io", "timer", "check"), log);
            io.close();
        }
    }

    @Test
    void idleRunsOnlyInIterationsWithNothingElsePending() {
        try (Loop loop = new Loop()) {
            List<String> log = new ArrayList<>();
            IdleWatcher idle = loop.idle();
            idle.start(() -> log.add("idle"));
            loop.timer(0, 0).start(() -> log.add("timer"));
            loop.run(RunMode.NOWAIT); // the timer is due: not idle
            assertEquals(List.of("timer"), log);
            loop.run(RunMode.NOWAIT); // nothing happened: idle
            assertEquals(List.of("timer", "idle"), log);
            loop.runCallback(() -> log.add("cb"));
            loop.run(RunMode.NOWAIT); // the callback ran before the poll; nothing became pending after it
            assertEquals(List.of("timer", "idle", "cb", "idle"), log);
            idle.stop();
            loop.run(RunMode.NOWAIT);
            assertEquals(4, log.size());
        }
    }

    @Test
    void anActiveIdleWatcherKeepsThePollFromBlocking() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher far = loop.timer(FAR_SECONDS, 0, SECONDS);
            AtomicInteger farCalls = new AtomicInteger();
            far.start(farCalls::incrementAndGet);
            IdleWatcher idle = loop.idle();
            AtomicInteger calls = new AtomicInteger();
            idle.start(() -> {
                if (calls.incrementAndGet() == 200) {
                    idle.stop();
                    far.stop();
                }
            });
            assertFalse(loop.run());
            assertFalse(g.fired(), "the loop blocked although an idle watcher was active");
            assertEquals(200, calls.get());
            assertEquals(0, farCalls.get());
        }
    }

    @Test
    void anUnreferencedIdleWatcherStillPreventsBlocking() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher far = loop.timer(FAR_SECONDS, 0, SECONDS);
            far.start(() -> { });
            IdleWatcher idle = loop.idle();
            idle.unref();
            AtomicInteger calls = new AtomicInteger();
            idle.start(() -> {
                if (calls.incrementAndGet() == 10) {
                    far.stop();
                }
            });
            assertFalse(loop.run());
            assertFalse(g.fired());
            assertEquals(10, calls.get());
            assertTrue(idle.isActive());
            idle.stop();
        }
    }

    @Test
    void aWatcherStoppedByAnEarlierOneInTheSameIterationDoesNotRun() {
        try (Loop loop = new Loop()) {
            List<String> log = new ArrayList<>();
            CheckWatcher c1 = loop.check();
            CheckWatcher c2 = loop.check();
            c1.start(() -> {
                log.add("c1");
                c2.stop();
            });
            c2.start(() -> log.add("c2"));
            loop.run(RunMode.NOWAIT);
            assertEquals(List.of("c1"), log);
            c1.stop();
        }
    }
}
