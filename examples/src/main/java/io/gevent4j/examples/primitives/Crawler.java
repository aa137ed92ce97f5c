package io.gevent4j.examples.primitives;

import io.gevent4j.Gevent;
import io.gevent4j.Pool;

import java.io.PrintStream;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * A concurrent "crawler": maps a slow task (a simulated 10-50 ms fetch) over 1,000 inputs with a
 * {@link Pool} of 50, so at most 50 run at once; {@code imap} hands the results back in input order
 * while keeping only about 50 in flight. It prints how long that took against the sum of the tasks.
 */
public final class Crawler {
    private Crawler() {
    }

    /** Summary of one run. */
    public record Summary(int results, int maxConcurrent, long millis, long sequentialMillis) {
    }

    /** Crawls {@code inputs} items with a pool of {@code poolSize}. */
    public static Summary run(PrintStream out, int inputs, int poolSize) {
        Pool pool = new Pool(poolSize);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        long[] sequential = new long[1];
        List<Integer> urls = IntStream.range(0, inputs).boxed().toList();
        long t0 = System.nanoTime();
        Iterator<String> pages = pool.imap(i -> {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            long cost = 10 + (i * 7919L) % 41;        // 10-50 ms, deterministic
            Gevent.sleep(cost);
            running.decrementAndGet();
            return "page " + i + " (" + cost + " ms)";
        }, urls);
        int n = 0;
        while (pages.hasNext()) {
            String page = pages.next();
            if (n % 200 == 0) {
                out.println("got " + page);
            }
            sequential[0] += 10 + (n * 7919L) % 41;
            n++;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return new Summary(n, maxRunning.get(), ms, sequential[0]);
    }

    public static void main(String[] args) {
        Summary s = run(System.out, 1_000, 50);
        System.out.printf("%d pages in %d ms with at most %d at once (one after the other: %d ms)%n",
                s.results(), s.millis(), s.maxConcurrent(), s.sequentialMillis());
    }
}
