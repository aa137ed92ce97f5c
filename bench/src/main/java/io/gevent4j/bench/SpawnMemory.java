package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.lang.management.ManagementFactory;
import java.util.concurrent.locks.LockSupport;

/**
 * Spawns {@code count} greenlets that each park once, measures the heap they hold while parked, then
 * wakes and joins them all; does the same with plain virtual threads (the JDK's scheduler) in the same
 * JVM. Prints time per spawn+join and bytes per parked thread for both. The greenlets are spawned and
 * joined from a greenlet ({@code Gevent.run}), as a program written for gevent4j does.
 */
public final class SpawnMemory {
    private static volatile boolean release;

    private SpawnMemory() {
    }

    /** Result of one round. */
    record Result(String what, int count, double spawnJoinMillis, double bytesPerParked) {
        @Override
        public String toString() {
            return String.format("%-28s %,9d threads: spawn+park+wake+join %7.0f ms (%5.0f ns each), %5.0f bytes per parked thread",
                    what, count, spawnJoinMillis, spawnJoinMillis * 1e6 / count, bytesPerParked);
        }
    }

    /**
     * The greenlet side runs inside {@code Gevent.run}, the recommended entry point: its joins are
     * greenlet switches. From a plain {@code main} every join that waits would also pass the hub's baton
     * to its carrier thread and back (about 6 us each: see {@code SwitchBench.ownerSleepZero}).
     */
    static Result greenlets(int count) {
        return Gevent.run(() -> greenletsInAGreenlet(count));
    }

    private static Result greenletsInAGreenlet(int count) {
        release = false;
        Thread[] threads = new Thread[count];
        @SuppressWarnings("unchecked")
        Greenlet<Void>[] gs = new Greenlet[count];
        long before = usedHeap();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            int k = i;
            gs[i] = Gevent.spawn(() -> {
                threads[k] = Thread.currentThread();
                while (!release) {
                    LockSupport.park();
                }
            });
        }
        Gevent.sleep(0); // every greenlet runs once and parks
        long t1 = System.nanoTime();
        long parked = usedHeap();
        long t2 = System.nanoTime();
        release = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
        for (Greenlet<Void> g : gs) {
            g.join();
        }
        long t3 = System.nanoTime();
        return new Result("greenlets (gevent4j hub)", count, ((t1 - t0) + (t3 - t2)) / 1e6,
                (parked - before) / (double) count);
    }

    static Result virtualThreads(int count) throws InterruptedException {
        release = false;
        Thread[] threads = new Thread[count];
        long before = usedHeap();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            threads[i] = Thread.ofVirtual().start(() -> {
                while (!release) {
                    LockSupport.park();
                }
            });
        }
        // wait until all are parked
        for (Thread t : threads) {
            while (t.getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
        }
        long t1 = System.nanoTime();
        long parked = usedHeap();
        long t2 = System.nanoTime();
        release = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        long t3 = System.nanoTime();
        return new Result("virtual threads (JDK)", count, ((t1 - t0) + (t3 - t2)) / 1e6,
                (parked - before) / (double) count);
    }

    static long usedHeap() {
        var mem = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        // warm-up rounds, then the measured ones
        greenlets(count / 10);
        virtualThreads(count / 10);
        System.out.println(greenlets(count));
        System.out.println(virtualThreads(count));
    }
}
