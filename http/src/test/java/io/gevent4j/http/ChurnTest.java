package io.gevent4j.http;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connection churn against the HTTP server and the echo server: connections opened and ended in every
 * way a client ends them (clean close, half-close, FIN or reset in the middle of the request head, the
 * body or the response, pipelined requests then a reset, abandoned mid-head), a few hundred each from
 * four client threads. Afterwards: the same number of open descriptors as before, no connection or
 * greenlet left on the server's hub, no ERROR logged for a peer that merely went away, and the server
 * still answers.
 */
class ChurnTest {
    static final int PER_WAY = 150;
    private static final String H = "Host: a\r\n";

    enum Way {
        CLEAN, HALF_CLOSE, FIN_MID_HEAD, RST_MID_HEAD, FIN_MID_BODY, RST_MID_BODY, RST_MID_RESPONSE,
        PIPELINED_THEN_RST, RST_BEFORE_ANYTHING
    }

    @Test
    void httpServerSurvivesChurnWithoutLeaks() throws Exception {
        byte[] big = new byte[512 * 1024];
        try (LogCapture logs = LogCapture.install();
             ServerRunner r = ServerRunner.start((req, resp) -> {
                 if (req.path().equals("/big")) {
                     resp.send(big);
                 } else {
                     resp.send("ok " + req.bodyBytes().length);
                 }
             }, s -> s.headerTimeout(Duration.ofSeconds(5)))) {
            warmUp(r.port());
            int fds = settle(ServerRunner::openFds, -1);
            int live = r.hub.liveGreenlets();
            AtomicInteger faults = new AtomicInteger();
            int churned = 0;
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<?>> jobs = new ArrayList<>();
                for (Way way : Way.values()) {
                    for (int i = 0; i < PER_WAY; i++) {
                        jobs.add(pool.submit(() -> {
                            httpClient(r.port(), way, faults);
                            return null;
                        }));
                        churned++;
                    }
                }
                for (Future<?> f : jobs) {
                    f.get();
                }
            }
            int abandoned = abandonMidHead(r.port(), 50);
            churned += abandoned;
            faults.addAndGet(abandoned);
            assertEquals(0, settle(r.server::connectionCount, 0), "connections left on the server");
            assertEquals(fds, settle(ServerRunner::openFds, fds), "open descriptors after the churn");
            assertEquals(live, settle(() -> r.hub.liveGreenlets(), live), "live greenlets on the server's hub");
            try (RawClient c = new RawClient(r.port())) {
                assertEquals(200, c.send("GET / HTTP/1.1\r\n" + H + "\r\n").read().status(), "still serving");
            }
            List<String> errors = logs.errors();
            assertTrue(errors.isEmpty(), () -> "ERROR logged for peers that went away: " + LogCapture.summary(errors));
            System.out.printf("churn: %d HTTP connections, %d faults injected, fds %d -> %d, live greenlets %d -> %d%n",
                    churned, faults.get(), fds, ServerRunner.openFds(), live, r.hub.liveGreenlets());
        }
    }

    @Test
    void echoServerSurvivesChurnWithoutLeaks() throws Exception {
        try (LogCapture logs = LogCapture.install(); EchoRunner r = new EchoRunner()) {
            echoClient(r.port(), 0);
            int fds = settle(ServerRunner::openFds, -1);
            int live = r.hub.liveGreenlets();
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<?>> jobs = new ArrayList<>();
                for (int way = 0; way < 4; way++) {
                    for (int i = 0; i < PER_WAY; i++) {
                        int w = way;
                        jobs.add(pool.submit(() -> {
                            echoClient(r.port(), w);
                            return null;
                        }));
                    }
                }
                for (Future<?> f : jobs) {
                    f.get();
                }
            }
            assertEquals(0, settle(r.server::connectionCount, 0), "connections left on the echo server");
            assertEquals(fds, settle(ServerRunner::openFds, fds), "open descriptors after the churn");
            assertEquals(live, settle(() -> r.hub.liveGreenlets(), live), "live greenlets on the echo server's hub");
            echoClient(r.port(), 0);
            List<String> errors = logs.errors();
            assertTrue(errors.isEmpty(), () -> "ERROR logged for peers that went away: " + LogCapture.summary(errors));
        }
    }

    // ------------------------------------------------------------------ clients

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Closes with a reset (SO_LINGER 0) instead of a FIN. */
    private static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    private static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void httpClient(int port, Way way, AtomicInteger faults) throws IOException {
        try (Socket s = connect(port)) {
            switch (way) {
                case CLEAN -> {
                    write(s, "GET / HTTP/1.1\r\n" + H + "\r\n");
                    assertTrue(readStatus(s.getInputStream()).startsWith("HTTP/1.1 200"));
                }
                case HALF_CLOSE -> {
                    write(s, "POST / HTTP/1.1\r\n" + H + "Content-Length: 3\r\nConnection: close\r\n\r\nabc");
                    s.shutdownOutput();
                    String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                    assertTrue(all.startsWith("HTTP/1.1 200") && all.endsWith("ok 3"), all);
                }
                case FIN_MID_HEAD -> {
                    write(s, "GET / HTTP/1.1\r\nHo");
                    faults.incrementAndGet();
                }
                case RST_MID_HEAD -> {
                    write(s, "GET / HTTP/1.1\r\nHo");
                    reset(s);
                    faults.incrementAndGet();
                }
                case FIN_MID_BODY -> {
                    write(s, "POST / HTTP/1.1\r\n" + H + "Content-Length: 1000\r\n\r\nabc");
                    faults.incrementAndGet();
                }
                case RST_MID_BODY -> {
                    write(s, "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n10\r\nabc");
                    reset(s);
                    faults.incrementAndGet();
                }
                case RST_MID_RESPONSE -> {
                    write(s, "GET /big HTTP/1.1\r\n" + H + "\r\n");
                    assertTrue(readStatus(s.getInputStream()).startsWith("HTTP/1.1 200"));
                    reset(s);
                    faults.incrementAndGet();
                }
                case PIPELINED_THEN_RST -> {
                    write(s, ("GET / HTTP/1.1\r\n" + H + "\r\n").repeat(20) + "GET /big HTTP/1.1\r\n" + H + "\r\n");
                    reset(s);
                    faults.incrementAndGet();
                }
                case RST_BEFORE_ANYTHING -> {
                    reset(s);
                    faults.incrementAndGet();
                }
            }
        }
    }

    /** Clients that send half a head and then go quiet: the server must time them out (408) and close. */
    private static int abandonMidHead(int port, int n) throws IOException {
        List<Socket> quiet = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Socket s = connect(port);
                write(s, "GET / HTTP/1.1\r\nHo");
                quiet.add(s);
            }
            for (Socket s : quiet) {
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            }
        } finally {
            for (Socket s : quiet) {
                s.close();
            }
        }
        return n;
    }

    private static String readStatus(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** way 0: echo and close; 1: reset mid-stream; 2: close without reading a large echo; 3: FIN mid-write. */
    private static void echoClient(int port, int way) throws IOException {
        try (Socket s = connect(port)) {
            byte[] data = new byte[way == 2 ? 256 * 1024 : 1024];
            s.getOutputStream().write(data);
            switch (way) {
                case 0 -> {
                    byte[] back = s.getInputStream().readNBytes(data.length);
                    assertEquals(data.length, back.length);
                }
                case 1 -> reset(s);
                case 2 -> {
                    s.getInputStream().readNBytes(1);
                    reset(s);
                }
                default -> s.shutdownOutput();
            }
        } catch (SocketException e) {
            if (way == 0) {
                throw e;
            }
        }
    }

    private static void warmUp(int port) throws IOException {
        for (int i = 0; i < 3; i++) {
            try (RawClient c = new RawClient(port)) {
                assertEquals(200, c.send("GET / HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n").read().status());
            }
        }
    }

    /**
     * Polls {@code value} until it equals {@code want} (or, with {@code want} -1, until it stops
     * changing) for up to 10 s: closes and greenlet ends finish asynchronously. Returns the last value.
     */
    interface Count {
        int get() throws IOException;
    }

    static int settle(Count value, int want) throws InterruptedException, IOException {
        int last = value.get();
        for (int i = 0; i < 200; i++) {
            Thread.sleep(50);
            int now = value.get();
            if (want >= 0 ? now == want : now == last && i > 2) {
                return now;
            }
            last = now;
        }
        return last;
    }
}
