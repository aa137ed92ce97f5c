package io.gevent4j.bench;

import java.util.Arrays;

/**
 * The in-process benchmarks of bench/run-all.sh, each run in a fresh JVM so that one cannot warm or
 * fill the heap of another: prints one {@code RESULT key=value ...} line that the suite parses.
 * Arguments: {@code spawn N} (spawn+park+join of N greenlets against N virtual threads) or
 * {@code sleep N} (N concurrent 50-150 ms sleeps, greenlets against virtual threads).
 */
public final class SuiteChild {
    private SuiteChild() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[1]);
        switch (args[0]) {
            case "spawn" -> {
                SpawnMemory.greenlets(n / 10); // warm-up of both, as bench.Main does
                SpawnMemory.virtualThreads(n / 10);
                var g = SpawnMemory.greenlets(n);
                var v = SpawnMemory.virtualThreads(n);
                System.out.printf(java.util.Locale.ROOT, "RESULT spawn gevent4j_us=%.4f gevent4j_bytes=%.1f vthreads_us=%.4f vthreads_bytes=%.1f%n",
                        g.spawnJoinMillis() * 1000 / n, g.bytesPerParked(), v.spawnJoinMillis() * 1000 / n, v.bytesPerParked());
            }
            case "sleep" -> {
                SleepLateness.greenlets(n / 10);
                SleepLateness.virtualThreads(n / 10);
                var g = SleepLateness.greenlets(n);
                var v = SleepLateness.virtualThreads(n);
                System.out.printf(java.util.Locale.ROOT, "RESULT sleep gevent4j_p50_ms=%.3f gevent4j_p99_ms=%.3f vthreads_p50_ms=%.3f vthreads_p99_ms=%.3f%n",
                        pct(g.latenessNanos(), 50), pct(g.latenessNanos(), 99), pct(v.latenessNanos(), 50), pct(v.latenessNanos(), 99));
            }
            default -> throw new IllegalArgumentException("unknown child benchmark " + args[0]);
        }
        System.exit(0);
    }

    private static double pct(long[] lateness, int p) {
        long[] l = lateness.clone();
        Arrays.sort(l);
        return SleepLateness.Result.pct(l, p) / 1e6;
    }
}
