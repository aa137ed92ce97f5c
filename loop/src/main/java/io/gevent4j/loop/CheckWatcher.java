package io.gevent4j.loop;

/**
 * Runs its callback in every loop iteration right after the loop polled for I/O, before the
 * callbacks that I/O made pending (libev's {@code ev_check}).
 */
public final class CheckWatcher extends Watcher {
    CheckWatcher(Loop loop) {
        super(loop);
    }

    @Override
    void onStart() {
        loop.checks.add(this);
    }

    @Override
    void onStop() {
        loop.checks.remove(this);
    }
}
