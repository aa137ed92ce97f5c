package io.gevent4j.http;

import io.gevent4j.Gevent;
import io.gevent4j.hub.Hub;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs an {@link HttpServer} on its own hub thread for tests whose clients are ordinary blocking JDK
 * code on the test thread. {@link #close()} stops the server from the test thread and checks that no
 * greenlet of the server's hub is left.
 */
final class ServerRunner implements AutoCloseable {
    static final InetSocketAddress LOCAL = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    final HttpServer server;
    /** The server's hub (read its {@link Hub#liveGreenlets()} only when the server is quiet). */
    volatile Hub hub;
    private final Thread thread;
    private final CompletableFuture<Integer> liveAfterStop = new CompletableFuture<>();

    private ServerRunner(HttpServer server, io.gevent4j.loop.Backend backend) throws Exception {
        this.server = server;
        CompletableFuture<Void> started = new CompletableFuture<>();
        CompletableFuture<Void> hubMade = new CompletableFuture<>();
        String old = System.getProperty(io.gevent4j.loop.Backend.PROPERTY);
        if (backend != null) {
            System.setProperty(io.gevent4j.loop.Backend.PROPERTY, backend.name().toLowerCase(java.util.Locale.ROOT));
        }
        thread = new Thread(() -> {
            Hub hub = Hub.current();
            this.hub = hub;
            hubMade.complete(null);
            if (backend != null && hub.loop().backend() != backend) {
                started.completeExceptionally(new AssertionError("hub runs " + hub.loop().backend()));
                hub.destroy();
                return;
            }
            try {
                server.start();
                started.complete(null);
                server.serveForever();
                // the stop greenlet may still be unwinding
                for (int i = 0; i < 200 && hub.liveGreenlets() > 0; i++) {
                    Gevent.sleep(5);
                }
                liveAfterStop.complete(hub.liveGreenlets());
            } catch (Throwable e) {
                started.completeExceptionally(e);
                liveAfterStop.completeExceptionally(e);
            } finally {
                hub.destroy();
            }
        }, "http-test-hub");
        thread.start();
        hubMade.get(10, TimeUnit.SECONDS);
        if (backend != null) {
            if (old == null) {
                System.clearProperty(io.gevent4j.loop.Backend.PROPERTY);
            } else {
                System.setProperty(io.gevent4j.loop.Backend.PROPERTY, old);
            }
        }
        started.get(10, TimeUnit.SECONDS);
    }

    static ServerRunner start(HttpHandler handler) throws Exception {
        return start(handler, s -> { });
    }

    static ServerRunner start(HttpHandler handler, Consumer<HttpServer> config) throws Exception {
        return start(null, handler, config);
    }

    /** An HTTPS server with {@code context}. */
    static synchronized ServerRunner https(javax.net.ssl.SSLContext context, HttpHandler handler, Consumer<HttpServer> config)
            throws Exception {
        HttpServer s = HttpServer.https(LOCAL, context, handler);
        config.accept(s);
        return new ServerRunner(s, null);
    }

    /** On a hub of the given loop backend (null: the default). */
    static synchronized ServerRunner start(io.gevent4j.loop.Backend backend, HttpHandler handler, Consumer<HttpServer> config)
            throws Exception {
        if (backend != null) {
            org.junit.jupiter.api.Assumptions.assumeTrue(backend.isAvailable(),
                    () -> backend + " is not available on this machine (kernel, kernel.io_uring_disabled or native library)");
        }
        HttpServer s = HttpServer.create(LOCAL, handler);
        config.accept(s);
        return new ServerRunner(s, backend);
    }

    int port() {
        return server.address().getPort();
    }

    String url(String path) {
        return (server.isSecure() ? "https" : "http") + "://127.0.0.1:" + port() + path;
    }

    /** Stops with {@code timeout} and returns the number of greenlets left on the server's hub (expected 0). */
    int stop(Duration timeout) throws Exception {
        server.stop(timeout);
        int live = liveAfterStop.get(20, TimeUnit.SECONDS);
        thread.join(TimeUnit.SECONDS.toMillis(10));
        return live;
    }

    @Override
    public void close() throws Exception {
        int live = stop(Duration.ofSeconds(2));
        if (live != 0) {
            throw new AssertionError(live + " greenlets left on the server's hub after stop");
        }
    }

    static int openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }
}
