package io.gevent4j.monkey;

import io.gevent4j.FileObject;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.hub.BlockingMonitor;
import io.gevent4j.hub.Hub;
import io.gevent4j.subprocess.Subprocess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The facts behind the README's table of JDK blocking APIs: each call, made by unmodified code inside a
 * greenlet and waiting about 200 ms, either parks only its greenlet (a ticker greenlet of the same hub
 * keeps ticking) or holds the hub's thread (the ticker gets not one tick, and the hub's
 * {@link BlockingMonitor} reports it). If a JDK update changes a row, this test says which.
 */
@Timeout(120)
class JdkBlockingTableTest {
    private static final long WAIT_MS = 200;
    @TempDir
    static Path dir;
    private static java.net.ServerSocket silentServer;
    private static com.sun.net.httpserver.HttpServer slowHttp;

    interface Op {
        void run() throws Exception;
    }

    /** Ticks of a 5 ms ticker during {@code op}, and monitor reports (limit 100 ms), on a fresh hub. */
    private record Outcome(int ticks, int reports, long millis) {
    }

    /** One hub thread runs every probe (a fresh hub per probe would only add start-up noise). */
    private static final java.util.concurrent.ExecutorService HUB_THREAD = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "blocking-table-hub");
        t.setDaemon(true);
        return t;
    });

    private static Outcome probe(Op op) throws Exception {
        return HUB_THREAD.submit(() -> {
            Hub hub = Hub.current();
            AtomicInteger reports = new AtomicInteger();
            BlockingMonitor monitor = BlockingMonitor.start(hub, Duration.ofMillis(100), r -> reports.incrementAndGet());
            try {
                AtomicInteger ticks = new AtomicInteger();
                Greenlet<Void> ticker = Gevent.spawn(() -> {
                    while (true) {
                        Gevent.sleep(5);
                        ticks.incrementAndGet();
                    }
                });
                Gevent.sleep(20);
                int[] during = new int[1];
                long[] millis = new long[1];
                Greenlet<Object> g = Gevent.spawn(() -> {
                    // Counted inside the greenlet: nothing else runs between the two reads unless op parks.
                    int before = ticks.get();
                    long t0 = System.nanoTime();
                    op.run();
                    millis[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    during[0] = ticks.get() - before;
                    return null;
                });
                boolean finished = g.join(Duration.ofSeconds(20));
                ticker.kill();
                if (!finished) {
                    throw new AssertionError("the probe did not finish in 20 s; the JDK's poller threads: "
                            + Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                                    .filter(n -> n.contains("Poller")).toList());
                }
                if (g.exception() != null) {
                    throw new AssertionError("the probe failed", g.exception());
                }
                return new Outcome(during[0], reports.get(), millis[0]);
            } finally {
                monitor.close();
            }
        }).get();
    }

    private static void cooperative(String what, Op op) throws Exception {
        Outcome o = probe(op);
        System.out.println(what + ": " + o);
        assertTrue(o.ticks > 0, what + " should park only its greenlet, but the ticker got no tick");
        assertEquals(0, o.reports, what + " was reported by the blocking monitor");
    }

    private static void blocksTheHub(String what, Op op) throws Exception {
        Outcome o = probe(op);
        System.out.println(what + ": " + o);
        assertEquals(0, o.ticks, what + " was expected to hold the hub's thread (the JDK changed?)");
        assertTrue(o.reports >= 1, what + " held the hub but the blocking monitor did not report it");
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @BeforeAll
    static void servers() throws IOException {
        silentServer = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress()); // accepts, never answers
        Thread.ofPlatform().daemon().start(() -> {
            java.util.List<java.net.Socket> held = new java.util.ArrayList<>();
            try {
                while (true) {
                    held.add(silentServer.accept());
                }
            } catch (IOException closed) {
                for (java.net.Socket s : held) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing
                    }
                }
            }
        });
        slowHttp = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        slowHttp.createContext("/", ex -> {
            sleepQuietly(WAIT_MS);
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("ok".getBytes());
            ex.close();
        });
        slowHttp.setExecutor(Executors.newCachedThreadPool());
        slowHttp.start();
    }

    @AfterAll
    static void stopServers() throws IOException {
        silentServer.close();
        slowHttp.stop(0);
    }

    /** A FIFO that a platform thread writes one byte into after {@link #WAIT_MS}. */
    private static Path slowFifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        Process mk;
        try {
            mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException e) {
            Assumptions.abort("mkfifo is not available");
            throw e;
        }
        assertTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0);
        Thread.ofPlatform().daemon().start(() -> {
            try (FileOutputStream o = new FileOutputStream(fifo.toFile())) {
                sleepQuietly(WAIT_MS);
                o.write(1);
            } catch (IOException ignored) {
                // the test failed elsewhere
            }
        });
        return fifo;
    }

    @Test
    void threadsLocksAndFuturesAreCooperative() throws Exception {
        cooperative("Thread.sleep", () -> Thread.sleep(WAIT_MS));
        cooperative("BlockingQueue.poll", () -> new LinkedBlockingQueue<>().poll(WAIT_MS, TimeUnit.MILLISECONDS));
        cooperative("CountDownLatch.await", () -> new CountDownLatch(1).await(WAIT_MS, TimeUnit.MILLISECONDS));
        Object monitor = new Object();
        cooperative("synchronized + Object.wait", () -> {
            synchronized (monitor) {
                monitor.wait(WAIT_MS);
            }
        });
        cooperative("Thread.join", () -> Thread.ofPlatform().start(() -> sleepQuietly(WAIT_MS)).join());
        cooperative("CompletableFuture.get", () -> CompletableFuture.runAsync(() -> sleepQuietly(WAIT_MS)).get());
    }

    @Test
    void unpatchedSocketsAndNioChannelsAreCooperativeThroughTheJdksPoller() throws Exception {
        cooperative("java.net.Socket read", () -> {
            try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), silentServer.getLocalPort())) {
                s.setSoTimeout((int) WAIT_MS);
                try {
                    s.getInputStream().read();
                } catch (SocketTimeoutException expected) {
                    // the wait is what we measure
                }
            }
        });
        cooperative("SocketChannel read", () -> {
            SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    silentServer.getLocalPort()));
            Thread.ofPlatform().start(() -> { // another thread closes it under the read after 200 ms
                sleepQuietly(WAIT_MS);
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closed
                }
            });
            try {
                ch.read(ByteBuffer.allocate(1));
            } catch (IOException expected) {
                // closed under the read
            } finally {
                ch.close();
            }
        });
        cooperative("DatagramSocket.receive", () -> {
            try (DatagramSocket d = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                d.setSoTimeout((int) WAIT_MS);
                try {
                    d.receive(new DatagramPacket(new byte[1], 1));
                } catch (SocketTimeoutException expected) {
                    // the wait is what we measure
                }
            }
        });
        cooperative("Selector.select", () -> {
            try (Selector s = Selector.open()) {
                s.select(WAIT_MS);
            }
        });
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + slowHttp.getAddress().getPort() + "/")).build();
        client.send(get, HttpResponse.BodyHandlers.ofString()); // class loading of a first use is not what we measure
        cooperative("HttpClient.send", () -> client.send(get, HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void fileIoAndProcessPipesBlockTheHubUnlessThroughGevent4j() throws Exception {
        // The FIFOs are made first: their writers wait for the reader, then take 200 ms to write.
        Path a = slowFifo("a");
        blocksTheHub("FileInputStream.read", () -> {
            try (FileInputStream in = new FileInputStream(a.toFile())) {
                in.read();
            }
        });
        Path b = slowFifo("b");
        blocksTheHub("Files.readAllBytes", () -> Files.readAllBytes(b));
        Path c = slowFifo("c");
        cooperative("FileObject.readAllBytes", () -> FileObject.readAllBytes(c));
        cooperative("Process.waitFor", () -> new ProcessBuilder("sleep", "0.2").start().waitFor());
        Process child = new ProcessBuilder("sh", "-c", "read x; echo $x").start();
        blocksTheHub("Process stdout read", () -> {
            Thread.ofPlatform().start(() -> { // the child answers 200 ms after the read began
                sleepQuietly(WAIT_MS);
                try {
                    child.getOutputStream().write("go\n".getBytes());
                    child.getOutputStream().flush();
                } catch (IOException ignored) {
                    // the child died: the read below fails the test
                }
            });
            assertEquals('g', child.getInputStream().read());
        });
        assertEquals(0, child.waitFor());
        cooperative("Subprocess stdout read", () -> {
            try (Subprocess p = Subprocess.start("sh", "-c", "sleep 0.2; echo x")) {
                p.stdout().read();
            }
        });
        blocksTheHub("a busy loop", () -> {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
        });
    }
}
