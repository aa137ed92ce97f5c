package io.gevent4j.http;

import io.gevent4j.hub.Hub;
import io.gevent4j.net.StreamServer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A {@link StreamServer} echo server (the examples' EchoServer handler) on its own hub thread. */
final class EchoRunner implements AutoCloseable {
    /** The handler of {@code io.gevent4j.examples.net.EchoServer}: read, write back, until the client hangs up. */
    static final StreamServer.Handler ECHO = (socket, address) -> {
        ByteBuffer buf = ByteBuffer.allocateDirect(4096);
        while (socket.read(buf.clear()) > 0) {
            socket.write(buf.flip());
        }
    };

    final StreamServer server = new StreamServer(ServerRunner.LOCAL, ECHO);
    volatile Hub hub;
    private final Thread thread;
    private final CompletableFuture<Integer> liveAfterStop = new CompletableFuture<>();

    EchoRunner() throws Exception {
        CompletableFuture<Void> started = new CompletableFuture<>();
        thread = new Thread(() -> {
            hub = Hub.current();
            try (AutoCloseable external = hub.externalWait()) {
                server.start();
                started.complete(null);
                server.serveForever();
                for (int i = 0; i < 200 && hub.liveGreenlets() > 0; i++) {
                    io.gevent4j.Gevent.sleep(5);
                }
                liveAfterStop.complete(hub.liveGreenlets());
            } catch (Throwable e) {
                started.completeExceptionally(e);
                liveAfterStop.completeExceptionally(e);
            } finally {
                hub.destroy();
            }
        }, "echo-test-hub");
        thread.start();
        started.get(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.address().getPort();
    }

    @Override
    public void close() throws Exception {
        server.stop(Duration.ofSeconds(2));
        int live = liveAfterStop.get(20, TimeUnit.SECONDS);
        thread.join(10_000);
        if (live != 0) {
            throw new AssertionError(live + " greenlets left on the echo server's hub after stop");
        }
    }
}
