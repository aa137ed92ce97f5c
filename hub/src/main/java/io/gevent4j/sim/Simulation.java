package io.gevent4j.sim;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.ThrowingRunnable;
import io.gevent4j.hub.Hub;
import io.gevent4j.loop.sim.SimFaults;
import io.gevent4j.loop.sim.SimKernel;

import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Runs a scenario - real gevent4j servers and clients, the real hub, greenlets, queues and sockets - on a
 * {@linkplain SimKernel simulated kernel}: a virtual clock and an in-memory network whose delays,
 * reorderings, short reads and writes, resets and failed accepts all come from one seed. The same seed
 * always gives the same run, so any failure replays exactly; timeouts of minutes pass in microseconds.
 *
 * <pre>{@code
 * Simulation.Outcome o = Simulation.of(seed).faults(SimFaults.swarm(seed, true)).run(() -> {
 *     var server = new StreamServer(new InetSocketAddress("127.0.0.1", 7000), echo).start();
 *     ... clients: Socket.connect(server.address()) ...
 *     server.stop();
 * });
 * }</pre>
 *
 * <h2>One world</h2>
 * Each run gets a new platform thread with a new {@link Hub} whose loop is on {@link
 * io.gevent4j.loop.Backend#SIM}; the scenario runs in a greenlet of that hub, and so does everything it
 * spawns. Sockets made on that hub are simulated (TCP only; UDP is refused). No real thread may take
 * part: a thread pool, a second hub, {@code Thread.sleep} or a JDK lock held across threads would bring
 * real time and real scheduling back in, and is outside the simulation. Resolve no host names
 * (IP literals resolve without a thread).
 *
 * <h2>What makes a run fail ({@link SimulationFailure})</h2>
 * <ul>
 *   <li>the scenario throws (an assertion about what the clients saw, say);</li>
 *   <li>a hang: every greenlet waits and no timer or network event is left that could wake one;</li>
 *   <li>the virtual clock passes the {@link #timeLimit(Duration) time limit} (a livelock, endless
 *   retries);</li>
 *   <li>afterwards, once the world has {@link #settle(Duration) settled}: a greenlet still alive, a
 *   descriptor still open, a watcher still active or a registration left with the poller;</li>
 *   <li>the run takes longer than the {@link #realTimeLimit(Duration) real time limit} (code that
 *   spins without blocking).</li>
 * </ul>
 * The failure names the seed and the faults, with the kernel's state and its last events.
 * {@link SimSeeds#run} runs a scenario over many seeds and prints the command that replays a failing one.
 */
public final class Simulation {
    /** System property: how many of the last events a failure shows (default 256; raise it to debug a replay). */
    public static final String TRACE = "gevent4j.sim.trace";
    private final long seed;
    private SimFaults faults;
    private Duration timeLimit = Duration.ofHours(1);
    private Duration realTimeLimit = Duration.ofSeconds(60);
    private Duration settle = Duration.ofSeconds(10);

    private Simulation(long seed) {
        this.seed = seed;
        this.faults = SimFaults.swarm(seed, true);
    }

    /**
     * A simulation of {@code seed}, with {@linkplain SimFaults#swarm swarm} faults of that seed unless told otherwise.
     *
     * @param seed the seed
     * @return this
     */
    public static Simulation of(long seed) {
        return new Simulation(seed);
    }

    /**
     * The faults to inject.
     *
     * @param faults the faults
     * @return this
     */
    public Simulation faults(SimFaults faults) {
        this.faults = Objects.requireNonNull(faults, "faults");
        return this;
    }

    /**
     * Virtual time after which the run fails (default one hour).
     *
     * @param limit the limit
     * @return this
     */
    public Simulation timeLimit(Duration limit) {
        this.timeLimit = positive(limit);
        return this;
    }

    /**
     * Real time after which the run fails (default 60 s): only code that never blocks can take that long.
     *
     * @param limit the limit
     * @return this
     */
    public Simulation realTimeLimit(Duration limit) {
        this.realTimeLimit = positive(limit);
        return this;
    }

    /**
     * Virtual time the world may run after the scenario returned, before the leak checks (default 10 s):
     * closes and callbacks still queued, peers reading the last bytes.
     *
     * @param time the time
     * @return this
     */
    public Simulation settle(Duration time) {
        if (time.isNegative()) {
            throw new IllegalArgumentException("negative settle time");
        }
        this.settle = time;
        return this;
    }

    private static Duration positive(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("must be positive: " + d);
        }
        return d;
    }

    // ------------------------------------------------------------------ inside a scenario

    /**
     * The simulated kernel of the calling greenlet's hub.
     *
     * @throws IllegalStateException outside a simulation
     * @return the kernel
     */
    public static SimKernel kernel() {
        Hub h = Hub.currentIfAny();
        SimKernel k = h == null ? null : h.loop().sim();
        if (k == null) {
            throw new IllegalStateException("not inside a simulation (the hub's loop runs on " + (h == null ? "no hub"
                    : h.loop().backend()) + ")");
        }
        return k;
    }

    /**
     * The scenario's seeded generator: draw every random choice of a scenario from it.
     *
     * @return the random
     */
    public static SplittableRandom random() {
        return kernel().scenarioRandom();
    }

    /**
     * Virtual time since the world began.
     *
     * @return the elapsed
     */
    public static Duration elapsed() {
        return Duration.ofNanos(kernel().elapsedNanos());
    }

    // ------------------------------------------------------------------ running

    /** What a run that passed did. */
    /**
     * What a run that passed did. {@code realWaits}: polls that had to wait for a real thread (a greenlet
     * blocked on a JDK lock another thread held, such as a logging appender's); a run with some is correct
     * but may not replay exactly.
     *
     * @param bytes the bytes
     * @param connections the connections
     * @param faultCounts the fault counts
     * @param faults the faults
     * @param faultsInjected the faults injected
     * @param realWaits the real waits
     * @param seed the seed
     * @param syscalls the syscalls
     * @param traceHash the trace hash
     * @param virtualNanos the virtual nanos
     */
    public record Outcome(long seed, SimFaults faults, long virtualNanos, long traceHash, long faultsInjected,
                          java.util.Map<SimKernel.Fault, Long> faultCounts, long connections, long bytes,
                          long syscalls, long realWaits) {
    }

    /**
     * Runs {@code scenario} in a greenlet of a new simulated world and checks the world afterwards.
     *
     * @throws SimulationFailure if the run failed (see the class comment)
     * @param scenario the scenario
     * @return the result
     */
    public Outcome run(ThrowingRunnable<?> scenario) {
        Objects.requireNonNull(scenario, "scenario");
        SimKernel kernel = new SimKernel(seed, faults).timeLimit(saturatedNanos(timeLimit))
                .traceCapacity(Integer.getInteger(TRACE, 256));
        Object[] result = new Object[1];
        Thread world = Thread.ofPlatform().daemon().name("gevent4j-sim-" + seed)
                .unstarted(() -> result[0] = world(kernel, scenario));
        world.start();
        boolean ended;
        try {
            ended = world.join(realTimeLimit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SimulationFailure(seed, faults, "interrupted while the simulation ran", null);
        }
        if (!ended) {
            StringBuilder b = new StringBuilder("real time limit: the run took more than " + realTimeLimit
                    + " of real time (a greenlet or callback that spins without blocking). Where the threads were:\n");
            for (var e : Thread.getAllStackTraces().entrySet()) {
                if (e.getKey() == world || e.getKey().getName().equals("gevent4j-hub-" + world.getName())) {
                    b.append(e.getKey().getName()).append(":\n");
                    for (StackTraceElement f : e.getValue()) {
                        b.append("    at ").append(f).append('\n');
                    }
                }
            }
            throw new SimulationFailure(seed, faults, b.toString(), null); // the world thread is abandoned (daemon)
        }
        if (result[0] instanceof SimulationFailure f) {
            throw f;
        }
        return (Outcome) result[0];
    }

    /** The world thread: installs the kernel, runs the scenario on the hub, settles, checks. */
    private Object world(SimKernel kernel, ThrowingRunnable<?> scenario) {
        SimKernel.install(kernel);
        Hub hub = null;
        try {
            hub = Hub.current();
            if (hub.loop().sim() != kernel) {
                return failure(kernel, "the world's hub does not run on the simulated kernel", null);
            }
            kernel.waitingForRealThreads(hub::greenletsOffHub);
            Greenlet<Void> root = Greenlet.of(scenario).setName("scenario seed " + seed);
            root.start();
            try {
                root.join();
            } catch (RuntimeException | Error e) {
                return failure(kernel, (kernel.halted() ? kernel.failure() : "the hub failed")
                        + "\ngreenlets:\n" + greenletStacks(), kernel.halted() ? null : e);
            }
            if (kernel.halted()) {
                return failure(kernel, kernel.failure() + "\ngreenlets:\n" + greenletStacks(), null);
            }
            Throwable t = root.exception();
            if (t != null) {
                return failure(kernel, "the scenario failed: " + t, t);
            }
            try {
                Gevent.sleep(settle);
            } catch (RuntimeException | Error e) {
                return failure(kernel, kernel.halted() ? "while settling: " + kernel.failure() : "the hub failed while settling",
                        kernel.halted() ? null : e);
            }
            if (kernel.halted()) {
                return failure(kernel, "while settling: " + kernel.failure(), null);
            }
            StringBuilder leaks = new StringBuilder();
            if (hub.liveGreenlets() != 0) {
                leaks.append(hub.liveGreenlets()).append(" greenlet(s) still alive:\n").append(greenletStacks());
            }
            if (kernel.openFds() != 0) {
                leaks.append(kernel.openFds()).append(" descriptor(s) still open:\n").append(kernel.describeOpenFds());
            }
            if (hub.loop().ioSourceCount() != 0) {
                leaks.append(hub.loop().ioSourceCount()).append(" descriptor(s) still watched by the loop\n");
            }
            if (kernel.registrations() != 0) {
                leaks.append(kernel.registrations()).append(" registration(s) left with the poller\n");
            }
            if (hub.loop().alive()) {
                leaks.append("a referenced watcher is still active (a timer or an I/O wait left behind): ")
                        .append(hub.loop()).append('\n');
            }
            if (!leaks.isEmpty()) {
                return failure(kernel, "the world is not clean after the scenario and " + settle + " of settling:\n"
                        + leaks + "last events:\n" + kernel.traceTail(), null);
            }
            return new Outcome(seed, faults, kernel.elapsedNanos(), kernel.traceHash(), kernel.faultsInjected(),
                    kernel.faultCounts(), kernel.connections(), kernel.bytesDelivered(), kernel.syscalls(),
                    kernel.realWaits());
        } catch (RuntimeException | Error e) {
            return failure(kernel, kernel.halted() ? kernel.failure() : "the simulation failed", kernel.halted() ? null : e);
        } finally {
            try {
                if (hub != null) {
                    hub.destroy();
                }
            } finally {
                SimKernel.install(null);
            }
        }
    }

    /**
     * Where the greenlets are: the virtual threads of the JVM's thread dump whose stacks run gevent4j code
     * (the world's greenlets; a failed world's greenlets stay parked, so it is also theirs).
     */
    static String greenletStacks() {
        try {
            var bean = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            java.nio.file.Path f = java.nio.file.Files.createTempFile("gevent4j-sim-threads", ".txt");
            java.nio.file.Files.delete(f);
            try {
                bean.dumpThreads(f.toString(), com.sun.management.HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
                StringBuilder b = new StringBuilder();
                for (String block : java.nio.file.Files.readString(f).split("\\R\\R")) {
                    String header = block.lines().findFirst().orElse("");
                    if (header.contains(" virtual ") && block.contains("io.gevent4j.hub.RawGreenlet")) {
                        block.lines().filter(l -> !l.contains("java.base/java.lang.VirtualThread")
                                && !l.contains("java.base/jdk.internal.vm.Continuation")).limit(40)
                                .forEach(l -> b.append("  ").append(l).append('\n'));
                    }
                }
                return b.isEmpty() ? "  (none found in the thread dump)\n" : b.toString();
            } finally {
                java.nio.file.Files.deleteIfExists(f);
            }
        } catch (Exception | LinkageError e) {
            return "  (no thread dump: " + e + ")\n";
        }
    }

    private SimulationFailure failure(SimKernel kernel, String why, Throwable cause) {
        if (cause != null && !why.contains(String.valueOf(cause.getMessage()))) {
            why += ": " + cause;
        }
        if (!why.contains("last events:")) {
            why += "\nlast events:\n" + kernel.traceTail();
        }
        return new SimulationFailure(seed, faults, why + "\n(virtual time " + kernel.elapsedNanos() / 1e6
                + " ms, " + kernel.faultsInjected() + " fault(s) injected: " + kernel.faultCounts() + ")", cause);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE >> 2;
        }
    }
}
