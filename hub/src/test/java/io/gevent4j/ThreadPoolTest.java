package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class ThreadPoolTest {

    private static void block(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void spawnRunsOnARealThreadAndReturnsAnAsyncResult() {
        try (ThreadPool pool = new ThreadPool(2)) {
            Thread hubThread = Thread.currentThread();
            AsyncResult<String> r = pool.spawn(() -> {
                assertFalse(Thread.currentThread().isVirtual());
                assertTrue(Thread.currentThread() != hubThread);
                return Thread.currentThread().getName();
            });
            assertTrue(r.get().startsWith("gevent4j-threadpool-"));
            assertEquals(2, pool.maxsize());
        }
    }

    @Test
    void exceptionsArriveAsTheyWereThrown() {
        try (ThreadPool pool = new ThreadPool(1)) {
            IOException boom = new IOException("disk");
            AsyncResult<Object> r = pool.spawn(() -> {
                throw boom;
            });
            Exception e = assertThrows(java.util.concurrent.CompletionException.class, r::get);
            assertSame(boom, e.getCause());
            assertSame(boom, assertThrows(IOException.class, () -> r.get(IOException.class)));
            Exception e2 = assertThrows(java.util.concurrent.CompletionException.class, () -> pool.apply(() -> {
                throw boom;
            }));
            assertSame(boom, e2.getCause());
        }
    }

    @Test
    void applyAndMap() {
        try (ThreadPool pool = new ThreadPool(4)) {
            assertEquals(9, pool.apply(() -> 3 * 3));
            List<Integer> out = pool.map(i -> {
                block(5L * (10 - i));
                return i + 1;
            }, IntStream.range(0, 10).boxed().toList());
            assertEquals(IntStream.range(1, 11).boxed().toList(), out);
        }
    }

    @Test
    void hundredGreenletsKeepTickingWhileEightJobsOf200msRun() {
        try (ThreadPool pool = new ThreadPool(8)) {
            AtomicLong ticks = new AtomicLong();
            AtomicLong ticksDuringJobs = new AtomicLong();
            AtomicInteger jobsRunning = new AtomicInteger();
            int[] perTickerDuringJobs = new int[100];
            List<Greenlet<Void>> tickers = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int me = i;
                tickers.add(Gevent.spawn(() -> {
                    while (true) {
                        Gevent.sleep(5);
                        ticks.incrementAndGet();
                        if (jobsRunning.get() > 0) {
                            ticksDuringJobs.incrementAndGet();
                            perTickerDuringJobs[me]++;
                        }
                    }
                }));
            }
            Gevent.sleep(10);
            long t0 = System.nanoTime();
            List<AsyncResult<Long>> jobs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                jobs.add(pool.spawn(() -> {
                    jobsRunning.incrementAndGet();
                    long s = System.nanoTime();
                    block(200);
                    jobsRunning.decrementAndGet();
                    return (System.nanoTime() - s) / 1_000_000;
                }));
            }
            long before = ticks.get();
            List<AsyncResult<Long>> done = Gevent.await(jobs, Duration.ofSeconds(10));
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(8, done.size());
            jobs.forEach(j -> assertTrue(j.get() >= 195));
            assertTrue(elapsedMs < 8 * 200, "the jobs ran one after the other: " + elapsedMs + " ms");
            // 100 greenlets ticking every 5 ms for ~200 ms: up to 4,000 ticks on an idle machine. What
            // the user relies on: every one of them kept running while the jobs blocked real threads.
            for (int i = 0; i < 100; i++) {
                assertTrue(perTickerDuringJobs[i] >= 5, "ticker " + i + " ticked only " + perTickerDuringJobs[i]
                        + " times while the jobs ran (all: " + ticksDuringJobs.get() + ")");
            }
            assertTrue(ticks.get() - before >= 500, "ticks: " + (ticks.get() - before));
            Gevent.killall(tickers);
        }
    }

    @Test
    void theOwnerWaitingForAJobGetsNoLoopExit() {
        try (ThreadPool pool = new ThreadPool(1)) {
            // Nothing else on this hub: the pending job alone keeps it waiting.
            assertEquals("slow", pool.spawn(() -> {
                block(50);
                return "slow";
            }).get());
            assertEquals(List.of(), Gevent.await(List.of(new AsyncResult<>()), Duration.ofMillis(5)));
        }
    }

    @Test
    void killWhileWaitingForAJobStopsTheWaitNotTheJob() {
        try (ThreadPool pool = new ThreadPool(1)) {
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger finished = new AtomicInteger();
            AsyncResult<String> job = pool.spawn(() -> {
                release.await(5, TimeUnit.SECONDS);
                finished.incrementAndGet();
                return "job";
            });
            Greenlet<String> waiter = Gevent.spawn(() -> job.get());
            Gevent.sleep(5);
            waiter.kill();
            assertInstanceOf(GreenletExit.class, waiter.killedBy());
            release.countDown();
            assertEquals("job", job.get());
            assertEquals(1, finished.get());
        }
    }

    @Test
    void timeoutWhileWaitingForAJob() {
        try (ThreadPool pool = new ThreadPool(1)) {
            AsyncResult<String> job = pool.spawn(() -> {
                block(200);
                return "late";
            });
            assertThrows(Timeout.class, () -> job.get(Duration.ofMillis(10)));
            assertEquals("late", job.get());
        }
    }

    @Test
    void asAnExecutorServiceItsFuturesWaitCooperatively() throws Exception {
        try (ThreadPool pool = new ThreadPool(2)) {
            AtomicLong ticks = new AtomicLong();
            Greenlet<Void> ticker = Gevent.spawn(() -> {
                while (true) {
                    Gevent.sleep(2);
                    ticks.incrementAndGet();
                }
            });
            Future<String> f = pool.submit(() -> {
                block(100);
                return "submitted";
            });
            Greenlet<String> g = Gevent.spawn(() -> f.get());
            assertEquals("submitted", g.get());
            assertTrue(ticks.get() >= 10, "the hub stalled: " + ticks.get());
            // On the owner thread too.
            long before = ticks.get();
            assertEquals("again", pool.submit(() -> {
                block(50);
                return "again";
            }).get());
            assertTrue(ticks.get() - before >= 5);
            Future<?> slow = pool.submit(() -> block(200));
            assertThrows(TimeoutException.class, () -> slow.get(10, TimeUnit.MILLISECONDS));
            List<Future<Integer>> all = pool.invokeAll(List.<Callable<Integer>>of(() -> 1, () -> 2, () -> 3));
            int sum = 0;
            for (Future<Integer> x : all) {
                sum += x.get();
            }
            assertEquals(6, sum);
            Future<Object> failing = pool.submit(() -> {
                throw new IOException("io");
            });
            ExecutionException e = assertThrows(ExecutionException.class, failing::get);
            assertInstanceOf(IOException.class, e.getCause());
            ticker.kill();
        }
    }

    @Test
    void shutdownRejectsNewWorkAndCloseWaitsForRunningWork() throws Exception {
        ThreadPool pool = new ThreadPool(2);
        AtomicInteger done = new AtomicInteger();
        pool.execute(() -> {
            block(50);
            done.incrementAndGet();
        });
        pool.shutdown();
        assertTrue(pool.isShutdown());
        assertThrows(RejectedExecutionException.class, () -> pool.spawn(() -> 1));
        assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
        assertTrue(pool.isTerminated());
        assertEquals(1, done.get());
        pool.close();
    }

    @Test
    void usableFromAPlainPlatformThreadWithoutAHub() throws Exception {
        try (ThreadPool pool = new ThreadPool(1)) {
            Object[] got = new Object[1];
            Thread t = new Thread(() -> got[0] = pool.apply(() -> "from a thread"));
            t.start();
            t.join(5_000);
            assertEquals("from a thread", got[0]);
            assertTrue(Hub.current() != null);
        }
    }
}
