package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import io.gevent4j.hub.LoopExit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class QueueTest {

    @Test
    void fifoOrderAndNonBlockingVariants() {
        Queue<Integer> q = new Queue<>();
        assertEquals(0, q.maxsize());
        assertTrue(q.empty());
        assertFalse(q.full());
        assertThrows(Queue.Empty.class, q::getNowait);
        assertThrows(Queue.Empty.class, q::peekNowait);
        for (int i = 0; i < 5; i++) {
            q.put(i);
        }
        assertEquals(5, q.qsize());
        assertEquals(0, q.peekNowait());
        assertEquals(0, q.peek());
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            out.add(i % 2 == 0 ? q.get() : q.getNowait());
        }
        assertEquals(List.of(0, 1, 2, 3, 4), out);
        assertNull(q.peek(), "the JDK's peek() never blocks");
        assertNull(q.poll());
    }

    @Test
    void boundedPutThrowsFullWithoutBlockingAndAfterItsTimeout() {
        Queue<String> q = new Queue<>(2);
        q.put("a");
        q.putNowait("b");
        assertTrue(q.full());
        assertThrows(Queue.Full.class, () -> q.putNowait("c"));
        assertThrows(Queue.Full.class, () -> q.putNowait("c"));
        long t0 = System.nanoTime();
        assertThrows(Queue.Full.class, () -> q.put("c", Duration.ofMillis(40)));
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 35);
        assertFalse(q.offer("c"));
        assertEquals(0, q.waitingPutters());
        assertEquals(List.of("a", "b"), new ArrayList<>(q));
    }

    @Test
    void getWithTimeoutThrowsEmpty() {
        Queue<String> q = new Queue<>();
        long t0 = System.nanoTime();
        assertThrows(Queue.Empty.class, () -> q.get(Duration.ofMillis(40)));
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 35);
        assertNull(q.poll(10, TimeUnit.MILLISECONDS));
        assertEquals(0, q.waitingGetters());
    }

    @Test
    void getBlocksUntilAPutAndPutBlocksUntilAGet() {
        Queue<Integer> q = new Queue<>(1);
        List<String> log = new ArrayList<>();
        Greenlet<Integer> getter = Gevent.spawn(() -> {
            log.add("get");
            Integer v = q.get();
            log.add("got " + v);
            return v;
        });
        Greenlet<Void> putter = Gevent.spawn(() -> {
            Gevent.sleep(20);
            log.add("put 1");
            q.put(1);
            q.put(2);
            log.add("put 2");
            q.put(3); // blocks: maxsize 1 and nobody gets
            log.add("put 3");
        });
        assertEquals(1, getter.get());
        Gevent.sleep(30);
        assertFalse(putter.ready());
        // maxsize 1: put(2) had to wait until the getter took 1; put(3) waits now.
        assertEquals(List.of("get", "put 1", "got 1", "put 2"), log);
        assertEquals(2, q.get());
        putter.join();
        assertEquals(3, q.get());
    }

    @Test
    void blockedGettersAreServedInFifoOrder() {
        Queue<Integer> q = new Queue<>();
        List<String> got = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String name = "g" + i;
            gs.add(Gevent.spawn(() -> {
                got.add(name + "=" + q.get());
            }));
        }
        Gevent.sleep(0);
        assertEquals(5, q.waitingGetters());
        for (int i = 0; i < 5; i++) {
            q.put(i);
        }
        Gevent.joinall(gs);
        assertEquals(List.of("g0=0", "g1=1", "g2=2", "g3=3", "g4=4"), got);
    }

    @Test
    void aNewcomerMayTakeAnItemBeforeTheWaitersAreWokenAsInGevent() {
        Queue<Integer> q = new Queue<>();
        List<String> got = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String name = "g" + i;
            gs.add(Gevent.spawn(() -> {
                got.add(name + "=" + q.get());
            }));
        }
        Gevent.sleep(0);
        for (int i = 0; i < 3; i++) {
            q.put(i);
        }
        // The getters are woken by a hub callback that has not run yet: the items are there for anyone.
        assertEquals(0, q.poll());
        assertEquals(1, q.getNowait());
        q.put(3);
        q.put(4);
        Gevent.joinall(gs);
        assertEquals(List.of("g0=2", "g1=3", "g2=4"), got);
        assertEquals(0, q.qsize());
        assertEquals(0, q.waitingGetters());
    }

    @Test
    void blockedPuttersAreServedInFifoOrder() {
        Queue<String> q = new Queue<>(1);
        q.put("first");
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String item = "p" + i;
            gs.add(Gevent.spawn(() -> q.put(item)));
        }
        Gevent.sleep(0);
        assertEquals(4, q.waitingPutters());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            out.add(q.get());
        }
        Gevent.joinall(gs);
        assertEquals(List.of("first", "p0", "p1", "p2", "p3"), out);
    }

    @Test
    void killWhileBlockedInGetLosesNoItem() {
        Queue<String> q = new Queue<>();
        Greenlet<String> a = Gevent.spawn(() -> q.get());
        Greenlet<String> b = Gevent.spawn(() -> q.get());
        Gevent.sleep(0);
        a.kill();
        assertInstanceOf(GreenletExit.class, a.killedBy());
        assertEquals(1, q.waitingGetters());
        q.put("x");
        assertEquals("x", b.get());
        assertEquals(0, q.waitingGetters());
    }

    @Test
    void getterWokenThenKilledBeforeItRunsPassesTheItemOn() {
        Queue<String> q = new Queue<>();
        Greenlet<String> a = Gevent.spawn(() -> q.get());
        Greenlet<String> b = Gevent.spawn(() -> q.get());
        Gevent.sleep(0);
        Hub hub = Hub.current();
        hub.throwTo(a, new GreenletExit()); // a is woken with the kill...
        q.put("x");                          // ...and also signalled for "x" before it runs
        assertEquals("x", b.get(Duration.ofSeconds(5)), "the reservation must pass on to b");
        a.join();
        assertInstanceOf(GreenletExit.class, a.killedBy());
        assertEquals(0, q.qsize());
        assertEquals(0, q.waitingGetters());
    }

    @Test
    void putterWokenThenKilledBeforeItRunsPassesTheSlotOn() {
        Queue<String> q = new Queue<>(1);
        q.put("full");
        Greenlet<Void> p1 = Gevent.spawn(() -> q.put("p1"));
        Greenlet<Void> p2 = Gevent.spawn(() -> q.put("p2"));
        Gevent.sleep(0);
        Hub.current().throwTo(p1, new GreenletExit());
        assertEquals("full", q.get());
        p2.get(Duration.ofSeconds(5));
        p1.join();
        assertInstanceOf(GreenletExit.class, p1.killedBy());
        assertEquals(List.of("p2"), new ArrayList<>(q));
        assertEquals(0, q.waitingPutters());
    }

    @Test
    void killWhileBlockedInPutLeavesTheQueueUnchanged() {
        Queue<String> q = new Queue<>(1);
        q.put("a");
        Greenlet<Void> p = Gevent.spawn(() -> q.put("b"));
        Gevent.sleep(0);
        p.kill();
        assertEquals(0, q.waitingPutters());
        assertEquals(List.of("a"), new ArrayList<>(q));
    }

    @Test
    void timeoutWhileBlockedInGetAndPut() {
        Queue<String> q = new Queue<>(1);
        Greenlet<String> g = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(20), () -> q.get(), "no item"));
        assertEquals("no item", g.get());
        q.put("a");
        Greenlet<String> p = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(20), () -> {
            q.put("b");
            return "put";
        }, "no room"));
        assertEquals("no room", p.get());
        assertEquals(List.of("a"), new ArrayList<>(q));
        assertEquals(0, q.waitingGetters());
        assertEquals(0, q.waitingPutters());
    }

    @Test
    void producersAndConsumersByTheThousandLoseAndDuplicateNothingEvenUnderKills() {
        Queue<Integer> q = new Queue<>(16);
        int producers = 1000;
        int perProducer = 10;
        int consumers = 500;
        Set<Integer> seen = Collections.synchronizedSet(new HashSet<>());
        AtomicInteger duplicates = new AtomicInteger();
        AtomicInteger received = new AtomicInteger();
        List<Greenlet<Void>> prod = new ArrayList<>();
        List<Greenlet<Void>> cons = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            cons.add(Gevent.spawn(() -> {
                while (true) {
                    int v = q.get();
                    if (v < 0) {
                        return;
                    }
                    received.incrementAndGet();
                    if (!seen.add(v)) {
                        duplicates.incrementAndGet();
                    }
                    if (v % 7 == 0) {
                        Gevent.sleep(0);
                    }
                }
            }));
        }
        for (int p = 0; p < producers; p++) {
            int base = p * perProducer;
            prod.add(Gevent.spawn(() -> {
                for (int i = 0; i < perProducer; i++) {
                    q.put(base + i);
                }
            }));
        }
        // Kill a fifth of the consumers while everything is in flight, at random points.
        Random rnd = new Random(42);
        List<Greenlet<Void>> killed = new ArrayList<>();
        for (int round = 0; round < 100; round++) {
            Gevent.sleep(0);
            Greenlet<Void> victim = cons.get(rnd.nextInt(cons.size()));
            if (!killed.contains(victim)) {
                victim.killAsync(new GreenletExit());
                killed.add(victim);
            }
        }
        Gevent.joinall(prod);
        Gevent.joinall(killed);
        long alive = cons.stream().filter(g -> !g.ready()).count();
        for (int i = 0; i < alive; i++) {
            q.put(-1);
        }
        assertEquals(cons.size(), Gevent.joinall(cons, Duration.ofSeconds(20)).size());
        assertEquals(0, duplicates.get());
        assertEquals(producers * perProducer, received.get());
        assertEquals(producers * perProducer, seen.size());
        assertEquals(0, q.qsize());
        assertEquals(0, q.waitingGetters());
        assertEquals(0, q.waitingPutters());
    }

    @Test
    void ownerBlockingOnAnEmptyQueueNobodyFeedsGetsLoopExit() {
        Queue<String> q = new Queue<>();
        assertThrows(LoopExit.class, q::get);
        assertEquals(0, q.waitingGetters());
    }

    @Test
    void ownerThreadCanGetWhatAGreenletPutsLater() {
        Queue<String> q = new Queue<>();
        Gevent.spawnLater(Duration.ofMillis(20), () -> q.put("hi"));
        assertEquals("hi", q.get());
    }

    @Test
    void geventBlockingPeekWaitsForAnItemWithoutTakingIt() {
        Queue<String> q = new Queue<>();
        Greenlet<String> peeker = Gevent.spawn(() -> q.peekWait());
        Greenlet<String> getter = Gevent.spawn(() -> q.get());
        Gevent.sleep(0);
        q.put("x");
        assertEquals("x", peeker.get());
        assertEquals("x", getter.get());
        assertThrows(Queue.Empty.class, () -> q.peekWait(Duration.ofMillis(10)));
    }

    @Test
    void worksThroughTheBlockingQueueInterface() throws Exception {
        BlockingQueue<Integer> q = new Queue<>(3);
        assertTrue(q.offer(1));
        assertTrue(q.add(2));
        q.put(3);
        assertEquals(0, q.remainingCapacity());
        assertFalse(q.offer(4));
        assertFalse(q.offer(4, 10, TimeUnit.MILLISECONDS));
        IllegalStateException full = assertThrows(IllegalStateException.class, () -> q.add(4));
        assertInstanceOf(Queue.Full.class, full);
        assertTrue(q.contains(2));
        assertEquals(1, q.element());
        assertEquals(1, q.take());
        assertEquals(2, q.poll(1, TimeUnit.SECONDS));
        List<Integer> drained = new ArrayList<>();
        assertEquals(1, q.drainTo(drained));
        assertEquals(List.of(3), drained);
        assertTrue(q.isEmpty());
        NoSuchElementException empty = assertThrows(NoSuchElementException.class, q::remove);
        assertInstanceOf(Queue.Empty.class, empty);
        assertThrows(NoSuchElementException.class, q::element);
        q.addAll(List.of(5, 6, 7));
        assertTrue(q.remove((Object) 6));
        assertEquals(List.of(5, 7), new ArrayList<>(q));
        var it = q.iterator();
        it.next();
        it.remove();
        assertEquals(List.of(7), new ArrayList<>(q));
        q.clear();
        assertEquals(0, q.size());
        assertThrows(NullPointerException.class, () -> q.offer(null));
    }

    @Test
    void removingThroughTheCollectionApiWakesBlockedPutters() {
        Queue<Integer> q = new Queue<>(2);
        q.put(1);
        q.put(2);
        Greenlet<Void> p = Gevent.spawn(() -> q.put(3));
        Gevent.sleep(0);
        assertFalse(p.ready());
        q.remove((Object) 1);
        p.join(Duration.ofSeconds(5));
        assertTrue(p.successful());
        assertEquals(List.of(2, 3), new ArrayList<>(q));
    }

    @Test
    void shutdownDrainsThenRaisesAndWakesBlockedCalls() {
        Queue<String> q = new Queue<>(1);
        q.put("a");
        Greenlet<String> putter = Gevent.spawn(() -> {
            try {
                q.put("c");
                return "put";
            } catch (Queue.ShutDown e) {
                return "shut down";
            }
        });
        Gevent.sleep(0);
        assertEquals(1, q.waitingPutters());
        q.shutdown();
        assertTrue(q.isShutdown());
        assertEquals("shut down", putter.get());
        assertThrows(Queue.ShutDown.class, () -> q.put("d"));
        assertThrows(Queue.ShutDown.class, () -> q.offer("d"));
        assertEquals("a", q.get(), "items left are still handed out");
        assertThrows(Queue.ShutDown.class, q::get);
        Greenlet<String> late = Gevent.spawn(() -> {
            try {
                return q.get();
            } catch (Queue.ShutDown e) {
                return "shut down";
            }
        });
        assertEquals("shut down", late.get());
        assertEquals(0, q.waitingPutters());
    }

    @Test
    void blockedGettersAreWokenByShutdown() {
        Queue<String> q = new Queue<>();
        List<Greenlet<String>> gs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            gs.add(Gevent.spawn(() -> {
                try {
                    return q.get();
                } catch (Queue.ShutDown e) {
                    return "shut down";
                }
            }));
        }
        Gevent.sleep(0);
        q.shutdown();
        for (Greenlet<String> g : gs) {
            assertEquals("shut down", g.get());
        }
        assertEquals(0, q.waitingGetters());
    }

    @Test
    void immediateShutdownDiscardsItemsAndReleasesJoin() {
        JoinableQueue<Integer> q = new JoinableQueue<>();
        q.put(1);
        q.put(2);
        assertEquals(2, q.unfinishedTasks());
        Greenlet<Boolean> joiner = Gevent.spawn(() -> q.join(Duration.ofSeconds(5)));
        Gevent.sleep(0);
        q.shutdownNow();
        assertTrue(joiner.get());
        assertEquals(0, q.qsize());
        assertThrows(Queue.ShutDown.class, q::get);
    }

    @Test
    void joinableQueueJoinWaitsForEveryTaskDone() {
        JoinableQueue<Integer> q = new JoinableQueue<>();
        assertTrue(q.join(Duration.ZERO));
        List<Integer> done = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Gevent.spawn(() -> {
                while (true) {
                    int v = q.get();
                    Gevent.sleep(5);
                    done.add(v);
                    q.taskDone();
                }
            });
        }
        for (int i = 0; i < 10; i++) {
            q.put(i);
        }
        assertFalse(q.join(Duration.ofMillis(1)));
        q.join();
        assertEquals(10, done.size());
        assertEquals(0, q.unfinishedTasks());
        assertThrows(IllegalStateException.class, q::taskDone);
    }

    @Test
    void killWhileBlockedInJoinableQueueJoin() {
        JoinableQueue<Integer> q = new JoinableQueue<>();
        q.put(1);
        Greenlet<Void> joiner = Gevent.spawn(() -> q.join());
        Gevent.sleep(0);
        joiner.kill();
        assertInstanceOf(GreenletExit.class, joiner.killedBy());
        q.get();
        q.taskDone();
        assertTrue(q.join(Duration.ZERO));
    }

    @Test
    void priorityAndLifoQueuesOrderItems() {
        PriorityQueue<Integer> pq = new PriorityQueue<>();
        for (int v : new int[]{5, 1, 4, 2, 3}) {
            pq.put(v);
        }
        List<Integer> out = new ArrayList<>();
        while (!pq.empty()) {
            out.add(pq.get());
        }
        assertEquals(List.of(1, 2, 3, 4, 5), out);

        record Job(int priority, String name) {
        }
        PriorityQueue<Job> jobs = new PriorityQueue<>(0, Comparator.comparingInt(Job::priority).reversed());
        jobs.put(new Job(1, "low"));
        jobs.put(new Job(9, "high"));
        jobs.put(new Job(5, "mid"));
        assertEquals("high", jobs.get().name());
        assertEquals("mid", jobs.get().name());

        LifoQueue<String> lq = new LifoQueue<>(2);
        lq.put("a");
        lq.put("b");
        assertThrows(Queue.Full.class, () -> lq.putNowait("c"));
        assertEquals("b", lq.peekNowait());
        assertEquals("b", lq.get());
        assertEquals("a", lq.get());
    }

    @Test
    void priorityQueueGetterBlocksUntilAPut() {
        PriorityQueue<Integer> pq = new PriorityQueue<>();
        Greenlet<Integer> g = Gevent.spawn(() -> pq.get());
        Gevent.sleep(0);
        pq.put(3);
        assertEquals(3, g.get());
    }

    @Test
    void simpleQueueHasTheGeventApiWithoutShutdown() {
        SimpleQueue<String> q = new SimpleQueue<>(1);
        q.put("a");
        assertTrue(q.full());
        assertThrows(Queue.Full.class, () -> q.put("b", Duration.ofMillis(5)));
        Greenlet<String> g = Gevent.spawn(() -> {
            q.put("b");
            return "put";
        });
        Gevent.sleep(0);
        assertEquals("a", q.get());
        assertEquals("put", g.get());
        assertEquals("b", q.get());
    }

    @Test
    void itemsMayNotBeNull() {
        Queue<String> q = new Queue<>();
        assertThrows(NullPointerException.class, () -> q.put(null));
    }
}
