package io.gevent4j.sim;

import io.gevent4j.loop.sim.SimKernel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Runs a simulated scenario over many seeds - a property test - and makes a failing seed easy to replay.
 *
 * <pre>{@code
 * @Test
 * void echoDeliversEveryByteInOrder() {
 *     SimSeeds.run(2000, seed -> Simulation.of(seed).run(() -> echoScenario()));
 * }
 * }</pre>
 *
 * <h2>Which seeds</h2>
 * Seeds {@code first} to {@code first + count - 1}: by default 1 and the count the test gives, so that CI
 * runs the same seeds every time. System properties change that (Maven passes {@code -D} options on to
 * the tests):
 * <ul>
 *   <li>{@value #SEED}=S runs seed S alone (the replay of a failure);</li>
 *   <li>{@value #SEEDS}=N runs N seeds, from {@value #FIRST} (default 1);</li>
 *   <li>{@value #THREADS}=T runs T worlds at a time (default 1; each world is one thread at a time);</li>
 *   <li>{@value #KEEP_GOING}=true runs every seed and reports all failing ones, instead of stopping at the
 *   first.</li>
 * </ul>
 * A failure's message ends with the command that replays it; each run prints one summary line (seeds,
 * faults injected by kind, connections, bytes, virtual and real time).
 */
public final class SimSeeds {
    /** System property: run only this seed. */
    public static final String SEED = "gevent4j.sim.seed";
    /** System property: how many seeds. */
    public static final String SEEDS = "gevent4j.sim.seeds";
    /** System property: the first seed. */
    public static final String FIRST = "gevent4j.sim.first";
    /** System property: worlds run at a time. */
    public static final String THREADS = "gevent4j.sim.threads";
    /** System property: do not stop at the first failing seed. */
    public static final String KEEP_GOING = "gevent4j.sim.keepGoing";

    private SimSeeds() {
    }

    /**
     * What a property test over seeds did.
     *
     * @param bytes the bytes
     * @param connections the connections
     * @param failingSeeds the failing seeds
     * @param faultCounts the fault counts
     * @param faultsInjected the faults injected
     * @param realWaits the real waits
     * @param seeds the seeds
     * @param test the test
     * @param virtualSeconds the virtual seconds
     * @param wallMillis the wall millis
     */
    public record Summary(String test, long seeds, List<Long> failingSeeds, long faultsInjected,
                          Map<SimKernel.Fault, Long> faultCounts, long connections, long bytes, double virtualSeconds,
                          long wallMillis, long realWaits) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT,
                    "simulation %s: %d seed(s), %d failed, %d fault(s) injected %s, %d connection(s), %d byte(s),"
                            + " %.1f s virtual in %.1f s real%s", test, seeds, failingSeeds.size(), faultsInjected,
                    faultCounts, connections, bytes, virtualSeconds, wallMillis / 1000.0,
                    realWaits == 0 ? "" : ", " + realWaits + " wait(s) for real threads (those runs may not replay exactly)");
        }
    }

    /**
     * Runs {@code body} for each seed (see the class comment) and prints a summary line.
     *
     * @param defaultCount seeds to run when {@value #SEEDS} does not say
     * @param body         runs one seed, usually {@code seed -> Simulation.of(seed).run(scenario)}
     * @throws SimulationFailure for the first failing seed (or, with {@value #KEEP_GOING}, naming all),
     *                           with the command that replays it
     *
     * @return the result
     */
    public static Summary run(int defaultCount, LongFunction<Simulation.Outcome> body) {
        StackWalker.StackFrame caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
                .walk(s -> s.filter(f -> f.getDeclaringClass() != SimSeeds.class).findFirst().orElseThrow());
        String test = caller.getDeclaringClass().getSimpleName() + "#" + caller.getMethodName();
        String module = moduleOf(caller.getDeclaringClass());
        Long only = Long.getLong(SEED);
        long first = only != null ? only : Long.getLong(FIRST, 1L);
        long count = only != null ? 1 : Long.getLong(SEEDS, (long) defaultCount);
        int threads = Math.max(1, Integer.getInteger(THREADS, 1));
        boolean keepGoing = Boolean.getBoolean(KEEP_GOING);

        AtomicLong next = new AtomicLong(first);
        long end = first + count;
        List<Long> failing = Collections.synchronizedList(new ArrayList<>());
        List<SimulationFailure> failures = Collections.synchronizedList(new ArrayList<>());
        Totals totals = new Totals();
        long start = System.nanoTime();
        Runnable worker = () -> {
            long seed;
            while ((seed = next.getAndIncrement()) - end < 0 && (keepGoing || failures.isEmpty())) {
                try {
                    totals.add(body.apply(seed));
                } catch (SimulationFailure f) {
                    failing.add(f.seed());
                    failures.add(f);
                } catch (RuntimeException | Error e) {
                    failing.add(seed);
                    failures.add(new SimulationFailure(seed, null, "the test failed outside the world: " + e, e));
                }
                long done = seed - first + 1;
                if (count >= 100_000 && done % (count / 20) == 0) {
                    System.out.printf(java.util.Locale.ROOT, "simulation %s: %d of %d seeds, %d failed, %.0f s%n",
                            test, done, count, failing.size(), (System.nanoTime() - start) / 1e9);
                }
            }
        };
        if (threads == 1) {
            worker.run();
        } else {
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                ts.add(Thread.ofPlatform().name("gevent4j-sim-worker-" + i).start(worker));
            }
            for (Thread t : ts) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
        Collections.sort(failing);
        Summary s = totals.summary(test, Math.min(count, next.get() - first), failing, (System.nanoTime() - start) / 1_000_000);
        System.out.println(s);
        if (!failures.isEmpty()) {
            SimulationFailure f = failures.get(0);
            for (SimulationFailure g : failures) {
                if (g.seed() == failing.get(0)) {
                    f = g;
                }
            }
            String replay = "replay: mvn -B verify -pl " + module + " -am -Dtest='" + test
                    + "' -Dsurefire.failIfNoSpecifiedTests=false -D" + SEED + "=" + f.seed();
            String all = failing.size() > 1 ? "\nfailing seeds: " + failing : "";
            throw f.with(replay + all);
        }
        return s;
    }

    /** The Maven module (folder) whose classes hold {@code c}: .../net/target/test-classes -> net. */
    private static String moduleOf(Class<?> c) {
        try {
            Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = p.getParent();
            if (target != null && target.getFileName().toString().equals("target") && target.getParent() != null) {
                return target.getParent().getFileName().toString();
            }
        } catch (Exception ignored) {
            // not from a Maven build: fall through
        }
        return "<module>";
    }

    private static final class Totals {
        private long faults;
        private final EnumMap<SimKernel.Fault, Long> counts = new EnumMap<>(SimKernel.Fault.class);
        private long connections;
        private long bytes;
        private long virtualNanos;
        private long realWaits;

        synchronized void add(Simulation.Outcome o) {
            if (o == null) {
                return;
            }
            faults += o.faultsInjected();
            o.faultCounts().forEach((k, v) -> counts.merge(k, v, Long::sum));
            connections += o.connections();
            bytes += o.bytes();
            virtualNanos += o.virtualNanos();
            realWaits += o.realWaits();
        }

        synchronized Summary summary(String test, long seeds, List<Long> failing, long wallMillis) {
            return new Summary(test, seeds, List.copyOf(failing), faults, new EnumMap<>(counts), connections, bytes,
                    virtualNanos / 1e9, wallMillis, realWaits);
        }
    }
}
