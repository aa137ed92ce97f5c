package io.gevent4j.loop;

/**
 * Runs its callback in every loop iteration right before the loop polls for I/O
 * (libev's {@code ev_prepare}).
 */
public final class PrepareWatcher extends Watcher {
    PrepareWatcher(Loop loop) {
        super(loop);
    }

    @Override
    void onStart() {
        loop.prepares.add(this);
    }

    @Override
    void onStop() {
        loop.prepares.remove(this);
    }
}
