package io.gevent4j.examples;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The README's first demo: a tour of gevent4j on one thread that drives itself and prints what
 * happened - greenlets that block in plain synchronous code, a JDK {@code Thread.sleep} that does not
 * block the hub, a timeout, a kill, and ten thousand concurrent sleeps.
 */
public final class Demo {
    private Demo() {
    }

    public static void main(String[] args) {
        System.out.println("hub: " + Gevent.getHub()); // created on first use: loads the native poller
        long start = System.nanoTime();

        // 1. Three workers that block; they overlap, so this takes ~300 ms, not 600.
        List<Greenlet<String>> workers = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            int n = i;
            workers.add(Gevent.spawn(() -> {
                Gevent.sleep(100 * n);              // gevent's sleep
                Thread.sleep(100);                   // the JDK's own, parks only this greenlet
                return "worker " + n + " done on " + Thread.currentThread().isVirtual();
            }));
        }
        Gevent.joinall(workers);
        for (Greenlet<String> g : workers) {
            System.out.println("  " + g.get());
        }
        System.out.printf("3 workers sleeping 200-400 ms each finished after %d ms%n", ms(start));

        // 2. A timeout thrown at the blocking point.
        Greenlet<String> slow = Gevent.spawn(() -> {
            try (Timeout t = Timeout.start(Duration.ofMillis(50))) {
                Gevent.sleep(1_000);
                return "no timeout?";
            } catch (Timeout e) {
                return "timed out: " + e.getMessage();
            }
        });
        System.out.println("slow job: " + slow.get());

        // 3. A kill: finally blocks run, and the greenlet counts as successful.
        Greenlet<Void> victim = Gevent.spawn(() -> {
            try {
                Gevent.sleep(10_000);
            } finally {
                System.out.println("  victim: cleaning up in finally");
            }
        });
        Gevent.sleep(10);
        victim.kill();
        System.out.println("victim killed: successful=" + victim.successful() + ", killed by "
                + victim.killedBy().getClass().getSimpleName());

        // 4. Ten thousand concurrent sleeps on one thread.
        long t0 = System.nanoTime();
        AtomicInteger woke = new AtomicInteger();
        List<Greenlet<Void>> many = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            many.add(Gevent.spawn(() -> {
                Gevent.sleep(200);
                woke.incrementAndGet();
            }));
        }
        Gevent.joinall(many);
        System.out.printf("10,000 greenlets slept 200 ms each: all %d woke after %d ms, on thread '%s'%n",
                woke.get(), ms(t0), Thread.currentThread().getName());
        System.out.printf("demo finished in %d ms%n", ms(start));
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
