package io.gevent4j.http;

import io.gevent4j.Gevent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code stop(timeout)} while keep-alive clients (some pipelining) keep sending: every request is
 * answered exactly once and completely, or its connection is closed before any byte of an answer;
 * counted on both sides (the ids the handler completed are exactly the ids the clients got answers
 * for). With handlers slower than the stop timeout, the killed ones answer nothing, never half.
 */
class StopUnderLoadTest {
    static final int CLIENTS = 16;

    @ParameterizedTest(name = "handler up to {0} ms, stop timeout {1} ms")
    @CsvSource({"20, 3000", "3000, 300"})
    void everyRequestIsAnsweredOnceOrClosedCleanly(int handlerMaxMillis, int stopMillis) throws Exception {
        Set<Long> completed = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicatesOnServer = new AtomicInteger();
        ServerRunner r = ServerRunner.start((req, resp) -> {
            long id = Long.parseLong(req.queryParam("id"));
            Gevent.sleep(ThreadLocalRandom.current().nextInt(handlerMaxMillis + 1));
            resp.send("id " + id + " " + "x".repeat((int) (id % 3000)));
            if (!completed.add(id)) {
                duplicatesOnServer.incrementAndGet();
            }
        });
        AtomicLong ids = new AtomicLong();
        Set<Long> answered = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        AtomicInteger half = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        AtomicInteger cleanCloses = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        CountDownLatch warmedUp = new CountDownLatch(CLIENTS);
        List<Future<?>> clients = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            for (int c = 0; c < CLIENTS; c++) {
                int depth = c % 4 == 0 ? 4 : 1; // a quarter pipeline four requests at a time
                clients.add(pool.submit(() -> {
                    boolean counted = false;
                    while (true) {
                        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), r.port())) {
                            s.setSoTimeout(20_000);
                            InputStream in = s.getInputStream();
                            while (true) {
                                long[] batch = new long[depth];
                                StringBuilder b = new StringBuilder();
                                for (int i = 0; i < depth; i++) {
                                    batch[i] = ids.incrementAndGet();
                                    b.append("GET /r?id=").append(batch[i]).append(" HTTP/1.1\r\nHost: a\r\n\r\n");
                                }
                                try {
                                    s.getOutputStream().write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
                                } catch (SocketException e) {
                                    cleanCloses.incrementAndGet();
                                    break;
                                }
                                boolean open = true;
                                for (long id : batch) {
                                    String body;
                                    try {
                                        body = readResponse(in);
                                    } catch (EOFException e) {
                                        half.incrementAndGet();
                                        open = false;
                                        break;
                                    }
                                    if (body == null) {
                                        cleanCloses.incrementAndGet();
                                        open = false;
                                        break;
                                    }
                                    if (!body.startsWith("id " + id + " ") || body.length() != ("id " + id + " ").length() + id % 3000) {
                                        wrong.incrementAndGet();
                                    }
                                    if (!answered.add(id)) {
                                        duplicates.incrementAndGet();
                                    }
                                }
                                if (!counted) {
                                    counted = true;
                                    warmedUp.countDown();
                                }
                                if (!open) {
                                    break;
                                }
                            }
                        } catch (ConnectException e) {
                            refused.incrementAndGet();
                            if (!counted) {
                                warmedUp.countDown();
                            }
                            return null; // stopped: no more connections
                        }
                    }
                }));
            }
            assertTrue(warmedUp.await(30, TimeUnit.SECONDS), "clients got going");
            Thread.sleep(300);
            int live = r.stop(Duration.ofMillis(stopMillis));
            for (Future<?> f : clients) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(0, live, "greenlets left after stop");
        }
        assertEquals(0, half.get(), "responses cut in the middle");
        assertEquals(0, duplicates.get(), "requests answered twice (client side)");
        assertEquals(0, duplicatesOnServer.get(), "requests handled twice (server side)");
        assertEquals(0, wrong.get(), "responses to the wrong request");
        assertEquals(completed, answered, "the handler completed exactly the requests the clients got answers for");
        assertTrue(answered.size() > CLIENTS, "load was running: " + answered.size() + " answered");
        assertEquals(CLIENTS, refused.get(), "every client ended by a refused connection after stop");
        System.out.printf("stop under load (handler <= %d ms, stop %d ms): %d requests sent, %d answered once, "
                        + "%d connections closed cleanly, 0 half, 0 twice%n", handlerMaxMillis, stopMillis, ids.get(),
                answered.size(), cleanCloses.get());
    }

    /**
     * Reads one response and returns its body; null if the connection ended (EOF or reset) before the
     * first byte of it; {@link EOFException} if it ended inside the response.
     */
    static String readResponse(InputStream in) throws IOException {
        String status;
        try {
            status = line(in, true);
        } catch (SocketException e) {
            return null;
        }
        if (status == null) {
            return null;
        }
        if (!status.startsWith("HTTP/1.1 200 ")) {
            throw new IOException("unexpected status " + status);
        }
        int length = -1;
        String l;
        while (!(l = line(in, false)).isEmpty()) {
            if (l.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(l.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        if (body.length != length) {
            throw new EOFException("body cut after " + body.length + " of " + length);
        }
        return new String(body, StandardCharsets.ISO_8859_1);
    }

    private static String line(InputStream in, boolean first) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c;
            try {
                c = in.read();
            } catch (SocketException e) {
                if (first && sb.isEmpty()) {
                    throw e;
                }
                throw new EOFException("reset inside a response");
            }
            if (c < 0) {
                if (first && sb.isEmpty()) {
                    return null;
                }
                throw new EOFException("connection closed inside a response");
            }
            if (c == '\n') {
                return sb.toString().replace("\r", "");
            }
            sb.append((char) c);
        }
    }
}
