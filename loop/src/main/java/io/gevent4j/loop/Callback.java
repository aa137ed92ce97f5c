package io.gevent4j.loop;

/**
 * A one-shot function queued on the loop by {@link Loop#runCallback(Runnable)} (gevent's
 * {@code loop.run_callback}). Callbacks run in the order they were queued, behind callbacks and watcher
 * events already queued; a pending callback keeps {@link Loop#run()} running.
 */
public final class Callback {
    private volatile Runnable task;
    final Runnable dispatch = this::dispatch;

    Callback(Runnable task) {
        this.task = task;
    }

    /** {@return true until the callback ran or was stopped} */
    public boolean isPending() {
        return task != null;
    }

    /** Cancels the callback if it has not run yet. Safe from any thread. */
    public void stop() {
        task = null;
    }

    private void dispatch() {
        Runnable t = task;
        if (t != null) {
            task = null;
            t.run();
        }
    }
}
