package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code count} concurrent sleeps of 50-150 ms: how late each one wakes (actual minus requested),
 * with gevent4j's {@code Gevent.sleep} on one hub and with {@code Thread.sleep} on plain virtual
 * threads, in the same JVM.
 */
public final class SleepLateness {
    private SleepLateness() {
    }

    record Result(String what, long[] latenessNanos, double wallMillis) {
        @Override
        public String toString() {
            long[] l = latenessNanos.clone();
            Arrays.sort(l);
            return String.format("%-34s %,7d sleeps: lateness p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (early: %d)  wall %6.0f ms",
                    what, l.length, pct(l, 50) / 1e6, pct(l, 99) / 1e6, l[l.length - 1] / 1e6, Arrays.stream(l).filter(x -> x < 0).count(), wallMillis);
        }

        static long pct(long[] sorted, int p) {
            return sorted[Math.min(sorted.length - 1, (int) ((long) sorted.length * p / 100))];
        }
    }

    static long[] delays(int count) {
        SplittableRandom r = new SplittableRandom(42);
        long[] d = new long[count];
        for (int i = 0; i < count; i++) {
            d[i] = 50 + r.nextInt(101);
        }
        return d;
    }

    static Result greenlets(int count) {
        long[] delays = delays(count);
        long[] late = new long[count];
        List<Greenlet<Void>> gs = new ArrayList<>(count);
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            int k = i;
            gs.add(Gevent.spawn(() -> {
                long s = System.nanoTime();
                Gevent.sleep(delays[k]);
                late[k] = System.nanoTime() - s - delays[k] * 1_000_000;
            }));
        }
        Gevent.joinall(gs);
        return new Result("Gevent.sleep in greenlets (1 hub)", late, (System.nanoTime() - t0) / 1e6);
    }

    static Result virtualThreads(int count) throws InterruptedException {
        long[] delays = delays(count);
        long[] late = new long[count];
        Thread[] ts = new Thread[count];
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            int k = i;
            ts[i] = Thread.ofVirtual().start(() -> {
                long s = System.nanoTime();
                try {
                    Thread.sleep(delays[k]);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                late[k] = System.nanoTime() - s - delays[k] * 1_000_000;
            });
        }
        for (Thread t : ts) {
            t.join();
        }
        return new Result("Thread.sleep in virtual threads", late, (System.nanoTime() - t0) / 1e6);
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        greenlets(count / 10);
        virtualThreads(count / 10);
        System.out.println(greenlets(count));
        System.out.println(virtualThreads(count));
    }
}
