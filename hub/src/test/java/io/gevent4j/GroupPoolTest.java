package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
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
class GroupPoolTest {

    private static ThrowingRunnable<RuntimeException> sleeping(long ms) {
        return () -> Gevent.sleep(ms);
    }

    @Test
    void groupTracksMembersUntilTheyDieAndJoinWaitsForAll() {
        Group group = new Group();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            gs.add(group.spawn(sleeping(10L * i)));
        }
        assertEquals(3, group.size());
        assertTrue(group.contains(gs.get(0)));
        assertFalse(group.join(Duration.ofMillis(1)));
        group.join();
        assertEquals(0, group.size());
        gs.forEach(g -> assertTrue(g.ready()));
        assertTrue(group.join(Duration.ZERO));
    }

    @Test
    void joinAlsoWaitsForGreenletsAddedMeanwhile() {
        Group group = new Group();
        AtomicInteger done = new AtomicInteger();
        group.spawn(() -> {
            Gevent.sleep(10);
            group.spawn(() -> {
                Gevent.sleep(10);
                done.incrementAndGet();
            });
            done.incrementAndGet();
        });
        group.join();
        assertEquals(2, done.get());
    }

    @Test
    void addAndDiscard() {
        Group group = new Group();
        Greenlet<Void> g = Greenlet.of(sleeping(5_000));
        group.add(g);
        group.add(g);
        assertEquals(1, group.size());
        group.discard(g);
        assertEquals(0, group.size());
        assertTrue(group.join(Duration.ZERO));
        Greenlet<Void> dead = Gevent.spawn(() -> {
        });
        dead.join();
        group.add(dead);
        assertTrue(group.join(Duration.ofSeconds(1)), "a dead greenlet leaves at once");
    }

    @Test
    void joinWithRaiseErrorRethrowsAMemberFailure() {
        Group group = new Group();
        IOException boom = new IOException("boom");
        group.spawn(() -> {
            throw boom;
        });
        group.spawn(sleeping(5));
        Exception e = assertThrows(java.util.concurrent.CompletionException.class, () -> group.joinOrThrow());
        assertSame(boom, e.getCause());
    }

    @Test
    void killKillsEveryMember() {
        Group group = new Group();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            gs.add(group.spawn(sleeping(5_000)));
        }
        Gevent.sleep(0);
        group.kill();
        assertEquals(0, group.size());
        gs.forEach(g -> assertInstanceOf(GreenletExit.class, g.killedBy()));
    }

    @Test
    void killoneKillsOnlyThatMember() {
        Group group = new Group();
        Greenlet<Void> a = group.spawn(sleeping(5_000));
        Greenlet<Void> b = group.spawn(sleeping(5_000));
        Gevent.sleep(0);
        group.killone(a);
        assertTrue(a.ready());
        assertFalse(b.ready());
        Gevent.sleep(0);
        assertEquals(1, group.size());
        group.kill();
    }

    @Test
    void killWhileBlockedInGroupJoin() {
        Group group = new Group();
        group.spawn(sleeping(5_000));
        Greenlet<Void> joiner = Gevent.spawn(() -> group.join());
        Gevent.sleep(0);
        joiner.kill();
        assertInstanceOf(GreenletExit.class, joiner.killedBy());
        group.kill();
    }

    @Test
    void poolSpawnBlocksWhenFull() {
        Pool pool = new Pool(2);
        assertEquals(2, pool.poolSize());
        assertEquals(2, pool.freeCount());
        List<String> log = new ArrayList<>();
        pool.spawn(() -> {
            Gevent.sleep(30);
            log.add("a done");
        });
        pool.spawn(() -> {
            Gevent.sleep(250);
            log.add("b done");
        });
        assertTrue(pool.full());
        assertEquals(0, pool.freeCount());
        pool.spawn(() -> {
            log.add("c started");
        });
        log.add("c spawned");
        assertEquals(List.of("a done", "c spawned"), log);
        pool.join();
        assertEquals(List.of("a done", "c spawned", "c started", "b done"), log);
    }

    @Test
    void slotsGoToWaitingSpawnersInFifoOrder() {
        Pool pool = new Pool(1);
        List<Integer> started = new ArrayList<>();
        pool.spawn(sleeping(10));
        List<Greenlet<Void>> spawners = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int n = i;
            spawners.add(Gevent.spawn(() -> {
                pool.spawn(() -> {
                    started.add(n);
                    Gevent.sleep(1);
                });
            }));
        }
        Gevent.joinall(spawners);
        pool.join();
        assertEquals(List.of(0, 1, 2, 3), started);
    }

    @Test
    void killWhileBlockedInPoolSpawnTakesNoSlot() {
        Pool pool = new Pool(1);
        Greenlet<Void> running = pool.spawn(sleeping(50));
        AtomicInteger ran = new AtomicInteger();
        Greenlet<Void> spawner = Gevent.spawn(() -> {
            pool.spawn(ran::incrementAndGet);
        });
        Gevent.sleep(0);
        spawner.kill();
        assertInstanceOf(GreenletExit.class, spawner.killedBy());
        running.join();
        pool.join();
        assertEquals(0, ran.get());
        assertEquals(1, pool.freeCount());
        Greenlet<Integer> next = pool.spawn(() -> 7);
        assertEquals(7, next.get());
    }

    @Test
    void poolAddTimesOutWithFullAndWaitAvailableWaits() {
        Pool pool = new Pool(1);
        pool.spawn(sleeping(30));
        assertThrows(Queue.Full.class, () -> pool.add(Greenlet.of(() -> {
        }), Duration.ofMillis(5)));
        assertThrows(Queue.Full.class, () -> pool.add(Greenlet.of(() -> {
        }), Duration.ZERO));
        assertEquals(0, pool.waitAvailable(Duration.ofMillis(1)));
        assertEquals(1, pool.waitAvailable());
        assertFalse(pool.full());
    }

    @Test
    void timeoutWhileBlockedInPoolSpawn() {
        Pool pool = new Pool(1);
        pool.spawn(sleeping(200));
        Greenlet<String> g = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(20), () -> {
            pool.spawn(() -> {
            });
            return "spawned";
        }, "timed out"));
        assertEquals("timed out", g.get());
        assertEquals(1, pool.size());
        pool.kill();
    }

    @Test
    void mapReturnsResultsInInputOrder() {
        Pool pool = new Pool(4);
        List<Integer> out = pool.map(i -> {
            Gevent.sleep((10 - i) * 2L); // later inputs finish first
            return i * i;
        }, IntStream.range(0, 10).boxed().toList());
        assertEquals(IntStream.range(0, 10).map(i -> i * i).boxed().toList(), out);
        assertEquals(List.of(2, 4), new Group().map(i -> i * 2, List.of(1, 2)));
    }

    @Test
    void imapUnorderedYieldsInCompletionOrder() {
        Pool pool = new Pool(3);
        List<Integer> out = new ArrayList<>();
        for (Iterator<Integer> it = pool.imapUnordered(i -> {
            Gevent.sleep(i * 15L);
            return i;
        }, List.of(3, 1, 2)); it.hasNext(); ) {
            out.add(it.next());
        }
        assertEquals(List.of(1, 2, 3), out);
        assertThrows(NoSuchElementException.class, () -> pool.imapUnordered(i -> i, List.<Integer>of()).next());
    }

    @Test
    void imapRethrowsATaskFailureAtItsTurnAndGoesOn() {
        Pool pool = new Pool(2);
        Iterator<Integer> it = pool.imap(i -> {
            if (i == 1) {
                throw new IllegalStateException("bad input " + i);
            }
            return i;
        }, List.of(0, 1, 2));
        assertEquals(0, it.next());
        IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
        assertEquals("bad input 1", e.getMessage());
        assertEquals(2, it.next());
        assertFalse(it.hasNext());
    }

    private static Iterable<Integer> lazyRange(int n, AtomicInteger produced) {
        return () -> new Iterator<>() {
            @Override
            public boolean hasNext() {
                return produced.get() < n;
            }

            @Override
            public Integer next() {
                return produced.getAndIncrement();
            }
        };
    }

    @Test
    void imapOverAHundredThousandItemsKeepsAtMostSizeGreenletsAlive() {
        int size = 10;
        int n = 100_000;
        Pool pool = new Pool(size);
        AtomicInteger live = new AtomicInteger();
        AtomicInteger maxLive = new AtomicInteger();
        AtomicInteger produced = new AtomicInteger();
        int maxAhead = 0;
        long sum = 0;
        int expected = 0;
        for (Iterator<Integer> it = pool.imap(i -> {
            max(maxLive, live.incrementAndGet());
            if (i % 3 == 0) {
                Gevent.sleep(0);
            }
            live.decrementAndGet();
            return i;
        }, lazyRange(n, produced)); it.hasNext(); ) {
            int v = it.next();
            assertEquals(expected++, v);
            sum += v;
            maxAhead = Math.max(maxAhead, produced.get() - expected);
            max(maxLive, pool.size());
        }
        assertEquals(n, expected);
        assertEquals((long) n * (n - 1) / 2, sum);
        assertTrue(maxLive.get() <= size, "live greenlets: " + maxLive.get());
        assertTrue(maxAhead <= size, "inputs in flight: " + maxAhead);
        pool.join();
    }

    @Test
    void imapUnorderedOverManyItemsIsBoundedToo() {
        int size = 8;
        Pool pool = new Pool(size);
        AtomicInteger live = new AtomicInteger();
        AtomicInteger maxLive = new AtomicInteger();
        AtomicInteger produced = new AtomicInteger();
        AtomicLong sum = new AtomicLong();
        int count = 0;
        for (Iterator<Integer> it = pool.imapUnordered(i -> {
            max(maxLive, live.incrementAndGet());
            Gevent.sleep(0);
            live.decrementAndGet();
            return i;
        }, lazyRange(20_000, produced)); it.hasNext(); ) {
            sum.addAndGet(it.next());
            count++;
            assertTrue(produced.get() - count <= size);
        }
        assertEquals(20_000, count);
        assertEquals(20_000L * 19_999 / 2, sum.get());
        assertTrue(maxLive.get() <= size);
    }

    private static void max(AtomicInteger m, int v) {
        m.accumulateAndGet(v, Math::max);
    }

    @Test
    void applyAndApplyAsync() {
        Pool pool = new Pool(1);
        assertEquals(6, pool.apply(() -> 2 * 3));
        List<Integer> seen = new ArrayList<>();
        Greenlet<Integer> g = pool.applyAsync(() -> 5, seen::add);
        assertEquals(5, g.get());
        Gevent.sleep(0);
        Gevent.sleep(0);
        assertEquals(List.of(5), seen);
        // Called from a member of a full pool: runs without deadlocking.
        Greenlet<Integer> outer = pool.spawn(() -> pool.apply(() -> 40) + pool.applyAsync(() -> 2).get());
        assertEquals(42, outer.get());
    }

    @Test
    void applyRethrowsTheTaskFailure() {
        Pool pool = new Pool(2);
        IOException boom = new IOException("x");
        Exception e = assertThrows(java.util.concurrent.CompletionException.class, () -> pool.apply(() -> {
            throw boom;
        }));
        assertSame(boom, e.getCause());
    }

    @Test
    void spawningFromAnotherPlatformThreadRunsOnThePoolsHub() throws Exception {
        Pool pool = new Pool(2);
        AtomicInteger ran = new AtomicInteger();
        Thread t = new Thread(() -> {
            for (int i = 0; i < 5; i++) {
                pool.spawn(() -> {
                    assertTrue(pool.hub().inHubThread());
                    ran.incrementAndGet();
                });
            }
        });
        try (var _ = pool.hub().externalWait()) {
            t.start();
            while (t.isAlive() || ran.get() < 5) {
                Gevent.sleep(5);
            }
        }
        pool.join();
        assertEquals(5, ran.get());
    }
}
