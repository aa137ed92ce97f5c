package io.gevent4j.http;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile peers against one server while well-behaved clients keep asking: every well-behaved
 * request must be answered while the hostile connections are open (asserted on counts, never on
 * timings), and each hostile peer must be cut off by the limit meant for it.
 */
class HostilePeersTest {
    static final int WELL_BEHAVED = 200;
    /** Idle connections in CI; {@code -Dgevent4j.test.idleConnections=10000} for the full local run. */
    static final int IDLE = Integer.getInteger("gevent4j.test.idleConnections", 1000);
    private static final String H = "Host: a\r\n";

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(20_000);
        return s;
    }

    private static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** {@code n} keep-alive requests on one connection, each answered 200 before the next is sent. */
    private static int wellBehaved(int port, int n) throws IOException {
        int answered = 0;
        try (RawClient c = new RawClient(port)) {
            for (int i = 0; i < n; i++) {
                RawClient.Resp r = c.send("GET /ok HTTP/1.1\r\n" + H + "\r\n").read();
                if (r.status() == 200) {
                    answered++;
                }
            }
        }
        return answered;
    }

    private static HttpHandler handler(AtomicReference<Throwable> writerFailure, AtomicLong written) {
        return (req, resp) -> {
            switch (req.path()) {
                case "/stream" -> {
                    // a response that never ends: only the reader's pace (or the write timeout) stops it
                    byte[] chunk = new byte[64 * 1024];
                    OutputStream out = resp.outputStream();
                    try {
                        while (written.get() < 1L << 30) {
                            out.write(chunk);
                            written.addAndGet(chunk.length);
                        }
                    } catch (IOException e) {
                        writerFailure.set(e);
                        throw e;
                    }
                }
                case "/upload" -> resp.send("got " + req.bodyBytes().length);
                default -> resp.send("ok");
            }
        };
    }

    @Test
    void slowlorisIsCutAtTheHeaderTimeoutWhileOthersAreServed() throws Exception {
        int slow = 200;
        try (ServerRunner r = ServerRunner.start(handler(new AtomicReference<>(), new AtomicLong()),
                s -> s.headerTimeout(Duration.ofMillis(800)))) {
            List<Socket> lorises = new ArrayList<>();
            try {
                for (int i = 0; i < slow; i++) {
                    Socket s = connect(r.port());
                    write(s, "GET / HTTP/1.1\r\n");
                    lorises.add(s);
                }
                // keep dripping header bytes while the well-behaved client is served
                CompletableFuture<Integer> good = CompletableFuture.supplyAsync(() -> {
                    try {
                        return wellBehaved(r.port(), WELL_BEHAVED);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                boolean[] answered = new boolean[slow];
                int cut = 0;
                for (int round = 0; round < 200 && cut < slow; round++) {
                    for (int i = 0; i < slow; i++) {
                        if (answered[i]) {
                            continue;
                        }
                        Socket s = lorises.get(i);
                        if (s.getInputStream().available() > 0) {
                            answered[i] = true; // the server answered: stop dripping, read it below
                            cut++;
                            continue;
                        }
                        try {
                            write(s, "X");
                        } catch (IOException e) {
                            answered[i] = true;
                            cut++;
                        }
                    }
                    Thread.sleep(50);
                }
                assertEquals(WELL_BEHAVED, good.get(60, TimeUnit.SECONDS), "well-behaved requests answered");
                int got408 = 0;
                for (Socket s : lorises) {
                    String answer = readAll(s);
                    if (answer.startsWith("HTTP/1.1 408")) {
                        got408++;
                    }
                }
                assertEquals(slow, got408, "slowloris connections answered 408 at the header timeout");
            } finally {
                for (Socket s : lorises) {
                    s.close();
                }
            }
            assertEquals(0, ChurnTest.settle(r.server::connectionCount, 0));
        }
    }

    @Test
    void aReaderThatNeverReadsBlocksOnlyItsWriterUntilTheWriteTimeout() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong written = new AtomicLong();
        try (ServerRunner r = ServerRunner.start(handler(failure, written), s -> s.ioTimeout(Duration.ofMillis(500)));
             Socket stuck = connect(r.port())) {
            stuck.setReceiveBufferSize(64 * 1024);
            write(stuck, "GET /stream HTTP/1.1\r\n" + H + "\r\n");
            assertEquals(WELL_BEHAVED, wellBehaved(r.port(), WELL_BEHAVED), "well-behaved requests answered");
            for (int i = 0; i < 200 && failure.get() == null; i++) {
                Thread.sleep(50);
            }
            assertInstanceOf(SocketTimeoutException.class, failure.get(), "the blocked writer timed out");
            // what the handler got rid of is what the kernel buffers hold plus one flush: nothing piles up in the heap
            assertTrue(written.get() < 16L * 1024 * 1024, "bytes accepted from the handler: " + written.get());
            assertEquals(0, ChurnTest.settle(r.server::connectionCount, 0), "the stuck connection was closed");
        }
    }

    @Test
    void aTricklingUploaderGets408AtTheBodyTimeoutNotMaxBodyTimesIoTimeout() throws Exception {
        try (ServerRunner r = ServerRunner.start(handler(new AtomicReference<>(), new AtomicLong()),
                s -> s.ioTimeout(Duration.ofSeconds(30)).bodyTimeout(Duration.ofMillis(700)));
             Socket trickler = connect(r.port())) {
            write(trickler, "POST /upload HTTP/1.1\r\n" + H + "Content-Length: 100000\r\n\r\n");
            // one byte every 50 ms: each read is far inside the 30 s ioTimeout
            CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return readAll(trickler);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            int sent = 0;
            try {
                while (!answer.isDone() && sent < 1000) {
                    write(trickler, "x");
                    sent++;
                    Thread.sleep(50);
                }
            } catch (SocketException e) {
                // the server closed: the answer is already there
            }
            String got = answer.get(20, TimeUnit.SECONDS);
            assertTrue(got.startsWith("HTTP/1.1 408"), got);
            assertTrue(sent < 1000, "cut off after " + sent + " of 100000 bytes");
            assertEquals(WELL_BEHAVED, wellBehaved(r.port(), WELL_BEHAVED));
        }
    }

    @Test
    void aPipelinedFloodIsAnsweredInOrderWhileOthersAreServed() throws Exception {
        int flood = 5000;
        try (ServerRunner r = ServerRunner.start(handler(new AtomicReference<>(), new AtomicLong()), s -> { });
             RawClient flooder = new RawClient(r.port())) {
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    StringBuilder batch = new StringBuilder();
                    for (int i = 0; i < flood; i++) {
                        batch.append("GET /ok?").append(i).append(" HTTP/1.1\r\n").append(H).append("\r\n");
                        if (batch.length() > 64 * 1024 || i == flood - 1) {
                            flooder.send(batch.toString());
                            batch.setLength(0);
                        }
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertEquals(WELL_BEHAVED, wellBehaved(r.port(), WELL_BEHAVED), "well-behaved requests answered during the flood");
            int inOrder = 0;
            for (int i = 0; i < flood; i++) {
                RawClient.Resp resp = flooder.read();
                if (resp.status() == 200) {
                    inOrder++;
                }
            }
            sending.get(30, TimeUnit.SECONDS);
            assertEquals(flood, inOrder, "every pipelined request answered once");
        }
    }

    @Test
    void manyIdleConnectionsDoNotStarveActiveOnes() throws Exception {
        long limit = fdLimit();
        // each idle connection costs two descriptors here (client and server end), plus headroom
        int n = (int) Math.min(IDLE, Math.max(0, (limit - 200) / 2));
        org.junit.jupiter.api.Assumptions.assumeTrue(n >= 100, "descriptor limit " + limit + " too low");
        try (ServerRunner r = ServerRunner.start(handler(new AtomicReference<>(), new AtomicLong()),
                s -> s.headerTimeout(Duration.ofMinutes(2)))) {
            int fds = ServerRunner.openFds();
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    idle.add(connect(r.port()));
                }
                assertEquals(n, ChurnTest.settle(r.server::connectionCount, n), "idle connections accepted");
                assertEquals(WELL_BEHAVED, wellBehaved(r.port(), WELL_BEHAVED), "well-behaved requests answered");
                // the idle ones still work: a request on a few of them is answered
                for (int i = 0; i < n; i += Math.max(1, n / 10)) {
                    write(idle.get(i), "GET /ok HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n");
                    assertTrue(readAll(idle.get(i)).startsWith("HTTP/1.1 200"));
                }
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
            assertEquals(0, ChurnTest.settle(r.server::connectionCount, 0));
            assertEquals(fds, ChurnTest.settle(ServerRunner::openFds, fds), "descriptors after closing " + n + " idle connections");
            System.out.printf("idle: %d connections held (fd limit %d), %d well-behaved requests answered%n", n, limit, WELL_BEHAVED);
        }
    }

    static long fdLimit() throws IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                return Long.parseLong(line.split("\\s+")[3]);
            }
        }
        return 1024;
    }

    private static String readAll(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketException e) {
            return ""; // reset
        }
    }
}
