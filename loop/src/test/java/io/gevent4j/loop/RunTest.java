package io.gevent4j.loop;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunTest {

    @Test
    void runReturnsAtOnceWhenNothingIsActiveOrPending() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            assertFalse(loop.alive());
            assertFalse(loop.run());
            assertFalse(g.fired());
            assertFalse(loop.isRunning());
        }
    }

    @Test
    void runReturnsWhenTheLastReferencedWatcherStops() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher far = loop.timer(FAR_SECONDS, 0, SECONDS);
            far.start(() -> { });
            loop.timer(10, 0, MILLISECONDS).start(far::stop);
            assertFalse(loop.run());
            assertFalse(g.fired());
        }
    }

    @Test
    void runReturnsWhenAPrepareWatcherStopsTheLastReference() {
        // The alive check happens before the prepare watchers run: the poll must not block forever
        // when they stopped the last referenced watcher (libev blocks only while activecnt > 0).
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            PrepareWatcher p = loop.prepare();
            p.start(p::stop);
            assertFalse(loop.run());
            assertFalse(g.fired(), "run() blocked with no referenced watcher active");
        }
    }

    @Test
    void anUnreferencedTimerDoesNotKeepTheLoopAlive() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher t = loop.timer(FAR_SECONDS, 0, SECONDS);
            AtomicInteger calls = new AtomicInteger();
            t.unref();
            t.start(calls::incrementAndGet);
            assertFalse(t.isRef());
            assertFalse(loop.alive());
            assertFalse(loop.run());
            assertFalse(g.fired());
            assertTrue(t.isActive(), "unref does not stop the watcher");
            assertEquals(0, calls.get());
        }
    }

    @Test
    void anUnreferencedTimerStillFiresWhileSomethingElseKeepsTheLoopAlive() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicInteger unrefCalls = new AtomicInteger();
            TimerWatcher unref = loop.timer(5, 0, MILLISECONDS);
            unref.unref();
            unref.start(unrefCalls::incrementAndGet);
            loop.timer(40, 0, MILLISECONDS).start(() -> { });
            loop.run();
            assertFalse(g.fired());
            assertEquals(1, unrefCalls.get());
        }
    }

    @Test
    void refAndUnrefToggleWhetherAWatcherKeepsTheLoopAlive() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher t = loop.timer(FAR_SECONDS, 0, SECONDS);
            t.start(() -> { });
            assertTrue(loop.alive());
            t.unref();
            t.unref(); // idempotent
            assertFalse(loop.alive());
            t.ref();
            assertTrue(loop.alive());
            t.ref(); // idempotent
            t.unref();
            assertFalse(loop.alive(), "one unref undoes any number of refs");
            t.ref();
            t.stop();
            assertFalse(loop.alive());
            // ref state survives stop/start, and unref of an inactive watcher applies at start
            t.unref();
            t.start(() -> { });
            assertFalse(loop.alive());
            t.stop();
            t.ref();
            assertFalse(loop.alive());
            t.start(() -> { });
            assertTrue(loop.alive());
            t.unref();
            assertFalse(loop.run());
            assertFalse(g.fired());
        }
    }

    @Test
    void unrefOfAOneShotTimerThatFiresLeavesTheCountRight() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher t = loop.timer(1, 0, MILLISECONDS);
            t.unref();
            t.start(() -> { });
            TimerWatcher keep = loop.timer(20, 0, MILLISECONDS);
            keep.start(() -> { });
            loop.run();
            assertFalse(g.fired());
            assertFalse(loop.alive());
            t.ref();
            assertFalse(loop.alive(), "an inactive watcher never keeps the loop alive");
        }
    }

    @Test
    void runOnceBlocksUntilSomethingHappensThenReturns() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicInteger calls = new AtomicInteger();
            TimerWatcher far = loop.timer(FAR_SECONDS, 0, SECONDS);
            far.start(() -> { });
            long before = System.nanoTime();
            loop.timer(20, 0, MILLISECONDS).start(calls::incrementAndGet);
            // One iteration may be woken early (timer slack); ONCE returns after each iteration.
            while (calls.get() == 0 && !g.fired()) {
                assertTrue(loop.run(RunMode.ONCE), "the far timer keeps the loop alive");
            }
            assertFalse(g.fired());
            assertEquals(1, calls.get());
            assertTrue(System.nanoTime() - before >= MILLISECONDS.toNanos(20));
            far.stop();
        }
    }

    @Test
    void runOnceRunsWhatIsPendingAndOneIteration() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher t = loop.timer(30, 0, MILLISECONDS);
            t.start(() -> { });
            List<String> log = new ArrayList<>();
            loop.runCallback(() -> log.add("a"));
            loop.runCallback(() -> log.add("b"));
            long iter = loop.iteration();
            loop.run(RunMode.ONCE);
            assertFalse(g.fired());
            assertEquals(List.of("a", "b"), log);
            assertEquals(iter + 1, loop.iteration(), "ONCE runs exactly one iteration");
        }
    }

    @Test
    void runOnceWithNothingActiveReturnsInsteadOfBlockingForever() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            assertFalse(loop.run(RunMode.ONCE));
            assertFalse(g.fired(), "run(ONCE) blocked with no active watcher");
            TimerWatcher unref = loop.timer(FAR_SECONDS, 0, SECONDS);
            unref.unref();
            unref.start(() -> { });
            assertFalse(loop.run(RunMode.ONCE));
            assertFalse(g.fired(), "run(ONCE) blocked with only an unreferenced watcher");
        }
    }

    @Test
    void runNowaitNeverBlocksEvenWithAFarTimer() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicInteger calls = new AtomicInteger();
            loop.timer(FAR_SECONDS, 0, SECONDS).start(calls::incrementAndGet);
            for (int i = 0; i < 20; i++) {
                long iter = loop.iteration();
                assertTrue(loop.run(RunMode.NOWAIT), "the timer keeps it alive");
                assertEquals(iter + 1, loop.iteration(), "NOWAIT runs exactly one iteration");
            }
            assertFalse(g.fired());
            assertEquals(0, calls.get());
        }
    }

    @Test
    void runNowaitRunsWhatIsDue() {
        try (Loop loop = new Loop()) {
            AtomicInteger calls = new AtomicInteger();
            loop.timer(0, 0).start(calls::incrementAndGet);
            loop.runCallback(calls::incrementAndGet);
            assertFalse(loop.run(RunMode.NOWAIT));
            assertEquals(2, calls.get());
        }
    }

    @Test
    void breakLoopFromACallbackReturnsAfterThatCallback() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            List<String> log = new ArrayList<>();
            loop.timer(FAR_SECONDS, 0, SECONDS).start(() -> { });
            loop.runCallback(() -> {
                log.add("a");
                loop.breakLoop();
                log.add("a-after-break");
            });
            loop.runCallback(() -> log.add("b"));
            assertTrue(loop.run(), "still alive: a timer is active and b is pending");
            assertFalse(g.fired());
            assertEquals(List.of("a", "a-after-break"), log);
            assertTrue(loop.hasPending());
            assertTrue(loop.run(RunMode.NOWAIT));
            assertEquals(List.of("a", "a-after-break", "b"), log);
        }
    }

    @Test
    void breakLoopFromARepeatingTimer() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicInteger calls = new AtomicInteger();
            TimerWatcher t = loop.timer(1, 1, MILLISECONDS);
            t.start(() -> {
                if (calls.incrementAndGet() == 3) {
                    loop.breakLoop();
                }
            });
            assertTrue(loop.run());
            assertFalse(g.fired());
            assertEquals(3, calls.get());
            assertTrue(t.isActive());
            // The break applied to that run only: the next run goes on.
            t.start(() -> {
                if (calls.incrementAndGet() == 6) {
                    t.stop();
                }
            });
            assertFalse(loop.run());
            assertEquals(6, calls.get());
        }
    }

    @Test
    void breakLoopFromAnotherThreadWakesABlockedLoop() throws InterruptedException {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicInteger calls = new AtomicInteger();
            loop.timer(FAR_SECONDS, 0, SECONDS).start(calls::incrementAndGet);
            Thread t = later(50, loop::breakLoop);
            assertTrue(loop.run());
            assertFalse(g.fired(), "breakLoop() from another thread did not wake the poll");
            assertEquals(0, calls.get());
            t.join(5_000);
        }
    }

    @Test
    void breakLoopOnTheOwnerWhileNotRunningDoesNotCutTheNextRunShort() {
        // It "makes the running run() return"; with none running there is nothing to break (libev's
        // ev_run likewise resets a stale break when it starts).
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            loop.breakLoop();
            AtomicInteger calls = new AtomicInteger();
            loop.timer(10, 0, MILLISECONDS).start(calls::incrementAndGet);
            assertFalse(loop.run());
            assertFalse(g.fired());
            assertEquals(1, calls.get(), "run() returned before its timer fired");
        }
    }

    @Test
    void breakLoopFromAnotherThreadWhileNotRunningAppliesToTheNextRun() throws InterruptedException {
        // Documented: from another thread it takes effect when the loop next runs pending work.
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher far = loop.timer(FAR_SECONDS, 0, SECONDS);
            far.start(() -> { });
            Thread t = new Thread(loop::breakLoop);
            t.start();
            t.join(5_000);
            assertTrue(loop.run());
            assertFalse(g.fired(), "the break sent before run() was lost");
            assertTrue(far.isActive());
            far.stop();
        }
    }

    @Test
    void runIsNotReentrant() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            loop.runCallback(() -> thrown.set(assertThrows(IllegalStateException.class, loop::run)));
            loop.runCallback(() -> {
                try {
                    loop.run(RunMode.NOWAIT);
                } catch (Throwable e) {
                    thrown.compareAndSet(null, e);
                }
            });
            loop.run();
            assertFalse(g.fired());
            assertNotNull(thrown.get());
            assertInstanceOf(IllegalStateException.class, thrown.get());
            assertTrue(thrown.get().getMessage().contains("reentrant"), thrown.get().getMessage());
            assertFalse(loop.isRunning());
            // and the loop is still usable
            AtomicInteger calls = new AtomicInteger();
            loop.runCallback(calls::incrementAndGet);
            loop.run();
            assertEquals(1, calls.get());
        }
    }

    @Test
    void isRunningIsTrueOnlyInsideRun() {
        try (Loop loop = new Loop()) {
            AtomicReference<Boolean> inside = new AtomicReference<>();
            loop.runCallback(() -> inside.set(loop.isRunning()));
            assertFalse(loop.isRunning());
            loop.run();
            assertTrue(inside.get());
            assertFalse(loop.isRunning());
        }
    }

    @Test
    void nowIsCachedAndUpdatedOncePerIteration() throws InterruptedException {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            long n0 = loop.now();
            Thread.sleep(20);
            assertEquals(n0, loop.now(), "now() is cached, not the clock");
            long u = loop.updateNow();
            assertEquals(u, loop.now());
            assertTrue(u - n0 >= MILLISECONDS.toNanos(20));

            AtomicLong seen = new AtomicLong();
            AtomicLong seenTwice = new AtomicLong();
            long beforeRun = System.nanoTime();
            loop.timer(10, 0, MILLISECONDS).start(() -> {
                seen.set(loop.now());
                busy(5);
                seenTwice.set(loop.now());
            });
            loop.run();
            assertFalse(g.fired());
            assertTrue(seen.get() - beforeRun >= MILLISECONDS.toNanos(10), "now() was updated after the poll");
            assertEquals(seen.get(), seenTwice.get(), "now() does not move inside an iteration");
            assertTrue(loop.now() - u > 0);
        }
    }

    @Test
    void iterationCounts() {
        try (Loop loop = new Loop()) {
            long i0 = loop.iteration();
            loop.run(RunMode.NOWAIT);
            loop.run(RunMode.NOWAIT);
            assertEquals(i0 + 2, loop.iteration());
        }
    }

    @Test
    void theLoopDoesNotSpinWhileBlocked() {
        // A blocked loop sleeps in the kernel: it must not iterate while waiting (with and without a timer).
        TestSupport.backends().forEach(b -> {
            for (boolean withTimer : new boolean[]{false, true}) {
                try (Loop loop = new Loop(b); TestSupport.Guard g = guard(loop)) {
                    if (withTimer) {
                        loop.timer(FAR_SECONDS, 0, SECONDS).start(() -> { });
                    }
                    AsyncWatcher a = loop.async();
                    a.start(loop::breakLoop);
                    long i0 = loop.iteration();
                    Thread t = later(300, a::send);
                    loop.run();
                    assertFalse(g.fired());
                    long spins = loop.iteration() - i0;
                    assertTrue(spins <= 20, b + (withTimer ? " with a far timer" : " without timers")
                            + ": the loop iterated " + spins + " times while waiting 300ms");
                    t.join(5_000);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        });
    }

    @Test
    void newLoopIsOwnedByItsCreatorAndUsesTheAutoBackend() {
        try (Loop loop = new Loop()) {
            assertEquals(Thread.currentThread(), loop.owner());
            assertTrue(loop.inLoopThread());
            assertEquals(Backend.auto(), loop.backend());
            assertTrue(loop.toString().contains(loop.backend().toString()));
        }
    }

    static void busy(long ms) {
        long end = System.nanoTime() + MILLISECONDS.toNanos(ms);
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
