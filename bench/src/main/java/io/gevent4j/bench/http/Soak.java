package io.gevent4j.bench.http;

import io.gevent4j.http.HttpServer;
import io.gevent4j.hub.Hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Soak: gevent4j's {@link HttpServer} on one hub under mixed load for N minutes - keep-alive clients,
 * pipelining clients, slow clients trickling their heads, churning clients (connect, one request,
 * close or reset), clients sending malformed requests - all from this JVM over loopback. Every minute
 * it prints open descriptors, heap after a full GC, live greenlets on the server's hub, requests
 * answered, errors (unexpected statuses, cut responses, client exceptions) and the p99 latency of the
 * keep-alive requests of that minute. A leak shows as a column that keeps growing.
 *
 * <pre>
 * mvn -B -q -Pbench -pl bench -am verify -DskipTests -Dbench.main=io.gevent4j.bench.http.Soak -Dbench.args="10"
 * </pre>
 * Not run in CI.
 */
public final class Soak {
    private static final String H = "Host: soak\r\n";
    private static final String[] BAD = {
        "GET / HTTP/1.1\r\n\r\n",                                                       // no Host
        "POST / HTTP/1.1\r\n" + H + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET / HTTP/9.9\r\n" + H + "\r\n",
        "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\n" + H + "\r\n",
        "GET / HTTP/1.1\r\n" + H + "X: a\r\n b\r\n\r\n",
        "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003",        // TLS ClientHello to the plain port
    };

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong churned = new AtomicLong();
    private final LatencyLog latencies = new LatencyLog();
    private volatile String lastError = "";
    private int port;

    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        new Soak().run(minutes);
    }

    private void run(double minutes) throws Exception {
        byte[] big = new byte[256 * 1024];
        CompletableFuture<Hub> hubF = new CompletableFuture<>();
        CompletableFuture<HttpServer> serverF = new CompletableFuture<>();
        Thread serverThread = new Thread(() -> {
            try {
                HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), (req, resp) -> {
                    switch (req.path()) {
                        case "/big" -> resp.send(big);
                        case "/echo" -> resp.send(req.bodyBytes());
                        default -> resp.send("hello");
                    }
                }).headerTimeout(Duration.ofSeconds(2)).idleTimeout(Duration.ofSeconds(5)).bodyTimeout(Duration.ofSeconds(5));
                s.start();
                hubF.complete(Hub.current());
                serverF.complete(s);
                s.serveForever();
            } catch (Throwable e) {
                hubF.completeExceptionally(e);
                serverF.completeExceptionally(e);
            }
        }, "soak-server-hub");
        serverThread.start();
        Hub hub = hubF.get();
        HttpServer server = serverF.get();
        port = server.address().getPort();

        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            load.add(client("keep-alive-" + i, this::keepAlive));
        }
        for (int i = 0; i < 2; i++) {
            load.add(client("pipelined-" + i, this::pipelined));
        }
        for (int i = 0; i < 4; i++) {
            load.add(client("slow-" + i, this::slow));
        }
        for (int i = 0; i < 4; i++) {
            load.add(client("churn-" + i, this::churn));
        }
        for (int i = 0; i < 2; i++) {
            load.add(client("bad-" + i, this::bad));
        }
        load.forEach(Thread::start);

        System.out.printf(Locale.ROOT, "soak: %s for %.1f min, %d load threads on %d cores%n", server, minutes,
                load.size(), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%6s %6s %10s %9s %12s %9s %9s %9s %8s%n", "minute", "fds", "heapMiB", "greenlets",
                "requests", "rejected", "churned", "errors", "p99ms");
        report(0, hub);
        long end = System.nanoTime() + (long) (minutes * 60e9);
        int minute = 0;
        while (System.nanoTime() < end) {
            Thread.sleep(Math.min(60_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            report(++minute, hub);
        }
        running.set(false);
        for (Thread t : load) {
            t.join(30_000);
        }
        server.stop(Duration.ofSeconds(5));
        serverThread.join(30_000);
        Thread.sleep(500);
        System.out.printf(Locale.ROOT, "after stop: fds %d, heap %.1f MiB, last error: %s%n", fds(), heapAfterGc(), lastError);
    }

    private void report(int minute, Hub hub) throws IOException {
        System.out.printf(Locale.ROOT, "%6d %6d %10.1f %9d %12d %9d %9d %9d %8.2f%n", minute, fds(), heapAfterGc(),
                hub.liveGreenlets(), requests.get(), rejected.get(), churned.get(), errors.get(), latencies.p99AndReset() / 1e6);
    }

    // ------------------------------------------------------------------ load

    private interface Body {
        void run() throws IOException, InterruptedException;
    }

    private Thread client(String name, Body body) {
        Thread t = new Thread(() -> {
            while (running.get()) {
                try {
                    body.run();
                } catch (IOException e) {
                    error(name + ": " + e);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "soak-" + name);
        t.setDaemon(true);
        return t;
    }

    private void error(String what) {
        errors.incrementAndGet();
        lastError = what;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(30_000);
        return s;
    }

    /** 1,000 requests on one connection, every tenth a 256 KiB response, every seventh a POST. */
    private void keepAlive() throws IOException {
        try (Socket s = connect()) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < 1000 && running.get(); i++) {
                long t0 = System.nanoTime();
                if (i % 7 == 3) {
                    out.write(("POST /echo HTTP/1.1\r\n" + H + "Content-Length: 5\r\n\r\nhello").getBytes(StandardCharsets.ISO_8859_1));
                    expect(in, 200, 5);
                } else {
                    String path = i % 10 == 0 ? "/big" : "/";
                    out.write(("GET " + path + " HTTP/1.1\r\n" + H + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    expect(in, 200, i % 10 == 0 ? 256 * 1024 : 5);
                }
                latencies.add(System.nanoTime() - t0);
                requests.incrementAndGet();
            }
        }
    }

    private void pipelined() throws IOException {
        try (Socket s = connect()) {
            InputStream in = s.getInputStream();
            byte[] batch = ("GET / HTTP/1.1\r\n" + H + "\r\n").repeat(16).getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < 200 && running.get(); i++) {
                s.getOutputStream().write(batch);
                for (int k = 0; k < 16; k++) {
                    expect(in, 200, 5);
                    requests.incrementAndGet();
                }
            }
        }
    }

    /** A head trickled over about a second, then read. */
    private void slow() throws IOException, InterruptedException {
        try (Socket s = connect()) {
            byte[] req = ("GET / HTTP/1.1\r\n" + H + "X-Slow: " + "s".repeat(40) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
            for (byte b : req) {
                s.getOutputStream().write(b);
                Thread.sleep(15);
            }
            expect(s.getInputStream(), 200, 5);
            requests.incrementAndGet();
        }
    }

    /** Connect, maybe a request, then close or reset, at any point. */
    private void churn() throws IOException {
        Socket s = connect();
        try {
            int way = ThreadLocalRandom.current().nextInt(4);
            if (way > 0) {
                s.getOutputStream().write(("GET /big HTTP/1.1\r\n" + H + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            if (way == 2) {
                expect(s.getInputStream(), 200, 256 * 1024);
                requests.incrementAndGet();
            } else if (way == 3) {
                s.getInputStream().read();
            }
            if (ThreadLocalRandom.current().nextBoolean()) {
                s.setSoLinger(true, 0);
            }
        } finally {
            s.close();
            churned.incrementAndGet();
        }
    }

    private void bad() throws IOException {
        try (Socket s = connect()) {
            String req = BAD[ThreadLocalRandom.current().nextInt(BAD.length)];
            s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
            s.shutdownOutput();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            if (answer.startsWith("HTTP/1.1 4") || answer.startsWith("HTTP/1.1 505") || answer.isEmpty() && req.startsWith("\u0016")) {
                rejected.incrementAndGet();
            } else {
                error("bad request answered " + answer.lines().findFirst().orElse("(nothing)"));
            }
        }
    }

    /** Reads one response; counts an error unless it has {@code status} and a body of {@code length}. */
    private void expect(InputStream in, int status, int length) throws IOException {
        String line = line(in);
        int cl = -1;
        String h;
        while (!(h = line(in)).isEmpty()) {
            if (h.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                cl = Integer.parseInt(h.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(Math.max(cl, 0));
        if (!line.startsWith("HTTP/1.1 " + status + " ") || cl != length || body.length != length) {
            throw new IOException("unexpected response: " + line + " length " + cl + "/" + body.length);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new java.io.EOFException("connection closed inside a response");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ measurements

    private static int fds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }

    private static double heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024);
    }

    /** Latencies of one minute (bounded sample), for its p99. */
    private static final class LatencyLog {
        private long[] samples = new long[1 << 16];
        private int n;

        synchronized void add(long nanos) {
            if (n == samples.length) {
                samples = Arrays.copyOf(samples, n * 2);
            }
            samples[n++] = nanos;
        }

        synchronized long p99AndReset() {
            if (n == 0) {
                return 0;
            }
            long[] s = Arrays.copyOf(samples, n);
            Arrays.sort(s);
            n = 0;
            return s[Math.min(s.length - 1, (int) (s.length * 0.99))];
        }
    }
}
