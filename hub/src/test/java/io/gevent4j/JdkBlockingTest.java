package io.gevent4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JDK blocking calls inside greenlets park the greenlet, not the hub: other greenlets of the same hub
 * keep running. Each test would deadlock (and hit its timeout) if a call blocked the hub's thread.
 */
@ExtendWith(FreshHub.class)
class JdkBlockingTest {

    @Test
    @Timeout(20)
    void hundredGreenletsInThreadSleepSleepConcurrently() {
        AtomicInteger done = new AtomicInteger();
        List<Greenlet<Void>> gs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            gs.add(Gevent.spawn(() -> {
                Thread.sleep(100);
                done.incrementAndGet();
                return null;
            }));
        }
        Gevent.joinall(gs);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(100, done.get());
        assertTrue(gs.stream().allMatch(Greenlet::successful));
        // One after the other they would take 10 s; together about 100 ms.
        assertTrue(ms < 5_000, "100 x Thread.sleep(100) took " + ms + " ms: the sleeps did not overlap");
        assertTrue(ms >= 100, "Thread.sleep(100) returned after " + ms + " ms");
    }

    @Test
    @Timeout(10)
    void threadSleepLetsOtherGreenletsRun() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> sleeper = Gevent.spawn(() -> {
            out.add("sleeper-start");
            Thread.sleep(50);
            out.add("sleeper-end");
            return null;
        });
        Greenlet<Void> other = Gevent.spawn(() -> {
            out.add("other");
        });
        Gevent.joinall(List.of(sleeper, other));
        assertEquals(List.of("sleeper-start", "other", "sleeper-end"), out);
    }

    @Test
    @Timeout(10)
    void reentrantLockContentionParksTheGreenlet() {
        ReentrantLock lock = new ReentrantLock();
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> holder = Gevent.spawn(() -> {
            lock.lock();
            try {
                out.add("A-locked");
                Gevent.sleep(30);
                out.add("A-unlocking");
            } finally {
                lock.unlock();
            }
        });
        Greenlet<Void> waiter = Gevent.spawn(() -> {
            out.add("B-locking");
            lock.lock(); // held by A, who needs the hub to wake up: B must park, not block the hub
            try {
                out.add("B-locked");
            } finally {
                lock.unlock();
            }
        });
        Greenlet<Void> bystander = Gevent.spawn(() -> {
            out.add("C-ran");
        });
        Gevent.joinall(List.of(holder, waiter, bystander));
        assertEquals(List.of("A-locked", "B-locking", "C-ran", "A-unlocking", "B-locked"), out);
    }

    @Test
    @Timeout(10)
    void conditionAwaitAndSignalBetweenGreenlets() {
        ReentrantLock lock = new ReentrantLock();
        Condition changed = lock.newCondition();
        int[] box = {0};
        Greenlet<Integer> consumer = Gevent.spawn(() -> {
            lock.lock();
            try {
                while (box[0] == 0) {
                    changed.await();
                }
                return box[0];
            } finally {
                lock.unlock();
            }
        });
        Greenlet<Void> producer = Gevent.spawn(() -> {
            Gevent.sleep(10);
            lock.lock();
            try {
                box[0] = 7;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        });
        Gevent.joinall(List.of(consumer, producer));
        assertEquals(7, consumer.get());
    }

    @Test
    @Timeout(10)
    void producerAndConsumerHandOffThroughALinkedBlockingQueue() {
        LinkedBlockingQueue<Integer> q = new LinkedBlockingQueue<>(1); // put blocks whenever it is full
        List<Integer> got = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> producer = Gevent.spawn(() -> {
            for (int i = 0; i < 200; i++) {
                q.put(i);
            }
            q.put(-1);
            return null;
        });
        Greenlet<Void> consumer = Gevent.spawn(() -> {
            for (int v; (v = q.take()) != -1; ) {
                got.add(v);
            }
            return null;
        });
        Gevent.joinall(List.of(producer, consumer));
        assertTrue(producer.successful() && consumer.successful(), producer + " " + consumer);
        assertEquals(IntStream.range(0, 200).boxed().toList(), got);
    }

    @Test
    @Timeout(10)
    void timedPollOnAnEmptyQueueReturnsNullAfterTheDelay() {
        ArrayBlockingQueue<String> q = new ArrayBlockingQueue<>(4);
        AtomicInteger ticks = new AtomicInteger();
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            for (int i = 0; i < 5; i++) {
                Gevent.sleep(2);
                ticks.incrementAndGet();
            }
        });
        Greenlet<Long> poller = Gevent.spawn(() -> {
            long t0 = System.nanoTime();
            String s = q.poll(50, TimeUnit.MILLISECONDS);
            assertEquals(null, s);
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        });
        Gevent.joinall(List.of(ticker, poller));
        assertTrue(poller.get() >= 50, "poll(50ms) returned after " + poller.get() + " ms");
        assertEquals(5, ticks.get(), "the ticker ran while the poller waited");
    }

    @Test
    @Timeout(10)
    void countDownLatchReleasesAllWaitingGreenlets() {
        CountDownLatch latch = new CountDownLatch(3);
        AtomicInteger released = new AtomicInteger();
        List<Greenlet<?>> gs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            gs.add(Gevent.spawn(() -> {
                latch.await();
                released.incrementAndGet();
                return null;
            }));
        }
        gs.add(Gevent.spawn(() -> {
            for (int i = 0; i < 3; i++) {
                Gevent.sleep(5);
                assertEquals(0, released.get(), "released before the latch opened");
                latch.countDown();
            }
        }));
        Gevent.joinall(gs);
        assertEquals(10, released.get());
    }

    @Test
    @Timeout(10)
    void semaphoreBetweenGreenlets() {
        Semaphore permits = new Semaphore(2);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        List<Greenlet<?>> gs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            gs.add(Gevent.spawn(() -> {
                permits.acquire();
                try {
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    Thread.sleep(5);
                    inside.decrementAndGet();
                } finally {
                    permits.release();
                }
                return null;
            }));
        }
        Gevent.joinall(gs);
        assertTrue(gs.stream().allMatch(Greenlet::successful));
        assertEquals(2, maxInside.get());
    }

    @Test
    @Timeout(10)
    void objectWaitAndNotifyInsideSynchronized() {
        Object monitor = new Object();
        boolean[] flag = {false};
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> waiter = Gevent.spawn(() -> {
            synchronized (monitor) {
                while (!flag[0]) {
                    out.add("waiting");
                    monitor.wait();
                }
                out.add("woken");
            }
            return null;
        });
        Greenlet<Void> notifier = Gevent.spawn(() -> {
            out.add("notifier-start");
            Gevent.sleep(10);
            synchronized (monitor) {
                flag[0] = true;
                monitor.notifyAll();
            }
            out.add("notified");
        });
        Gevent.joinall(List.of(waiter, notifier));
        assertTrue(waiter.successful(), String.valueOf(waiter.exception()));
        assertEquals(List.of("waiting", "notifier-start", "notified", "woken"), out);
    }

    @Test
    @Timeout(10)
    void timedObjectWaitTimesOut() {
        Object monitor = new Object();
        Greenlet<Long> g = Gevent.spawn(() -> {
            long t0 = System.nanoTime();
            synchronized (monitor) {
                monitor.wait(30);
            }
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        });
        AtomicInteger others = new AtomicInteger();
        Greenlet<Void> other = Gevent.spawn(() -> {
            others.incrementAndGet();
        });
        Gevent.joinall(List.of(g, other));
        assertTrue(g.get() >= 29, "wait(30) returned after " + g.get() + " ms");
        assertEquals(1, others.get());
    }

    @Test
    @Timeout(10)
    void monitorContentionParksTheGreenlet() {
        Object monitor = new Object();
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> holder = Gevent.spawn(() -> {
            synchronized (monitor) {
                out.add("A-in");
                Thread.sleep(30); // inside synchronized: JDK 24+ unmounts anyway
                out.add("A-out");
            }
            return null;
        });
        Greenlet<Void> blocked = Gevent.spawn(() -> {
            out.add("B-entering");
            synchronized (monitor) {
                out.add("B-in");
            }
        });
        Greenlet<Void> bystander = Gevent.spawn(() -> {
            out.add("C-ran");
        });
        Gevent.joinall(List.of(holder, blocked, bystander));
        assertEquals(List.of("A-in", "B-entering", "C-ran", "A-out", "B-in"), out);
    }

    @Test
    @Timeout(10)
    void completableFutureCompletedByAnotherThreadWakesTheGreenlet() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Greenlet<String> g = Gevent.spawn(() -> f.get(5, TimeUnit.SECONDS));
        Greenlet<Void> starter = Gevent.spawn(() -> {
            Thread.ofPlatform().start(() -> {
                SchedulingTest.sleepUninterruptibly(20);
                f.complete("done");
            });
        });
        Gevent.joinall(List.of(g, starter));
        assertEquals("done", g.get());
    }

    @Test
    @Timeout(10)
    void aGreenletWithItsInterruptFlagSetCanStillBlockInGeventCalls() {
        // The usual idiom "catch (InterruptedException e) { Thread.currentThread().interrupt(); }"
        // must not turn the next gevent wait into a busy loop that starves the hub.
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Boolean> g = Gevent.spawn(() -> {
            Thread.currentThread().interrupt();
            Gevent.sleep(20);
            out.add("slept");
            new io.gevent4j.hub.Waiter<String>().await(java.time.Duration.ofMillis(5));
            return Thread.currentThread().isInterrupted();
        });
        Greenlet<Void> other = Gevent.spawn(() -> {
            Gevent.sleep(1);
            out.add("other");
        });
        assertTrue(g.join(java.time.Duration.ofSeconds(5)), "the hub is stuck");
        assertEquals(true, g.get(), "the interrupt status is kept for the JDK calls that want it");
        assertTrue(other.join(java.time.Duration.ofSeconds(5)));
        assertTrue(out.containsAll(List.of("other", "slept")), out.toString());
    }
}
