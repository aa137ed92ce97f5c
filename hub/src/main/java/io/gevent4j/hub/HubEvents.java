package io.gevent4j.hub;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * gevent4j's JFR events. {@code io.gevent4j.GreenletSpawn} and {@code io.gevent4j.GreenletExit} are
 * disabled by default (a recording turns them on: {@code jfr configure +io.gevent4j.GreenletSpawn#enabled=true},
 * or a .jfc file); {@code io.gevent4j.HubBlocked} is on. Off, an event costs a check the JIT folds away.
 */
final class HubEvents {
    private HubEvents() {
    }

    @Name("io.gevent4j.GreenletSpawn")
    @Label("Greenlet Spawn")
    @Category({"gevent4j", "Greenlets"})
    @Description("A greenlet began running")
    @Enabled(false)
    @StackTrace(false) // committed by the loop (see onHubThread): its stack says nothing
    static final class Spawn extends Event {
        @Label("Greenlet")
        String greenlet;
        @Label("Hub")
        String hub;
        @Label("Spawned By")
        String spawnedBy;
    }

    @Name("io.gevent4j.GreenletExit")
    @Label("Greenlet Exit")
    @Category({"gevent4j", "Greenlets"})
    @Description("A greenlet ended")
    @Enabled(false)
    @StackTrace(false)
    static final class Exit extends Event {
        @Label("Greenlet")
        String greenlet;
        @Label("Hub")
        String hub;
        @Label("Failure")
        String failure;
    }

    @Name("io.gevent4j.HubBlocked")
    @Label("Hub Blocked")
    @Category({"gevent4j", "Hub"})
    @Description("Something held a hub's thread: it did not go round its loop (a BlockingMonitor report)")
    @StackTrace(false) // the monitor thread's; the report carries the culprit's
    static final class Blocked extends Event {
        @Label("Hub")
        String hub;
        @Label("Blocked For")
        @Timespan(Timespan.NANOSECONDS)
        long blockedFor;
        @Label("Culprit")
        String culprit;
        @Label("What")
        String what;
    }

    /**
     * Whether JFR has been started in this JVM. Until it has, no event class is touched: the first use of
     * one initializes JFR's metadata, which took 240-360 ms here - a stall of the hub at the first spawn.
     */
    static boolean recording() {
        return FlightRecorder.isInitialized();
    }

    static void spawned(RawGreenlet g) {
        if (!recording() || !Probes.SPAWN.isEnabled()) {
            return;
        }
        String greenlet = g.toString();
        String hub = g.hub.owner().getName();
        RawGreenlet p = g.spawnedBy();
        String spawnedBy = p == null ? null : p.toString();
        onHubThread(g.hub, () -> {
            Spawn e = new Spawn();
            e.greenlet = greenlet;
            e.hub = hub;
            e.spawnedBy = spawnedBy;
            e.commit();
        });
    }

    static void exited(RawGreenlet g, Throwable failure) {
        if (!recording() || !Probes.EXIT.isEnabled()) {
            return;
        }
        String greenlet = g.toString();
        String hub = g.hub.owner().getName();
        String why = failure == null ? null : failure.toString();
        onHubThread(g.hub, () -> {
            Exit e = new Exit();
            e.greenlet = greenlet;
            e.hub = hub;
            e.failure = why;
            e.commit();
        });
    }

    /**
     * Commits from the hub's platform thread, never from a greenlet. Measured on JDK 25.0.3: once a
     * virtual thread mounted on our carrier commits an event, the events the carrier itself commits
     * later (the loop's {@code io.gevent4j.LoopIteration}) never reach the recording. So a greenlet's
     * events are handed to the loop as a callback, which runs in the same iteration.
     */
    private static void onHubThread(Hub hub, Runnable commit) {
        if (!Thread.currentThread().isVirtual()) {
            commit.run();
            return;
        }
        try {
            hub.loop().execute(commit);
        } catch (java.util.concurrent.RejectedExecutionException gone) {
            // the hub is gone: so is its greenlet's event
        }
    }

    /** Instances to ask whether an event is enabled; loaded only once JFR runs (see {@link #recording()}). */
    private static final class Probes {
        static final Spawn SPAWN = new Spawn();
        static final Exit EXIT = new Exit();
    }

    static void blocked(BlockingMonitor.Report r) {
        if (!recording()) {
            return;
        }
        Blocked e = new Blocked();
        if (e.isEnabled()) {
            e.hub = r.hub().owner().getName();
            e.blockedFor = r.blockedFor().toNanos();
            e.culprit = String.valueOf(r.greenlet() != null ? r.greenlet() : r.culprit());
            e.what = r.what();
            e.commit();
        }
    }
}
