package io.gevent4j;

import io.gevent4j.hub.Hub;
import io.gevent4j.loop.Backend;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Runs a test body on a fresh platform thread whose hub uses a given loop backend. */
public final class OnBackend {
    /** The body; it runs with its own hub. */
    public interface Body {
        void run(Hub hub) throws Exception;
    }

    private OnBackend() {
    }

    /** Runs {@code body} on a new thread whose hub runs {@code backend}; rethrows what it threw. */
    public static synchronized void run(Backend backend, Body body) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        String old = System.getProperty(Backend.PROPERTY);
        Thread t;
        System.setProperty(Backend.PROPERTY, backend.name().toLowerCase(java.util.Locale.ROOT));
        try {
            java.util.concurrent.CountDownLatch made = new java.util.concurrent.CountDownLatch(1);
            t = Thread.ofPlatform().name("test-hub-" + backend).start(() -> {
                Hub hub;
                try {
                    hub = Hub.current();
                } finally {
                    made.countDown();
                }
                try {
                    if (hub.loop().backend() != backend) {
                        throw new AssertionError("hub runs " + hub.loop().backend() + ", wanted " + backend);
                    }
                    body.run(hub);
                } catch (Throwable e) {
                    failure.set(e);
                } finally {
                    hub.destroy();
                }
            });
            made.await();
        } finally {
            if (old == null) {
                System.clearProperty(Backend.PROPERTY);
            } else {
                System.setProperty(Backend.PROPERTY, old);
            }
        }
        t.join(TimeUnit.SECONDS.toMillis(60));
        if (t.isAlive()) {
            t.interrupt();
            throw new AssertionError("test body did not finish in 60 s");
        }
        Throwable e = failure.get();
        if (e instanceof Exception ex) {
            throw ex;
        }
        if (e instanceof Error er) {
            throw er;
        }
    }
}
