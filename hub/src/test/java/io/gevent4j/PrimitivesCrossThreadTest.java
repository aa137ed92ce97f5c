package io.gevent4j;

import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Primitives used from threads that are not their hub's, and JDK queues used from greenlets. */
@org.junit.jupiter.api.Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class PrimitivesCrossThreadTest {
    private static final int N = 10_000;

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Greenlet<Void>> consumers(BlockingQueue<Integer> q, int count, Set<Integer> got,
                                                  AtomicInteger dup) {
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            gs.add(Gevent.<Void>spawn(() -> {
                while (true) {
                    int v = q.take();
                    if (v < 0) {
                        return null;
                    }
                    if (!got.add(v)) {
                        dup.incrementAndGet();
                    }
                }
            }));
        }
        return gs;
    }

    @Test
    void aPlatformThreadPutsIntoAQueueThatGreenletsTakeFrom() throws Exception {
        Queue<Integer> q = new Queue<>(64);
        Set<Integer> got = Collections.synchronizedSet(new HashSet<>());
        AtomicInteger dup = new AtomicInteger();
        List<Greenlet<Void>> gs = consumers(q, 4, got, dup);
        Thread producer = new Thread(() -> {
            for (int i = 0; i < N; i++) {
                q.put(i); // blocks on the thread's own hub while the queue is full
                if (i % 1000 == 0) {
                    pause(1);
                }
            }
            for (int i = 0; i < 4; i++) {
                q.put(-1);
            }
        }, "producer");
        // The consumers may block before the producer first touches the queue: announce the wait.
        try (var _ = Hub.current().externalWait()) {
            producer.start();
            assertEquals(4, Gevent.joinall(gs, Duration.ofSeconds(20)).size());
        }
        producer.join();
        assertEquals(N, got.size());
        assertEquals(0, dup.get());
        assertEquals(0, q.qsize());
    }

    @Test
    void onceAnotherThreadUsedAQueueWaitingOnItNeedsNoExplicitExternalWait() throws Exception {
        Queue<Integer> q = new Queue<>();
        CountDownLatch touched = new CountDownLatch(1);
        Thread producer = new Thread(() -> {
            q.put(0);
            touched.countDown();
            for (int i = 1; i < 100; i++) {
                pause(1); // the greenlet waits for each item with nothing else on its hub
                q.put(i);
            }
        }, "producer");
        producer.start();
        assertTrue(touched.await(5, TimeUnit.SECONDS));
        Greenlet<Integer> consumer = Gevent.spawn(() -> {
            int sum = 0;
            for (int i = 0; i < 100; i++) {
                sum += q.get();
            }
            return sum;
        });
        assertEquals(99 * 100 / 2, consumer.get());
        producer.join();
    }

    @Test
    void greenletsPutIntoAQueueThatAPlatformThreadTakesFrom() throws Exception {
        Queue<Integer> q = new Queue<>(32);
        Set<Integer> got = Collections.synchronizedSet(new HashSet<>());
        AtomicInteger dup = new AtomicInteger();
        Thread consumer = new Thread(() -> {
            for (int i = 0; i < N; i++) {
                if (!got.add(q.take())) {
                    dup.incrementAndGet();
                }
            }
        }, "consumer");
        consumer.start();
        while (q.waitingGetters() == 0) { // once it blocked on the queue, the queue is shared
            pause(1);
        }
        List<Greenlet<Void>> producers = new ArrayList<>();
        for (int p = 0; p < 10; p++) {
            int base = p * (N / 10);
            producers.add(Gevent.spawn(() -> {
                for (int i = 0; i < N / 10; i++) {
                    q.put(base + i); // blocks while full: woken by the other thread's takes
                }
            }));
        }
        assertEquals(10, Gevent.joinall(producers, Duration.ofSeconds(20)).size());
        consumer.join(20_000);
        assertEquals(N, got.size());
        assertEquals(0, dup.get());
    }

    @Test
    void aPlatformThreadGetWithTimeoutThrowsEmpty() throws Exception {
        Queue<String> q = new Queue<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                q.get(Duration.ofMillis(30));
            } catch (Throwable e) {
                thrown.set(e);
            }
            assertNull(q.poll());
        });
        t.start();
        t.join(5_000);
        assertTrue(thrown.get() instanceof Queue.Empty, String.valueOf(thrown.get()));
        assertEquals(0, q.waitingGetters());
    }

    @Test
    void twoHubsExchangeThroughAQueue() throws Exception {
        Queue<Integer> q = new Queue<>(10);
        AtomicLong sum = new AtomicLong();
        CountDownLatch consumerReady = new CountDownLatch(1);
        Thread otherHub = new Thread(() -> {
            List<Greenlet<Void>> gs = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                gs.add(Gevent.spawn(() -> {
                    while (true) {
                        int v = q.get();
                        if (v < 0) {
                            return;
                        }
                        sum.addAndGet(v);
                    }
                }));
            }
            Gevent.sleep(0);
            consumerReady.countDown();
            Gevent.joinall(gs);
        }, "other-hub");
        otherHub.start();
        assertTrue(consumerReady.await(5, TimeUnit.SECONDS));
        List<Greenlet<Void>> producers = new ArrayList<>();
        for (int p = 0; p < 5; p++) {
            producers.add(Gevent.spawn(() -> {
                for (int i = 1; i <= 1000; i++) {
                    q.put(i);
                }
            }));
        }
        Gevent.joinall(producers);
        for (int i = 0; i < 3; i++) {
            q.put(-1);
        }
        otherHub.join(20_000);
        assertEquals(5L * 1000 * 1001 / 2, sum.get());
    }

    @Test
    void aPlatformThreadPutsIntoAChannelAGreenletGetsFrom() throws Exception {
        Channel<String> ch = new Channel<>();
        Greenlet<String> g = Gevent.spawn(() -> ch.get() + ch.get());
        Thread t = new Thread(() -> {
            ch.put("a");
            ch.put("b");
        });
        try (var _ = Hub.current().externalWait()) {
            t.start();
            assertEquals("ab", g.get(Duration.ofSeconds(5)));
        }
        t.join();
    }

    @Test
    void jdkLinkedBlockingQueueParksGreenletsCooperatively() {
        LinkedBlockingQueue<Integer> q = new LinkedBlockingQueue<>();
        AtomicLong ticks = new AtomicLong();
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            while (true) {
                Gevent.sleep(1);
                ticks.incrementAndGet();
            }
        });
        Greenlet<Integer> consumer = Gevent.spawn(() -> {
            int sum = 0;
            for (int i = 0; i < 10; i++) {
                sum += q.take(); // parks this greenlet only
            }
            return sum;
        });
        Greenlet<Void> producer = Gevent.<Void>spawn(() -> {
            for (int i = 0; i < 10; i++) {
                Gevent.sleep(5);
                q.put(i);
            }
            return null;
        });
        assertEquals(45, consumer.get());
        producer.join();
        assertTrue(ticks.get() >= 10, "the hub stalled while a greenlet waited in take(): " + ticks.get());
        assertEquals(Thread.currentThread(), Hub.current().owner());
        ticker.kill();
    }

    @Test
    void jdkBoundedAndSynchronousQueuesHandOffBetweenGreenlets() throws Exception {
        SynchronousQueue<String> sync = new SynchronousQueue<>();
        ArrayBlockingQueue<Integer> bounded = new ArrayBlockingQueue<>(1);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> a = Gevent.<Void>spawn(() -> {
            sync.put("ping");
            log.add("ping taken");
            bounded.put(1);
            bounded.put(2); // blocks until b takes 1
            log.add("2 put");
            return null;
        });
        Greenlet<Void> b = Gevent.<Void>spawn(() -> {
            log.add("got " + sync.take());
            Gevent.sleep(10);
            log.add("took " + bounded.take());
            log.add("took " + bounded.take());
            return null;
        });
        Gevent.joinall(List.of(a, b));
        assertTrue(a.successful() && b.successful());
        assertEquals(List.of("got ping", "ping taken", "took 1", "2 put", "took 2"), log);
        assertEquals(0, bounded.size());
        assertNull(bounded.poll(1, TimeUnit.MILLISECONDS));
    }

    @Test
    void killWhileParkedInAJdkQueue() {
        LinkedBlockingQueue<Integer> q = new LinkedBlockingQueue<>();
        Greenlet<Object> g = Gevent.spawn(() -> (Object) q.take());
        Gevent.sleep(5);
        g.kill();
        assertTrue(g.ready());
        org.junit.jupiter.api.Assertions.assertInstanceOf(io.gevent4j.hub.GreenletExit.class, g.killedBy());
    }
}
