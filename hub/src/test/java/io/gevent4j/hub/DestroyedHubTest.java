package io.gevent4j.hub;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A destroyed hub must not break the JDK for everyone else: when the JDK's poller thread wakes a
 * greenlet of a destroyed hub (a late event on a descriptor the greenlet once waited on through the
 * JDK), the hub's scheduler must not throw into that thread, or the poller dies and every later
 * virtual-thread socket operation of the JVM hangs.
 */
class DestroyedHubTest {
    private interface Body {
        void run() throws Exception;
    }

    private static Object onNewHub(Body body) throws InterruptedException {
        AtomicReference<Object> out = new AtomicReference<>("ok");
        Thread t = Thread.ofPlatform().start(() -> {
            Hub hub = Hub.current();
            Greenlet<Object> g = Gevent.spawn(() -> {
                body.run();
                return null;
            });
            if (!g.join(Duration.ofSeconds(10))) {
                out.set("hung");
            } else if (g.exception() != null) {
                out.set(g.exception());
            }
            hub.destroy();
        });
        t.join();
        return out.get();
    }

    /** The JDK's platform poller threads (jdk.pollerMode=1, as the hub sets it). */
    private static long pollerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().endsWith("-Poller")).count();
    }

    @Test
    @Timeout(60)
    void jdkSocketsInGreenletsKeepWorkingAfterAnotherHubWasDestroyed() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        held.add(server.accept());
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            // A JDK socket read that times out in a greenlet, on a hub destroyed right after.
            assertEquals("ok", onNewHub(() -> {
                try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                    s.setSoTimeout(100);
                    try {
                        s.getInputStream().read();
                    } catch (SocketTimeoutException expected) {
                        // the point: a wait through the JDK's poller that ended by timeout
                    }
                }
            }));
            // A greenlet still parked in a JDK socket read when its hub is destroyed; then data arrives,
            // and the JDK's poller wakes a greenlet whose hub is gone.
            int before = held.size();
            Thread doomed = Thread.ofPlatform().start(() -> {
                Hub hub = Hub.current();
                Greenlet<Object> g = Gevent.spawn(() -> {
                    java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                    return s.getInputStream().read();
                });
                g.join(Duration.ofMillis(300));
                hub.destroy();
            });
            doomed.join();
            while (held.size() <= before) {
                Thread.sleep(10);
            }
            long pollers = pollerThreads();
            held.get(held.size() - 1).getOutputStream().write(1);
            Thread.sleep(100);
            assertEquals(pollers, pollerThreads(), "the JDK's poller threads survived waking a dead hub's greenlet");
            // The JDK's poller must still serve greenlets of other hubs, several times over.
            for (int i = 0; i < 3; i++) {
                Object r = onNewHub(() -> {
                    try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                            server.getLocalPort()))) {
                        Thread.ofPlatform().start(() -> {
                            try {
                                Thread.sleep(100);
                                ch.close();
                            } catch (IOException | InterruptedException ignored) {
                                // closed
                            }
                        });
                        try {
                            ch.read(ByteBuffer.allocate(1));
                        } catch (AsynchronousCloseException expected) {
                            // closed under the read, as intended
                        }
                    }
                });
                assertEquals("ok", r, "round " + i);
            }
            assertTrue(acceptor.isAlive());
        }
    }
}
