package io.gevent4j.loop;

/**
 * Runs its callback in every loop iteration after the loop polled for I/O, behind the I/O and timer
 * events of that iteration, which became pending first (libev's {@code ev_check}).
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
