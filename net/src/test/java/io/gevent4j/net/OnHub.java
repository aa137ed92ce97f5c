package io.gevent4j.net;

import io.gevent4j.hub.Hub;
import io.gevent4j.loop.Backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Runs a test body on a fresh platform thread whose hub uses a given backend. */
final class OnHub {
    interface Body {
        void run(Hub hub) throws Exception;
    }

    private OnHub() {
    }

    static synchronized void run(Backend backend, Body body) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(backend.isAvailable(),
                () -> backend + " is not available on this machine (kernel, kernel.io_uring_disabled or native library)");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch hubMade = new CountDownLatch(1);
        String old = System.getProperty(Backend.PROPERTY);
        System.setProperty(Backend.PROPERTY, backend.name().toLowerCase());
        Thread t = new Thread(() -> {
            Hub hub;
            try {
                hub = Hub.current();
            } finally {
                hubMade.countDown();
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
        }, "test-hub-" + backend);
        t.start();
        hubMade.await();
        if (old == null) {
            System.clearProperty(Backend.PROPERTY);
        } else {
            System.setProperty(Backend.PROPERTY, old);
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

    static java.util.List<String> fdTargets() throws IOException {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    out.add(p.getFileName() + "->" + Files.readSymbolicLink(p));
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return out;
    }

    /** Number of open file descriptors of this process (Linux). */
    static int openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }
}
