package io.gevent4j.loop;

/**
 * Runs its callback once per loop iteration in which nothing else was pending: while an idle
 * watcher is active the loop polls for I/O without blocking (libev's {@code ev_idle}).
 */
public final class IdleWatcher extends Watcher {
    IdleWatcher(Loop loop) {
        super(loop);
    }

    @Override
    void onStart() {
        loop.idles.add(this);
    }

    @Override
    void onStop() {
        loop.idles.remove(this);
    }
}
