package io.gevent4j.hub;

import io.gevent4j.Gevent;

/** Child JVM of {@link JfrEventsTest}: spawns, sleeps and joins greenlets with no JFR recording. */
final class JfrProbeMain {
    private JfrProbeMain() {
    }

    public static void main(String[] args) throws Exception {
        Gevent.run(() -> {
            Gevent.spawn(() -> Gevent.sleep(5)).join();
            Gevent.spawn(() -> {
                throw new IllegalStateException("a failure (expected by the test)");
            }).join();
        });
        System.out.println("done");
    }
}
