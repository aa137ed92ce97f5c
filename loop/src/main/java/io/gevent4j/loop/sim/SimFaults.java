package io.gevent4j.loop.sim;

import java.util.SplittableRandom;

/**
 * How hostile a {@link SimKernel}'s network and poller are. Every decision the kernel takes with these
 * rates is drawn from its seeded generator, so one seed always gives the same run.
 *
 * <p>Probabilities are in [0, 1]. The benign faults (latency, small windows, short reads and writes,
 * deferred, reordered and spurious readiness, CPU jitter) never make a correct program fail; the
 * destructive ones (resets, refused connects, failed accepts) make connections fail the way real
 * networks do, and a correct program fails them cleanly.
 *
 * @param maxLatencyNanos  upper bound of a connection direction's one-way delay (each segment adds a
 *                         jitter of up to half of it; order within a direction is kept)
 * @param minWindow        smallest flow-control window of a direction, in bytes (at least 1)
 * @param maxWindow        largest flow-control window of a direction, in bytes
 * @param shortRead        chance that a read returns fewer bytes than are buffered and asked for
 * @param shortWrite       chance that a write takes fewer bytes than offered and allowed by the window
 * @param reorder          chance that a poll reports its ready descriptors in a shuffled order
 * @param deferReady       chance, per ready descriptor and poll, that it is reported one poll later
 * @param spurious         chance, per poll, that a watched descriptor that is not ready is reported
 *                         ready anyway (the caller must see EAGAIN and wait again)
 * @param reset            chance that a connection is reset (RST) at a random moment of its life
 * @param resetWithinNanos the moment of such a reset is drawn from [0, this) after the connection
 *                         is established
 * @param refuseConnect    chance that a connect is refused although something listens
 * @param immediateConnect chance that a connect to a listener completes within the call
 * @param failAccept       chance that an accept fails (ECONNABORTED: the connection is lost, or
 *                         EMFILE: it stays queued)
 * @param cpuJitterNanos   each loop callback costs 1 µs of virtual time plus up to this much
 * @param clockOrigin      the virtual clock's value at the start (nanoTime's origin is arbitrary:
 *                         code must survive any, including one that wraps around)
 */
public record SimFaults(long maxLatencyNanos, int minWindow, int maxWindow, double shortRead, double shortWrite,
                        double reorder, double deferReady, double spurious, double reset, long resetWithinNanos,
                        double refuseConnect, double immediateConnect, double failAccept, long cpuJitterNanos,
                        long clockOrigin) {

    /** A quiet network: 10 µs of latency, 64 KiB windows, no fault. */
    public static final SimFaults NONE = new SimFaults(10_000, 65536, 65536, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            1_000_000_000_000L);

    /** Every benign fault at a moderate rate, no destructive one. */
    public static final SimFaults BENIGN = new SimFaults(2_000_000, 1, 64 * 1024, 0.3, 0.3, 0.5, 0.2, 0.05,
            0, 0, 0, 0.2, 0, 2_000, 1_000_000_000_000L);

    /** Every fault, destructive ones included. */
    public static final SimFaults HOSTILE = new SimFaults(2_000_000, 1, 64 * 1024, 0.3, 0.3, 0.5, 0.2, 0.05,
            0.1, 50_000_000, 0.05, 0.2, 0.05, 2_000, 1_000_000_000_000L);

    /**
     * Checks the fields: durations not negative, {@code 1 <= minWindow <= maxWindow}, probabilities in [0, 1].
     */
    public SimFaults {
        if (maxLatencyNanos < 0 || resetWithinNanos < 0 || cpuJitterNanos < 0) {
            throw new IllegalArgumentException("negative duration");
        }
        if (minWindow < 1 || maxWindow < minWindow) {
            throw new IllegalArgumentException("windows must satisfy 1 <= minWindow <= maxWindow");
        }
        for (double p : new double[] {shortRead, shortWrite, reorder, deferReady, spurious, reset, refuseConnect,
                immediateConnect, failAccept}) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("probabilities must be in [0, 1]: " + p);
            }
        }
    }

    /**
     * These faults without the destructive ones (resets, refusals, failed accepts).
     *
     * @return a copy without them
     */
    public SimFaults benignOnly() {
        return new SimFaults(maxLatencyNanos, minWindow, maxWindow, shortRead, shortWrite, reorder, deferReady,
                spurious, 0, 0, 0, immediateConnect, 0, cpuJitterNanos, clockOrigin);
    }

    /**
     * These faults with windows of at least {@code bytes} (for protocols whose timeouts a 1-byte window would trip).
     *
     * @param bytes the smallest window, in bytes
     * @return a copy with that window
     */
    public SimFaults withMinWindow(int bytes) {
        int min = Math.max(minWindow, bytes);
        return new SimFaults(maxLatencyNanos, min, Math.max(maxWindow, min), shortRead, shortWrite, reorder, deferReady,
                spurious, reset, resetWithinNanos, refuseConnect, immediateConnect, failAccept, cpuJitterNanos,
                clockOrigin);
    }

    /**
     * True when resets, refusals or failed accepts may happen.
     *
     * @return whether resets, refusals or failed accepts may happen
     */
    public boolean destructive() {
        return reset > 0 || refuseConnect > 0 || failAccept > 0;
    }

    /**
     * "Swarm" faults for {@code seed}: each kind is switched on or off and given a rate at random, so that
     * across seeds faults meet in many combinations (which finds more than every fault at once). The
     * clock origin is sometimes close to where {@code long} wraps around.
     *
     * @param destructive whether resets, refusals and failed accepts may be among them
     * @param seed the seed
     * @return the faults drawn for that seed
     */
    public static SimFaults swarm(long seed, boolean destructive) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        long latency = pick(r, 0.8) ? 1 + r.nextLong(5_000_000) : 0;
        int minWindow;
        int maxWindow;
        switch (r.nextInt(3)) {
            case 0 -> { minWindow = 1; maxWindow = 1 + r.nextInt(64); }           // tiny: every write is short
            case 1 -> { minWindow = 1; maxWindow = 1 + r.nextInt(256 * 1024); }
            default -> { minWindow = 64 * 1024; maxWindow = 256 * 1024; }          // roomy
        }
        long origin = switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> Long.MAX_VALUE - r.nextLong(10_000_000_000L); // wraps within seconds
            case 2 -> r.nextLong();
            default -> 1_000_000_000_000L;
        };
        return new SimFaults(latency, minWindow, maxWindow,
                rate(r, 0.6, 0.9), rate(r, 0.6, 0.9), rate(r, 0.5, 1), rate(r, 0.4, 0.5), rate(r, 0.3, 0.2),
                destructive ? rate(r, 0.5, 0.5) : 0, 1 + r.nextLong(200_000_000),
                destructive ? rate(r, 0.3, 0.3) : 0, rate(r, 0.5, 1),
                destructive ? rate(r, 0.3, 0.3) : 0, pick(r, 0.5) ? r.nextLong(20_000) : 0, origin);
    }

    private static boolean pick(SplittableRandom r, double p) {
        return r.nextDouble() < p;
    }

    /** With chance {@code on}: a rate in (0, max]; else 0. */
    private static double rate(SplittableRandom r, double on, double max) {
        return pick(r, on) ? Math.max(Double.MIN_VALUE, r.nextDouble() * max) : 0;
    }
}
