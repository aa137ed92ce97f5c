package io.gevent4j.monkey;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What needs no patch (JDK blocking calls park greenlets, which are virtual threads) and the drop-in
 * {@link Cooperative#sleep}. Every test runs its greenlets on the test thread's single hub: anything
 * non-cooperative would deadlock it (and hit the timeout) instead of passing.
 */
@Timeout(30)
class CooperativeTest {

    @Test
    void threadSleepInAGreenletLetsTheOthersRun() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Greenlet<Void> sleeper = Gevent.spawn(() -> {
            events.add("sleeper starts");
            Thread.sleep(50);
            events.add("sleeper wakes");
            return null;
        });
        Greenlet<Void> worker = Gevent.spawn(() -> {
            events.add("worker runs");
            return null;
        });
        Gevent.joinall(List.of(sleeper, worker));
        assertEquals(List.of("sleeper starts", "worker runs", "sleeper wakes"), events);
    }

    @Test
    void javaUtilConcurrentQueuesHandOffBetweenGreenletsOfOneHub() throws Exception {
        BlockingQueue<Integer> rendezvous = new SynchronousQueue<>();
        BlockingQueue<Integer> results = new ArrayBlockingQueue<>(1);
        Greenlet<Void> consumer = Gevent.spawn(() -> {
            int sum = 0;
            for (int i = 0; i < 100; i++) {
                sum += rendezvous.take();
            }
            results.put(sum);
            return null;
        });
        Greenlet<Void> producer = Gevent.spawn(() -> {
            for (int i = 1; i <= 100; i++) {
                rendezvous.put(i);
            }
            return null;
        });
        Gevent.joinallOrThrow(List.of(consumer, producer));
        assertEquals(5050, results.poll());
    }

    @Test
    void locksAndLatchesParkOnlyTheGreenlet() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        CountDownLatch go = new CountDownLatch(1);
        List<String> events = new CopyOnWriteArrayList<>();
        Greenlet<Void> holder = Gevent.spawn(() -> {
            lock.lock();
            try {
                events.add("holder has the lock");
                go.await();
                events.add("holder released by the latch");
            } finally {
                lock.unlock();
            }
            return null;
        });
        Greenlet<Void> waiter = Gevent.spawn(() -> {
            events.add("waiter counts down");
            go.countDown();
            lock.lock();
            try {
                events.add("waiter has the lock");
            } finally {
                lock.unlock();
            }
            return null;
        });
        Gevent.joinallOrThrow(List.of(holder, waiter));
        assertEquals(List.of("holder has the lock", "waiter counts down", "holder released by the latch",
                "waiter has the lock"), events);
    }

    @Test
    void sleepOnTheHubOwnerThreadRunsTheGreenlets() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Gevent.spawn(() -> events.add("greenlet ran"));
        Cooperative.sleep(20);
        assertEquals(List.of("greenlet ran"), events);
    }

    @Test
    void sleepHasThreadSleepSemantics() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Cooperative.sleep(-1));
        // Interrupted before: throws at once and clears the status, on the hub owner and in a greenlet.
        Gevent.getHub();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> Cooperative.sleep(10_000));
        assertFalse(Thread.interrupted());
        Greenlet<Boolean> g = Gevent.spawn(() -> {
            Thread.currentThread().interrupt();
            try {
                Cooperative.sleep(Duration.ofSeconds(10));
                return false;
            } catch (InterruptedException e) {
                return !Thread.currentThread().isInterrupted();
            }
        });
        assertTrue(g.get());
    }

    @Test
    void aGreenletSleepingIsWokenByInterrupt() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Thread> self = new java.util.concurrent.atomic.AtomicReference<>();
        Greenlet<String> sleeper = Gevent.spawn(() -> {
            self.set(Thread.currentThread());
            try {
                Cooperative.sleep(10_000);
                return "slept";
            } catch (InterruptedException e) {
                return "interrupted";
            }
        });
        Gevent.sleep(10); // let it start sleeping
        self.get().interrupt();
        assertEquals("interrupted", sleeper.get());
    }
}
