package io.gevent4j.sim;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Queue;
import io.gevent4j.RLock;
import io.gevent4j.Semaphore;
import io.gevent4j.hub.GreenletExit;
import io.gevent4j.loop.sim.SimFaults;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Queues, semaphores and locks under random timeouts and kills, on the virtual clock, over thousands of
 * seeds: nothing is lost or duplicated, a put or get that timed out or was killed took nothing, permits
 * and lock holds balance, and no greenlet is left behind.
 */
class PrimitivesSimTest {

    @Test
    @Timeout(120)
    void queuesLoseNothingUnderKillsAndTimeouts() {
        SimSeeds.run(2000, seed -> Simulation.of(seed).faults(SimFaults.swarm(seed, false)).run(PrimitivesSimTest::queue));
    }

    @Test
    @Timeout(120)
    void semaphoresAndLocksBalanceUnderKillsAndTimeouts() {
        SimSeeds.run(2000, seed -> Simulation.of(seed).faults(SimFaults.swarm(seed, false)).run(PrimitivesSimTest::semaphore));
    }

    private static Duration nanos(SplittableRandom r, long max) {
        return Duration.ofNanos(r.nextLong(max));
    }

    static void queue() {
        SplittableRandom r = Simulation.random();
        Queue<Long> q = r.nextInt(3) == 0 ? new Queue<>() : new Queue<>(1 + r.nextInt(4));
        Set<Long> putOk = new HashSet<>();
        Set<Long> putFailed = new HashSet<>();
        List<Long> consumed = new ArrayList<>();
        boolean[] producing = {true};
        List<Greenlet<Void>> producers = new ArrayList<>();
        int p = 1 + r.nextInt(4);
        for (int i = 0; i < p; i++) {
            long base = (i + 1) * 1_000_000L;
            long seed = r.nextLong();
            producers.add(Greenlet.of(() -> {
                SplittableRandom pr = new SplittableRandom(seed);
                int k = 1 + pr.nextInt(20);
                for (long item = base; item < base + k; item++) {
                    if (pr.nextInt(3) == 0) {
                        Gevent.sleep(nanos(pr, 2_000_000));
                    }
                    try {
                        switch (pr.nextInt(3)) {
                            case 0 -> q.put(item);
                            case 1 -> q.putNowait(item);
                            default -> q.put(item, nanos(pr, 3_000_000));
                        }
                        putOk.add(item);
                    } catch (Queue.Full e) {
                        putFailed.add(item);
                    } catch (GreenletExit e) {
                        putFailed.add(item); // killed in put: the item must not be in the queue
                        throw e;
                    }
                }
            }).start());
        }
        List<Greenlet<Void>> consumers = new ArrayList<>();
        Runnable addConsumer = () -> {
            long seed = r.nextLong();
            consumers.add(Greenlet.of(() -> {
                SplittableRandom cr = new SplittableRandom(seed);
                while (producing[0] || !q.empty()) {
                    try {
                        Long item = switch (cr.nextInt(4)) {
                            case 0 -> q.get(nanos(cr, 3_000_000));
                            case 1 -> {
                                q.peekWait(nanos(cr, 3_000_000));
                                yield null;
                            }
                            case 2 -> producing[0] ? q.get() : q.get(Duration.ofMillis(1));
                            default -> q.getNowait();
                        };
                        if (item != null) {
                            consumed.add(item);
                        }
                    } catch (Queue.Empty e) {
                        // timed out: try again
                    }
                    if (cr.nextInt(4) == 0) {
                        Gevent.sleep(nanos(cr, 1_000_000));
                    }
                }
            }).start());
        };
        int c = 1 + r.nextInt(4);
        for (int i = 0; i < c; i++) {
            addConsumer.run();
        }
        // the killer: producers and consumers die wherever they are blocked
        int kills = r.nextInt(6);
        for (int k = 0; k < kills; k++) {
            Gevent.sleep(nanos(r, 4_000_000));
            boolean producer = r.nextBoolean();
            List<Greenlet<Void>> pool = producer ? producers : consumers;
            Greenlet<Void> victim = pool.get(r.nextInt(pool.size()));
            if (r.nextBoolean()) {
                victim.kill();
            } else {
                victim.killAsync();
            }
            if (!producer) {
                addConsumer.run(); // someone keeps draining
            }
        }
        Gevent.joinall(producers);
        // a consumer blocked in get() forever is woken by the last items or by its kill below
        producing[0] = false;
        Gevent.sleep(Duration.ofMillis(50));
        Gevent.killall(consumers);
        List<Long> left = new ArrayList<>();
        while (!q.empty()) {
            left.add(q.getNowait());
        }
        Set<Long> seen = new HashSet<>();
        for (Long item : consumed) {
            assertTrue(seen.add(item), "item " + item + " was consumed twice");
        }
        for (Long item : left) {
            assertTrue(seen.add(item), "item " + item + " was consumed and is still queued");
        }
        for (Long item : putOk) {
            assertTrue(seen.contains(item), "item " + item + " was put and is lost");
        }
        for (Long item : putFailed) {
            assertFalse(seen.contains(item), "item " + item + " came out although its put timed out or was killed");
        }
        assertEquals(putOk.size(), seen.size(), "nothing came out that was not put");
    }

    static void semaphore() {
        SplittableRandom r = Simulation.random();
        int permits = 1 + r.nextInt(3);
        Semaphore sem = new Semaphore(permits);
        RLock lock = new RLock();
        int[] holders = {0};
        int[] lockDepth = {0};
        Greenlet<?>[] lockOwner = {null};
        List<Greenlet<Void>> workers = new ArrayList<>();
        int w = 1 + r.nextInt(6);
        for (int i = 0; i < w; i++) {
            long seed = r.nextLong();
            workers.add(Greenlet.of(() -> {
                SplittableRandom wr = new SplittableRandom(seed);
                for (int round = 0; round < 10; round++) {
                    boolean got = switch (wr.nextInt(3)) {
                        case 0 -> {
                            sem.acquire();
                            yield true;
                        }
                        case 1 -> sem.tryAcquire();
                        default -> sem.acquire(nanos(wr, 2_000_000));
                    };
                    if (got) {
                        try {
                            holders[0]++;
                            assertTrue(holders[0] <= permits, holders[0] + " holders of " + permits + " permits");
                            Gevent.sleep(nanos(wr, 1_000_000));
                        } finally {
                            holders[0]--;
                            sem.release();
                        }
                    }
                    boolean locked = wr.nextBoolean() ? lock.acquire(nanos(wr, 2_000_000)) : lock.tryAcquire();
                    if (locked) {
                        try {
                            Greenlet<?> me = (Greenlet<?>) Greenlet.getcurrent();
                            assertTrue(lockOwner[0] == null || lockOwner[0] == me, "two greenlets hold the lock");
                            lockOwner[0] = me;
                            lockDepth[0]++;
                            if (wr.nextBoolean()) {
                                lock.acquire(); // reentrant
                                lock.release();
                            }
                            Gevent.sleep(nanos(wr, 500_000));
                        } finally {
                            if (--lockDepth[0] == 0) {
                                lockOwner[0] = null;
                            }
                            lock.release();
                        }
                    }
                }
            }).start());
        }
        int kills = r.nextInt(5);
        for (int k = 0; k < kills; k++) {
            Gevent.sleep(nanos(r, 3_000_000));
            Greenlet<Void> victim = workers.get(r.nextInt(w));
            if (r.nextBoolean()) {
                victim.kill();
            } else {
                victim.killAsync();
            }
        }
        Gevent.joinall(workers);
        assertEquals(0, holders[0]);
        assertEquals(permits, sem.counter(), "every permit came back");
        assertEquals(0, lockDepth[0]);
        assertTrue(lock.tryAcquire(), "the lock is free");
        lock.release();
    }
}
