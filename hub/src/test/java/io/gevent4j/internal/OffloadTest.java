package io.gevent4j.internal;

import io.gevent4j.FreshHub;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.ThreadPool;
import io.gevent4j.Timeout;
import io.gevent4j.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What happens to offloaded work when the greenlet waiting for it leaves early. */
@ExtendWith(FreshHub.class)
@org.junit.jupiter.api.Timeout(30)
class OffloadTest {

    /** Occupies the pool's only thread until the latch opens. */
    private static CountDownLatch plug(ThreadPool pool) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        pool.execute(() -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(running.await(10, TimeUnit.SECONDS));
        return release;
    }

    @Test
    void valuesAndExceptionsComeBackAsThrown() throws IOException {
        try (ThreadPool pool = new ThreadPool(1)) {
            assertEquals("v", Gevent.spawn(() -> Offload.call(pool, () -> "v", false, null)).get());
            IOException boom = new IOException("boom");
            Greenlet<Object> g = Gevent.spawn(() -> Offload.call(pool, () -> {
                throw boom;
            }, false, null));
            g.join();
            assertSame(boom, g.exception());
            IllegalStateException ise = new IllegalStateException("unchecked");
            assertSame(ise, assertThrows(IllegalStateException.class, () -> Offload.call(pool, () -> {
                throw ise;
            }, false, null)));
        }
    }

    @Test
    void workAbandonedWhileQueuedNeverRuns() throws Exception {
        try (ThreadPool pool = new ThreadPool(1)) {
            CountDownLatch release = plug(pool);
            AtomicBoolean ran = new AtomicBoolean();
            AtomicBoolean cleaned = new AtomicBoolean();
            Greenlet<String> g = Gevent.spawn(() -> Offload.call(pool, () -> {
                ran.set(true);
                return "late";
            }, false, null, () -> cleaned.set(true)));
            Gevent.sleep(20);
            assertFalse(g.ready());
            g.kill();
            assertNotNull(g.killedBy());
            release.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            assertFalse(ran.get(), "a job abandoned in the queue is skipped");
            assertTrue(cleaned.get(), "and its clean-up runs instead");
        }
    }

    @Test
    void workAbandonedWhileRunningIsInterruptedWhenAsked() throws Exception {
        try (ThreadPool pool = new ThreadPool(1)) {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<String> outcome = new AtomicReference<>();
            Greenlet<String> g = Gevent.spawn(() -> Offload.call(pool, () -> {
                started.countDown();
                try {
                    Thread.sleep(10_000);
                    outcome.set("slept");
                } catch (InterruptedException e) {
                    outcome.set("interrupted");
                }
                return "x";
            }, true, null));
            assertTrue(TestFiles.eventually(() -> started.getCount() == 0));
            try (Timeout t = Timeout.start(Duration.ofMillis(10))) {
                g.join();
            } catch (Timeout expected) {
                // the greenlet stays parked: it waits for the pool
            }
            assertFalse(g.ready());
            g.kill();
            assertTrue(g.ready());
            assertTrue(TestFiles.eventually(() -> outcome.get() != null));
            assertEquals("interrupted", outcome.get());
            // The interrupt does not leak into the pool thread's next task.
            assertEquals(false, Gevent.spawn(() -> Offload.call(pool, () -> Thread.currentThread().isInterrupted(),
                    false, null)).get());
        }
    }

    @Test
    void workAbandonedWhileRunningFinishesWhenNotInterruptedAndItsValueIsDisposed() throws Exception {
        try (ThreadPool pool = new ThreadPool(1)) {
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<String> disposed = new AtomicReference<>();
            Greenlet<String> g = Gevent.spawn(() -> Offload.call(pool, () -> {
                started.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return "interrupted";
                }
                return "resource";
            }, false, disposed::set));
            assertTrue(TestFiles.eventually(() -> started.getCount() == 0));
            g.kill();
            assertTrue(g.ready());
            go.countDown();
            assertTrue(TestFiles.eventually(() -> disposed.get() != null));
            assertEquals("resource", disposed.get(), "the late value goes to the disposer, not lost");
        }
    }

    @Test
    void manyAbandonmentsLoseNoValue() throws Exception {
        // Kills land at every stage (queued, running, just done): every value produced is either
        // returned to its greenlet or disposed of, never both, never neither.
        try (ThreadPool pool = new ThreadPool(2)) {
            AtomicInteger produced = new AtomicInteger();
            AtomicInteger disposed = new AtomicInteger();
            AtomicInteger returned = new AtomicInteger();
            for (int round = 0; round < 200; round++) {
                Greenlet<Integer> g = Gevent.spawn(() -> {
                    int v = Offload.call(pool, () -> {
                        produced.incrementAndGet();
                        return 1;
                    }, false, x -> disposed.incrementAndGet());
                    returned.incrementAndGet();
                    return v;
                });
                if (round % 3 != 0) {
                    Gevent.sleep(0);
                }
                g.kill();
            }
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            assertTrue(TestFiles.eventually(() -> produced.get() == disposed.get() + returned.get()),
                    produced + " produced, " + disposed + " disposed, " + returned + " returned");
        }
    }
}
