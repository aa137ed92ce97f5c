package io.gevent4j.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the foundation benchmarks in one go and prints each figure next to its baseline measured in
 * the same run: greenlet switch vs a bare continuation and vs plain virtual threads (JMH), spawn+join
 * of a million greenlets with bytes per parked greenlet, and 100,000 concurrent sleeps with their
 * lateness.
 *
 * <p>Arguments: {@code [jmh-regexp]} (default: the switch benchmark); system properties
 * {@code bench.greenlets} (default 1,000,000) and {@code bench.sleeps} (default 100,000).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String include = args.length > 0 ? args[0]
                : "(" + SwitchBench.class.getSimpleName() + "|" + QueueBench.class.getSimpleName() + ")";
        Options opt = new OptionsBuilder().include(include).build();
        Collection<RunResult> results = new Runner(opt).run();
        Map<String, Double> score = new HashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            score.put(name.substring(name.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
        }
        int greenlets = Integer.getInteger("bench.greenlets", 1_000_000);
        int sleeps = Integer.getInteger("bench.sleeps", 100_000);

        System.out.println();
        System.out.println("== switch round trip (ns, lower is better) ==");
        Double base = score.get("continuation");
        for (var e : new java.util.TreeMap<>(score).entrySet()) {
            if (!e.getKey().contains("ParkUnpark") && !e.getKey().contains("Switch") && !e.getKey().equals("continuation")) {
                continue;
            }
            System.out.printf("%-26s %8.1f ns   %s%n", e.getKey(), e.getValue(),
                    base == null ? "" : String.format("%.2fx the bare continuation", e.getValue() / base));
        }

        System.out.println();
        System.out.println("== queue hand-off (ns per item, lower is better) ==");
        String[][] pairs = {
            {"geventQueueUnbounded", "jdkLinkedBlockingQueueUnbounded"},
            {"geventQueueCapacity1", "jdkLinkedBlockingQueueCapacity1"},
            {"geventChannel", "jdkSynchronousQueue"},
        };
        for (String[] p : pairs) {
            Double ours = score.get(p[0]);
            Double theirs = score.get(p[1]);
            if (ours != null && theirs != null) {
                System.out.printf("%-26s %8.1f ns   %-32s %8.1f ns   ratio %.2fx%n", p[0], ours, p[1], theirs, ours / theirs);
            }
        }

        System.out.println();
        System.out.println("== spawn + park + join, memory per parked thread ==");
        SpawnMemory.greenlets(greenlets / 10);
        SpawnMemory.virtualThreads(greenlets / 10);
        var g = SpawnMemory.greenlets(greenlets);
        var v = SpawnMemory.virtualThreads(greenlets);
        System.out.println(g);
        System.out.println(v);
        System.out.printf("ratio greenlets / virtual threads: time %.2fx, bytes %.2fx%n",
                g.spawnJoinMillis() / v.spawnJoinMillis(), g.bytesPerParked() / v.bytesPerParked());

        System.out.println();
        System.out.println("== concurrent sleeps of 50-150 ms ==");
        SleepLateness.greenlets(sleeps / 10);
        SleepLateness.virtualThreads(sleeps / 10);
        System.out.println(SleepLateness.greenlets(sleeps));
        System.out.println(SleepLateness.virtualThreads(sleeps));
    }
}
