package io.gevent4j.loop;

/** How long {@link Loop#run(RunMode)} runs: libev's {@code ev_run} flags. */
public enum RunMode {
    /** Until no referenced watcher is active and no callback is pending, or {@link Loop#breakLoop()}. */
    DEFAULT,
    /**
     * One iteration; blocks for I/O or a timer if nothing is ready and a referenced watcher is active
     * (with none, nothing could end the wait: it returns at once).
     */
    ONCE,
    /** One iteration that never blocks. */
    NOWAIT
}
