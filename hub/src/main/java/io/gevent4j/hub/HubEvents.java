package io.gevent4j.hub;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
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

    static void spawned(RawGreenlet g) {
        Spawn e = new Spawn();
        if (e.isEnabled()) {
            e.greenlet = g.toString();
            e.hub = g.hub.owner().getName();
            RawGreenlet p = g.spawnedBy();
            e.spawnedBy = p == null ? null : p.toString();
            e.commit();
        }
    }

    static void exited(RawGreenlet g, Throwable failure) {
        Exit e = new Exit();
        if (e.isEnabled()) {
            e.greenlet = g.toString();
            e.hub = g.hub.owner().getName();
            e.failure = failure == null ? null : failure.toString();
            e.commit();
        }
    }

    static void blocked(BlockingMonitor.Report r) {
        Blocked e = new Blocked();
        if (e.isEnabled()) {
            e.hub = r.hub().owner().getName();
            e.blockedFor = r.blockedFor().toNanos();
            e.culprit = r.culprit().toString();
            e.what = r.what();
            e.commit();
        }
    }
}
