package io.gevent4j.loop;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Wakes the loop from any thread (libev's {@code ev_async}): {@link #send()} is the one thread-safe
 * call of the loop's watchers. Sends that arrive before the callback ran coalesce into one invocation;
 * a send to an inactive watcher is dropped.
 */
public final class AsyncWatcher extends Watcher {
    private final AtomicBoolean sent = new AtomicBoolean();
    private final Runnable onLoopThread = this::deliver;

    AsyncWatcher(Loop loop) {
        super(loop);
    }

    /** Safe from any thread: makes the watcher pending and wakes the loop if it sleeps. */
    public void send() {
        if (sent.compareAndSet(false, true)) {
            loop.submit(onLoopThread);
        }
    }

    /** True when a {@link #send()} has not been delivered yet, or the callback is queued. */
    @Override
    public boolean isPending() {
        return sent.get() || super.isPending();
    }

    private void deliver() {
        sent.set(false);
        if (isActive()) {
            fire();
        }
    }

    @Override
    void onStart() {
    }

    @Override
    void onStop() {
    }
}
