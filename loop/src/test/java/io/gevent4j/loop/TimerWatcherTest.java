package io.gevent4j.loop;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.gevent4j.loop.TestSupport.FAR_SECONDS;
import static io.gevent4j.loop.TestSupport.guard;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimerWatcherTest {

    @Test
    void oneShotFiresOnceAndIsInactiveInItsCallback() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher t = loop.timer(10, 0, MILLISECONDS);
            AtomicInteger calls = new AtomicInteger();
            AtomicBoolean activeInCallback = new AtomicBoolean(true);
            AtomicBoolean pendingInCallback = new AtomicBoolean(true);
            t.start(() -> {
                calls.incrementAndGet();
                activeInCallback.set(t.isActive());
                pendingInCallback.set(t.isPending());
            });
            assertTrue(t.isActive());
            assertFalse(loop.run(), "nothing keeps the loop alive after a one-shot timer fired");
            assertFalse(g.fired());
            assertEquals(1, calls.get());
            assertFalse(activeInCallback.get(), "a one-shot timer is inactive in its callback");
            assertFalse(pendingInCallback.get());
            assertFalse(t.isActive());
            // More iterations never fire it again.
            loop.run(RunMode.NOWAIT);
            assertEquals(1, calls.get());
        }
    }

    @Test
    void zeroDelayTimerFiresInTheNextIteration() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicInteger calls = new AtomicInteger();
            loop.timer(0, 0).start(calls::incrementAndGet);
            loop.run(RunMode.ONCE);
            assertFalse(g.fired());
            assertEquals(1, calls.get());
        }
    }

    @Test
    void repeatingTimerFiresRepeatedlyAndStaysActive() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher t = loop.timer(1, 2, MILLISECONDS);
            AtomicInteger calls = new AtomicInteger();
            List<Boolean> active = new ArrayList<>();
            t.start(() -> {
                active.add(t.isActive());
                if (calls.incrementAndGet() == 5) {
                    t.stop();
                }
            });
            assertFalse(loop.run());
            assertFalse(g.fired());
            assertEquals(5, calls.get());
            assertEquals(List.of(true, true, true, true, true), active);
        }
    }

    @Test
    void repeatingTimerNeverFiresEarlyBetweenRepeats() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            long repeat = MILLISECONDS.toNanos(15);
            TimerWatcher t = loop.timer(repeat, repeat);
            List<Long> times = new ArrayList<>();
            long start = System.nanoTime();
            t.start(() -> {
                times.add(System.nanoTime());
                if (times.size() == 4) {
                    t.stop();
                }
            });
            loop.run();
            assertFalse(g.fired());
            assertEquals(4, times.size());
            // The n-th expiry is due n*repeat after the start; it must not run before that.
            for (int i = 0; i < times.size(); i++) {
                assertTrue(times.get(i) - start >= (i + 1) * repeat,
                        "expiry " + (i + 1) + " ran " + (times.get(i) - start) + "ns after start");
            }
        }
    }

    @Test
    void againRestartsAnActiveRepeatingTimerFromNow() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher t = loop.timer(FAR_SECONDS, 0, SECONDS);
            t.set(SECONDS.toNanos(FAR_SECONDS), MILLISECONDS.toNanos(30));
            AtomicLong firedAt = new AtomicLong();
            t.start(() -> {
                firedAt.set(System.nanoTime());
                t.stop();
            });
            long before = System.nanoTime();
            t.again();
            assertTrue(t.isActive());
            loop.updateNow();
            assertTrue(t.remaining() <= MILLISECONDS.toNanos(30), "again() uses repeat, not after: " + t.remaining());
            loop.run();
            assertFalse(g.fired(), "the restarted timer should fire after ~30ms, not after " + FAR_SECONDS + "s");
            assertTrue(firedAt.get() - before >= MILLISECONDS.toNanos(30));
        }
    }

    @Test
    void againPushesBackAnActiveRepeatingTimer() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            long repeat = MILLISECONDS.toNanos(60);
            TimerWatcher t = loop.timer(repeat, repeat);
            AtomicLong firedAt = new AtomicLong();
            t.start(() -> {
                firedAt.set(System.nanoTime());
                t.stop();
            });
            // Let 40ms of the 60ms pass, then restart: the expiry moves to 60ms after the again().
            loop.timer(40, 0, MILLISECONDS).start(() -> { });
            loop.run(RunMode.ONCE);
            long againAt = System.nanoTime();
            t.again();
            loop.run();
            assertFalse(g.fired());
            assertTrue(firedAt.get() - againAt >= repeat, "fired " + (firedAt.get() - againAt) + "ns after again()");
        }
    }

    @Test
    void againOnAPendingRepeatingTimerDropsTheExpiryItResets() {
        // The libev timeout idiom: activity calls again() to push the timeout back. When the activity
        // and the timeout became pending in the same iteration, the reset timeout must not run.
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            long repeat = MILLISECONDS.toNanos(50);
            TimerWatcher activity = loop.timer(0, 0);
            TimerWatcher timeout = loop.timer(0, repeat);
            List<Long> timeouts = new ArrayList<>();
            AtomicLong againAt = new AtomicLong();
            activity.start(() -> {
                againAt.set(System.nanoTime());
                timeout.again();
            });
            timeout.start(() -> {
                timeouts.add(System.nanoTime());
                timeout.stop();
            });
            loop.run(RunMode.NOWAIT);
            assertTrue(againAt.get() != 0, "the activity ran");
            assertEquals(List.of(), timeouts, "again() must drop the pending expiry it resets");
            assertTrue(timeout.isActive());
            loop.run();
            assertFalse(g.fired());
            assertEquals(1, timeouts.size());
            assertTrue(timeouts.get(0) - againAt.get() >= repeat);
        }
    }

    @Test
    void againStopsAnActiveOneShotTimer() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher t = loop.timer(10, 0, MILLISECONDS);
            AtomicInteger calls = new AtomicInteger();
            t.start(calls::incrementAndGet);
            t.again();
            assertFalse(t.isActive());
            assertFalse(loop.alive());
            assertFalse(loop.run());
            assertFalse(g.fired());
            assertEquals(0, calls.get());
        }
    }

    @Test
    void againStartsAnInactiveRepeatingTimerWithRepeatAsDelay() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher t = loop.timer(FAR_SECONDS, 0, SECONDS);
            t.set(SECONDS.toNanos(FAR_SECONDS), MILLISECONDS.toNanos(20));
            AtomicInteger calls = new AtomicInteger();
            AtomicLong firedAt = new AtomicLong();
            t.start(() -> {
                firedAt.set(System.nanoTime());
                if (calls.incrementAndGet() == 2) {
                    t.stop();
                }
            });
            t.stop();
            long before = System.nanoTime();
            t.again();
            assertTrue(t.isActive(), "again() starts an inactive repeating timer");
            loop.updateNow();
            assertTrue(t.remaining() <= MILLISECONDS.toNanos(20));
            loop.run();
            assertFalse(g.fired(), "again() must use repeat (20ms) as the first delay, not after (60s)");
            assertEquals(2, calls.get(), "the callback given to start() is kept");
            assertTrue(firedAt.get() - before >= MILLISECONDS.toNanos(40));
            // A later plain start() uses 'after' again.
            t.start(() -> { });
            loop.updateNow();
            assertTrue(t.remaining() > SECONDS.toNanos(FAR_SECONDS - 5));
            t.stop();
        }
    }

    @Test
    void againOnAnInactiveOneShotTimerDoesNothing() {
        try (Loop loop = new Loop()) {
            TimerWatcher t = loop.timer(10, 0, MILLISECONDS);
            t.start(() -> { });
            t.stop();
            t.again();
            assertFalse(t.isActive());
            assertFalse(loop.alive());
        }
    }

    @Test
    void timersDueTogetherFireInStartOrder() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int n = i;
                loop.timer(0, 0).start(() -> order.add(n));
            }
            loop.run();
            assertFalse(g.fired());
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                expected.add(i);
            }
            assertEquals(expected, order);
        }
    }

    @Test
    void timersWithTheSameDeadlineFireInStartOrder() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            List<Integer> order = new ArrayList<>();
            List<TimerWatcher> timers = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int n = i;
                TimerWatcher t = loop.timer(5, 0, MILLISECONDS);
                t.start(() -> order.add(n));
                timers.add(t);
            }
            // Give every timer exactly the same deadline (white box: nanoTime rarely repeats on its own);
            // re-queue them in start order so that their start sequence is preserved.
            long deadline = System.nanoTime() + MILLISECONDS.toNanos(5);
            for (TimerWatcher t : timers) {
                loop.timers.remove(t);
            }
            for (TimerWatcher t : timers) {
                t.deadline = deadline;
                loop.timers.add(t);
            }
            loop.run();
            assertFalse(g.fired());
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                expected.add(i);
            }
            assertEquals(expected, order);
        }
    }

    @Test
    void manyTimersFireInDeadlineOrderAndStoppedOnesNever() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            Random rnd = new Random(42);
            List<long[]> fired = new ArrayList<>(); // {deadline, seq}
            List<TimerWatcher> timers = new ArrayList<>();
            AtomicInteger stoppedFired = new AtomicInteger();
            for (int i = 0; i < 500; i++) {
                TimerWatcher t = loop.timer(MILLISECONDS.toNanos(rnd.nextInt(30)), 0);
                timers.add(t);
            }
            Collections.shuffle(timers, rnd);
            List<TimerWatcher> stopped = new ArrayList<>();
            for (TimerWatcher t : timers) {
                t.start(() -> fired.add(new long[]{t.deadline, t.seq}));
            }
            for (int i = 0; i < timers.size(); i += 3) {
                TimerWatcher t = timers.get(i);
                t.stop();
                t.start(stoppedFired::incrementAndGet); // restarted: new deadline, other callback
                t.stop();
                stopped.add(t);
            }
            loop.run();
            assertFalse(g.fired());
            assertEquals(0, stoppedFired.get(), "stopped timers must not fire");
            assertEquals(timers.size() - stopped.size(), fired.size());
            for (int i = 1; i < fired.size(); i++) {
                long[] a = fired.get(i - 1);
                long[] b = fired.get(i);
                assertTrue(a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]), "timer fired out of deadline order at " + i);
            }
        }
    }

    @Test
    void neverFiresEarly() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            for (long ms : new long[]{1, 3, 10, 25}) {
                AtomicLong firedAt = new AtomicLong();
                long before = System.nanoTime();
                loop.timer(ms, 0, MILLISECONDS).start(() -> firedAt.set(System.nanoTime()));
                loop.run();
                long after = System.nanoTime();
                assertTrue(firedAt.get() != 0, "timer of " + ms + "ms did not fire");
                assertTrue(firedAt.get() - before >= MILLISECONDS.toNanos(ms),
                        "timer of " + ms + "ms fired after " + (firedAt.get() - before) + "ns");
                assertTrue(after - before >= MILLISECONDS.toNanos(ms));
            }
            assertFalse(g.fired());
        }
    }

    @Test
    void neverFiresEarlyEvenWhenTheCachedNowIsStale() throws InterruptedException {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            loop.run(RunMode.NOWAIT);
            Thread.sleep(60); // now() is now 60ms behind the clock
            AtomicLong firedAt = new AtomicLong();
            long before = System.nanoTime();
            loop.timer(40, 0, MILLISECONDS).start(() -> firedAt.set(System.nanoTime()));
            loop.run();
            assertFalse(g.fired());
            assertTrue(firedAt.get() - before >= MILLISECONDS.toNanos(40),
                    "a 40ms timer fired " + (firedAt.get() - before) + "ns after it was started");
        }
    }

    @Test
    void stopBeforeItFiresPreventsTheCallback() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicInteger calls = new AtomicInteger();
            TimerWatcher t = loop.timer(5, 0, MILLISECONDS);
            t.start(calls::incrementAndGet);
            t.stop();
            assertFalse(t.isActive());
            assertFalse(loop.run());
            loop.timer(20, 0, MILLISECONDS).start(() -> { }); // let 5ms pass with the loop running
            loop.run();
            assertFalse(g.fired());
            assertEquals(0, calls.get());
        }
    }

    @Test
    void stopOfAPendingTimerPreventsItsCallback() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicInteger secondCalls = new AtomicInteger();
            TimerWatcher second = loop.timer(0, 0);
            AtomicBoolean secondWasPending = new AtomicBoolean();
            TimerWatcher first = loop.timer(0, 0);
            first.start(() -> {
                secondWasPending.set(second.isPending());
                second.stop();
            });
            second.start(secondCalls::incrementAndGet);
            loop.run();
            assertFalse(g.fired());
            assertTrue(secondWasPending.get(), "both timers expired in the same iteration");
            assertEquals(0, secondCalls.get(), "stop() must drop a pending invocation");
            assertFalse(second.isPending());
        }
    }

    @Test
    void stopOfAPendingRepeatingTimerPreventsItsCallback() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicInteger calls = new AtomicInteger();
            TimerWatcher rep = loop.timer(0, MILLISECONDS.toNanos(1));
            TimerWatcher stopper = loop.timer(0, 0);
            stopper.start(rep::stop);
            rep.start(calls::incrementAndGet);
            loop.run();
            assertFalse(g.fired());
            assertEquals(0, calls.get());
            assertFalse(rep.isActive());
        }
    }

    @Test
    void negativeDelaysAreRejected() {
        try (Loop loop = new Loop()) {
            assertThrows(IllegalArgumentException.class, () -> loop.timer(-1, 0, MILLISECONDS));
            assertThrows(IllegalArgumentException.class, () -> loop.timer(0, -1, MILLISECONDS));
            assertThrows(IllegalArgumentException.class, () -> loop.timer(-1, 0));
            TimerWatcher t = loop.timer(1, 0, MILLISECONDS);
            assertThrows(IllegalArgumentException.class, () -> t.set(-5, 0));
            assertThrows(IllegalArgumentException.class, () -> t.set(0, -5));
            assertEquals(MILLISECONDS.toNanos(1), t.after(), "a rejected set() changes nothing");
            assertEquals(0, t.repeat());
        }
    }

    @Test
    void hugeDelayDoesNotFire() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicInteger calls = new AtomicInteger();
            TimerWatcher huge = loop.timer(Long.MAX_VALUE, 0, TimeUnit.DAYS); // saturates to Long.MAX_VALUE ns
            huge.start(calls::incrementAndGet);
            loop.timer(20, 0, MILLISECONDS).start(() -> { });
            loop.run(RunMode.ONCE);
            loop.run(RunMode.NOWAIT);
            assertFalse(g.fired());
            assertEquals(0, calls.get());
            assertTrue(huge.isActive());
            huge.stop();
        }
    }

    @Test
    void remainingTellsTheTimeToTheNextExpiry() throws InterruptedException {
        try (Loop loop = new Loop()) {
            TimerWatcher t = loop.timer(10, 0, SECONDS);
            assertEquals(0, t.remaining(), "inactive timer");
            t.start(() -> { });
            loop.updateNow();
            long r = t.remaining();
            assertTrue(r > SECONDS.toNanos(9) && r <= SECONDS.toNanos(10), "remaining " + r);
            Thread.sleep(30);
            loop.updateNow();
            assertTrue(t.remaining() < r, "remaining decreases as the loop's time advances");
            t.stop();
            assertEquals(0, t.remaining());
        }
    }

    @Test
    void setChangesTheDelaysAtTheNextStart() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            TimerWatcher t = loop.timer(FAR_SECONDS, 0, SECONDS);
            AtomicInteger calls = new AtomicInteger();
            t.set(MILLISECONDS.toNanos(5), 0);
            assertEquals(MILLISECONDS.toNanos(5), t.after());
            t.start(calls::incrementAndGet);
            loop.run();
            assertFalse(g.fired());
            assertEquals(1, calls.get());
        }
    }

    @Test
    void startingAnActiveTimerOnlyReplacesItsCallback() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            List<String> log = new ArrayList<>();
            TimerWatcher t = loop.timer(10, 0, MILLISECONDS);
            t.start(() -> log.add("old"));
            t.start(() -> log.add("new"));
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of("new"), log);
        }
    }

    @Test
    void aTimerCanBeRestartedFromItsOwnCallback() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AtomicInteger calls = new AtomicInteger();
            TimerWatcher t = loop.timer(1, 0, MILLISECONDS);
            Runnable[] cb = new Runnable[1];
            cb[0] = () -> {
                if (calls.incrementAndGet() < 3) {
                    t.start(cb[0]);
                }
            };
            t.start(cb[0]);
            loop.run();
            assertFalse(g.fired());
            assertEquals(3, calls.get());
        }
    }
}
