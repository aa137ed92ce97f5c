package io.gevent4j.sim;

import io.gevent4j.loop.sim.SimFaults;

/**
 * A simulated run failed: the scenario threw, the world hung, ran out of virtual or real time, or was not
 * clean afterwards. It names the seed that replays it.
 */
public final class SimulationFailure extends AssertionError {
    /** The seed that replays the failed run. */
    private final long seed;
    private final transient SimFaults faults;

    SimulationFailure(long seed, SimFaults faults, String message, Throwable cause) {
        super("simulation seed " + seed + " failed: " + message + "\nfaults: " + faults, cause);
        this.seed = seed;
        this.faults = faults;
    }

    private SimulationFailure(SimulationFailure f, String more) {
        super(f.getMessage() + "\n" + more, f.getCause());
        this.seed = f.seed;
        this.faults = f.faults;
        setStackTrace(f.getStackTrace());
    }

    /**
     * The seed that replays the failure.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    /**
     * The faults of the failed run.
     *
     * @return the faults
     */
    public SimFaults faults() {
        return faults;
    }

    /** This failure with {@code more} appended to its message (a replay command, say). */
    SimulationFailure with(String more) {
        return new SimulationFailure(this, more);
    }
}
