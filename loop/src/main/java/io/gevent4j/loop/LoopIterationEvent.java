package io.gevent4j.loop;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * JFR event {@code io.gevent4j.LoopIteration}: the work of one loop iteration (from the end of one poll
 * to the start of the next: callbacks, greenlets, timers) took at least the threshold (20 ms by default).
 * Without a recording it costs one check per iteration; before JFR starts in the JVM the loop does not
 * touch this class at all (its first use initializes JFR's metadata).
 */
@Name("io.gevent4j.LoopIteration")
@Label("Long Loop Iteration")
@Category({"gevent4j", "Loop"})
@Description("One loop iteration's work (between two polls) took long: everything on the hub waited")
@Threshold("20 ms")
@StackTrace(false)
final class LoopIterationEvent extends jdk.jfr.Event {
    static final LoopIterationEvent PROBE = new LoopIterationEvent();

    @Label("Backend")
    String backend;
    @Label("Owner")
    String owner;
    @Label("Callbacks Run")
    long callbacks;

    /** A started event when JFR records it, else null. */
    static LoopIterationEvent begin(long progress) {
        if (!PROBE.isEnabled()) {
            return null;
        }
        LoopIterationEvent e = new LoopIterationEvent();
        e.callbacks = progress;
        e.begin();
        return e;
    }

    void finish(Loop loop, long progress) {
        end();
        if (shouldCommit()) {
            backend = loop.backend().name();
            owner = loop.owner().getName();
            callbacks = progress - callbacks;
            commit();
        }
    }
}
