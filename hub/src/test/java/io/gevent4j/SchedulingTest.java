package io.gevent4j;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;
import io.gevent4j.loop.internal.Carrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One hub per thread; greenlets run on it one at a time, in FIFO order, switching only where they block. */
@ExtendWith(FreshHub.class)
class SchedulingTest {

    @Test
    void getHubIsPerThreadAndCreatedOnFirstUse() {
        assertEquals(null, Hub.currentIfAny());
        Hub hub = Gevent.getHub();
        assertSame(hub, Gevent.getHub());
        assertSame(hub, Hub.currentIfAny());
        assertSame(Thread.currentThread(), hub.owner());
        assertTrue(hub.inHubThread());
        assertTrue(hub.mainGreenlet().isMain());
    }

    @Test
    void insideAGreenletGetHubIsTheHubItRunsOn() {
        Hub hub = Gevent.getHub();
        Greenlet<Hub> g = Gevent.spawn(Gevent::getHub);
        assertSame(hub, g.get());
        Greenlet<Hub> nested = Gevent.spawn(() -> Gevent.spawn(Gevent::getHub).get());
        assertSame(hub, nested.get());
    }

    @Test
    void twoPlatformThreadsGetDifferentHubs() throws Exception {
        Hub mine = Gevent.getHub();
        CompletableFuture<Hub> other = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Hub h = Gevent.getHub();
                // the other thread's hub runs its own greenlets
                Greenlet<Hub> g = Gevent.spawn(Gevent::getHub);
                assertSame(h, g.get());
                other.complete(h);
            } catch (Throwable e) {
                other.completeExceptionally(e);
            } finally {
                Hub h = Hub.currentIfAny();
                if (h != null) {
                    h.destroy();
                }
            }
        });
        Hub theirs = other.get(10, TimeUnit.SECONDS);
        t.join(10_000);
        assertNotSame(mine, theirs);
        assertSame(t, theirs.owner());
        assertFalse(theirs.inHubThread());
    }

    @Test
    void plainVirtualThreadGetsAClearIllegalStateException() throws Exception {
        AtomicReference<Throwable> caught = new AtomicReference<>();
        Thread vt = Thread.ofVirtual().start(() -> {
            try {
                Gevent.getHub();
            } catch (Throwable e) {
                caught.set(e);
            }
        });
        assertTrue(vt.join(java.time.Duration.ofSeconds(10)));
        Throwable e = caught.get();
        assertTrue(e instanceof IllegalStateException, "got " + e);
        assertTrue(e.getMessage().contains("virtual thread"), e.getMessage());
        assertTrue(e.getMessage().contains("greenlet"), e.getMessage());
    }

    /**
     * True when {@code owner} runs anything but the hub's hand-over to its carrier: parked, or on its way
     * into the park right after handing over (its innermost frames of our code are {@code Hub}'s).
     */
    private static boolean ownerOutsideHandOff(Thread owner) {
        Thread.State st = owner.getState();
        if (st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING) {
            return false;
        }
        for (StackTraceElement e : owner.getStackTrace()) {
            if (e.getClassName().startsWith("io.gevent4j.")) {
                return !e.getClassName().equals(Hub.class.getName());
            }
        }
        return true;
    }

    @Test
    void greenletsAreVirtualThreadsRunningOnTheHubThreadOneAtATime() {
        Hub hub = Gevent.getHub();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger wrongThread = new AtomicInteger();
        AtomicInteger steps = new AtomicInteger();
        java.util.Set<Thread> carriers = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicInteger ownerRunning = new AtomicInteger();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int id = i;
            gs.add(Gevent.spawn(() -> {
                for (int step = 0; step < 20; step++) {
                    int now = running.incrementAndGet();
                    maxRunning.accumulateAndGet(now, Math::max);
                    // Greenlets run on the hub's carrier thread, never on the owner's stack (the owner
                    // may hold monitors), and the owner is parked while they run.
                    carriers.add(Carrier.current());
                    if (!Thread.currentThread().isVirtual() || Carrier.current() == hub.owner()
                            || Carrier.current() != hub.loop().owner() || !hub.inHubThread()) {
                        wrongThread.incrementAndGet();
                    }
                    if (ownerOutsideHandOff(hub.owner())) {
                        ownerRunning.incrementAndGet();
                    }
                    long until = System.nanoTime() + 20_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait(); // busy: nobody else may run meanwhile
                    }
                    steps.incrementAndGet();
                    running.decrementAndGet();
                    switch ((id + step) % 4) {
                        case 0 -> Gevent.sleep(0);
                        case 1 -> sleepUninterruptibly(1);
                        case 2 -> Thread.yield();
                        default -> Gevent.sleep(1);
                    }
                }
            }));
        }
        Gevent.joinall(gs);
        assertEquals(50 * 20, steps.get());
        assertEquals(1, maxRunning.get());
        assertEquals(0, wrongThread.get());
        assertEquals(1, carriers.size(), "one carrier thread: " + carriers);
        assertEquals(0, ownerRunning.get(), "the owner ran while greenlets ran");
        assertSame(Thread.currentThread(), hub.loop().owner(), "the owner holds the loop again after its wait");
        assertTrue(gs.stream().allMatch(Greenlet::successful));
    }

    @Test
    void greenletsStartInFifoOrderOfSpawn() {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int id = i;
            gs.add(Gevent.spawn(() -> { order.add(id); }));
        }
        assertTrue(order.isEmpty(), "greenlets must not run before the owner blocks");
        Gevent.joinall(gs);
        assertEquals(IntStream.range(0, 100).boxed().toList(), order);
    }

    @Test
    void greenletsRunInOrderOfBecomingRunnable() {
        // Woken by timers that expire in the reverse order of spawning: they resume in wake-up order.
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int id = i;
            gs.add(Gevent.spawn(() -> {
                Gevent.sleep(30L * (5 - id));
                order.add(id);
            }));
        }
        Gevent.joinall(gs);
        assertEquals(List.of(4, 3, 2, 1, 0), order);
    }

    @Test
    void aGreenletThatDoesNotBlockIsNeverPreempted() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> busy = Gevent.spawn(() -> {
            out.add("busy-start");
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            out.add("busy-end");
        });
        Greenlet<Void> other = Gevent.spawn(() -> { out.add("other"); });
        Gevent.joinall(List.of(busy, other));
        assertEquals(List.of("busy-start", "busy-end", "other"), out);
    }

    @Test
    void spawnedGreenletDoesNotRunUntilTheSpawnerBlocks() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> parent = Gevent.spawn(() -> {
            Greenlet<Void> child = Gevent.spawn(() -> { out.add("child"); });
            out.add("parent-before-block");
            Gevent.sleep(0);
            out.add("parent-after-block");
            child.join();
        });
        parent.join();
        assertEquals(List.of("parent-before-block", "child", "parent-after-block"), out);
    }

    @Test
    void getcurrentOutsideAndInsideGreenlets() {
        RawGreenlet main = Gevent.getcurrent();
        assertTrue(main.isMain());
        assertSame(Gevent.getHub().mainGreenlet(), main);
        Greenlet<RawGreenlet>[] self = new Greenlet[1];
        self[0] = Gevent.spawn(Gevent::getcurrent);
        assertSame(self[0], self[0].get());
        assertSame(main, Gevent.getcurrent());
    }

    static void sleepUninterruptibly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new RuntimeException(e);
        }
    }
}
