package io.gevent4j.http;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Queue;
import io.gevent4j.loop.sim.SimFaults;
import io.gevent4j.loop.sim.SimKernel;
import io.gevent4j.net.Socket;
import io.gevent4j.sim.SimSeeds;
import io.gevent4j.sim.Simulation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP server on the simulated kernel, over thousands of seeds: keep-alive and pipelined raw clients
 * (requests split anywhere, Content-Length and chunked bodies, plain and streamed responses,
 * {@code Connection: close} anywhere) and our HttpClient. Every connection gets one correct response per
 * request, in order; when the run injects no reset, refusal or abort and the server is not stopped, all
 * of them, and after a {@code Connection: close} the server closes the connection without cutting off the
 * answer. Otherwise a connection may end early, but only after a prefix of correct, whole responses and
 * with a clean end (EOF, reset). No ERROR is logged; nothing leaks.
 */
class HttpSimTest {
    private static final InetSocketAddress ADDRESS = new InetSocketAddress("127.0.0.1", 8080);

    @Test
    @Timeout(120)
    void oneCorrectResponsePerRequestInOrder() {
        try (LogCapture logs = LogCapture.install()) {
            SimSeeds.run(1000, seed -> Simulation.of(seed)
                    .faults(SimFaults.swarm(seed, seed % 3 != 0).withMinWindow(16)).run(() -> {
                        scenario();
                        List<String> errors = logs.errors();
                        logs.clear();
                        assertTrue(errors.isEmpty(), LogCapture.summary(errors));
                    }));
        }
    }

    @Test
    void oneSeedReplaysTheSameRun() {
        for (long seed = 1; seed <= 3; seed++) {
            long a = Simulation.of(seed).faults(SimFaults.swarm(seed, true).withMinWindow(16)).run(HttpSimTest::scenario).traceHash();
            long b = Simulation.of(seed).faults(SimFaults.swarm(seed, true).withMinWindow(16)).run(HttpSimTest::scenario).traceHash();
            assertEquals(a, b, "seed " + seed + " must replay the same run");
        }
    }

    /** One request of a raw client and what its response must be. */
    private record Req(int conn, int index, byte[] wire, byte[] expected, boolean close) {
    }

    /** What a raw connection saw. */
    private record Seen(int conn, List<Req> requests, List<byte[]> bodies, List<Boolean> closeHeaders,
                        Throwable error, boolean eofAfterClose, int partial) {
    }

    static void scenario() throws IOException {
        SplittableRandom r = Simulation.random();
        SimKernel kernel = Simulation.kernel();
        HttpServer server = HttpServer.create(ADDRESS, HttpSimTest::handle);
        if (r.nextInt(3) == 0) {
            server.maxConnections(1 + r.nextInt(3));
        }
        server.start();
        int raw = 1 + r.nextInt(4);
        int viaClient = r.nextInt(3);
        boolean stop = r.nextInt(6) == 0;
        List<Seen> seen = new ArrayList<>();
        List<String> clientFailures = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int c = 0; c < raw; c++) {
            int conn = c;
            long seed = r.nextLong();
            gs.add(Greenlet.of(() -> seen.add(rawClient(conn, new SplittableRandom(seed)))).start());
        }
        HttpClient client = HttpClient.create().readTimeout(Duration.ofMinutes(5)).connectTimeout(Duration.ofMinutes(5));
        for (int c = 0; c < viaClient; c++) {
            int conn = 100 + c;
            long seed = r.nextLong();
            gs.add(Greenlet.of(() -> httpClient(client, conn, new SplittableRandom(seed), clientFailures)).start());
        }
        if (stop) {
            Gevent.sleep(Duration.ofNanos(r.nextLong(20_000_000)));
            server.stop(Duration.ofSeconds(60));
        }
        Gevent.joinall(gs);
        client.close();
        server.stop();
        assertEquals(0, server.connectionCount());

        boolean destructive = kernel.faultCounts().get(SimKernel.Fault.RESET) > 0
                || kernel.faultCounts().get(SimKernel.Fault.REFUSED_CONNECT) > 0
                || kernel.faultCounts().get(SimKernel.Fault.ACCEPT_ABORTED) > 0;
        boolean strict = !destructive && !stop;
        for (Seen s : seen) {
            int n = s.bodies.size();
            int expectedCount = expectedResponses(s.requests);
            if (n > expectedCount) {
                throw new AssertionError("connection " + s.conn + ": " + n + " responses to " + expectedCount + " requests");
            }
            for (int i = 0; i < n; i++) {
                Req q = s.requests.get(i);
                if (!Arrays.equals(q.expected, s.bodies.get(i))) {
                    throw new AssertionError("connection " + s.conn + ": response " + i + " is not the answer to request "
                            + i + ": got " + preview(s.bodies.get(i)) + ", expected " + preview(q.expected));
                }
                if (q.close && !s.closeHeaders.get(i)) {
                    throw new AssertionError("connection " + s.conn + ": response " + i + " to a Connection: close request"
                            + " does not say Connection: close");
                }
            }
            if (s.error != null && !clean(s.error)) {
                throw new AssertionError("connection " + s.conn + " failed with an error a peer cannot cause", s.error);
            }
            if (stop && !destructive && s.error != null && s.partial > 0) {
                throw new AssertionError("connection " + s.conn + ": a half response (" + s.partial + " bytes) during"
                        + " stop(60 s): a request in flight must be answered whole or not at all", s.error);
            }
            if (strict) {
                if (s.error != null) {
                    throw new AssertionError("connection " + s.conn + " failed after " + n + " of " + expectedCount
                            + " responses (" + s.partial + " bytes of the next) although nothing was injected", s.error);
                }
                assertEquals(expectedCount, n, "connection " + s.conn + ": responses");
                if (s.requests.get(expectedCount - 1).close) {
                    assertTrue(s.eofAfterClose, "connection " + s.conn + ": the server closes after Connection: close");
                }
            }
        }
        if (strict && !clientFailures.isEmpty()) {
            throw new AssertionError("HttpClient requests failed although nothing was injected: " + clientFailures);
        }
    }

    /** Requests up to and including the first Connection: close get answers; the rest are never read. */
    private static int expectedResponses(List<Req> requests) {
        for (int i = 0; i < requests.size(); i++) {
            if (requests.get(i).close) {
                return i + 1;
            }
        }
        return requests.size();
    }

    private static boolean clean(Throwable e) {
        if (e instanceof ConnectException || e instanceof EOFException) {
            return true;
        }
        String m = e.getMessage();
        return e instanceof SocketException && m != null
                && (m.startsWith("Connection reset") || m.startsWith("Broken pipe") || m.startsWith("Socket closed"));
    }

    private static String preview(byte[] b) {
        String s = new String(b, 0, Math.min(b.length, 80), StandardCharsets.ISO_8859_1);
        return "\"" + s.replace("\n", "\\n") + (b.length > 80 ? "...\" (" + b.length + " bytes)" : "\"");
    }

    // ------------------------------------------------------------------ the server's handler

    /** Answers {@code /r/<conn>/<index>?s=<size>&stream=<0|1>&nap=<ns>} with a body only that request earns. */
    private static void handle(Request req, Response resp) throws IOException {
        String[] parts = req.path().split("/");
        int conn = Integer.parseInt(parts[2]);
        int index = Integer.parseInt(parts[3]);
        int size = Integer.parseInt(req.queryParam("s"));
        long nap = Long.parseLong(req.queryParam("nap"));
        byte[] body = req.bodyBytes();
        if (nap > 0) {
            Gevent.sleep(Duration.ofNanos(nap));
        }
        byte[] answer = answer(conn, index, req.method(), body, size);
        if ("1".equals(req.queryParam("stream"))) {
            SplittableRandom r = new SplittableRandom(conn * 7919L + index);
            try (OutputStream out = resp.outputStream()) {
                int off = 0;
                while (off < answer.length) {
                    int n = 1 + r.nextInt(Math.min(answer.length - off, 700));
                    out.write(answer, off, n);
                    off += n;
                    if (r.nextInt(3) == 0) {
                        out.flush();
                    }
                }
            }
        } else {
            resp.send(answer);
        }
    }

    static byte[] answer(int conn, int index, String method, byte[] body, int size) {
        CRC32 crc = new CRC32();
        crc.update(body);
        byte[] head = String.format(Locale.ROOT, "c=%d i=%d m=%s len=%d crc=%08x\n", conn, index, method, body.length,
                crc.getValue()).getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = Arrays.copyOf(head, head.length + size);
        for (int k = 0; k < size; k++) {
            out[head.length + k] = (byte) ('a' + (conn * 31 + index * 17 + k) % 26);
        }
        return out;
    }

    // ------------------------------------------------------------------ a raw keep-alive / pipelining client

    private static Seen rawClient(int conn, SplittableRandom r) {
        int count = 1 + r.nextInt(6);
        boolean pipelined = r.nextBoolean();
        boolean sloppy = pipelined && r.nextInt(3) == 0; // goes on sending after its own Connection: close
        int closeAt = r.nextInt(3) == 0 ? count - 1 : r.nextInt(8) == 0 ? r.nextInt(count) : -1;
        List<Req> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(request(conn, i, i == closeAt, r));
        }
        List<byte[]> bodies = new ArrayList<>();
        List<Boolean> closeHeaders = new ArrayList<>();
        int[] partial = {0};
        Socket s;
        try {
            s = Socket.connect(ADDRESS);
        } catch (IOException e) {
            return new Seen(conn, requests, bodies, closeHeaders, e, false, 0);
        }
        Throwable error = null;
        boolean eofAfterClose = false;
        int expected = expectedResponses(requests);
        Queue<Integer> answered = new Queue<>();
        long writerSeed = r.nextLong();
        try (s) {
            Greenlet<Throwable> writer = Greenlet.spawn(() -> {
                SplittableRandom w = new SplittableRandom(writerSeed);
                try {
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < requests.size(); i++) {
                        byte[] wire = requests.get(i).wire;
                        int off = 0;
                        while (off < wire.length) {
                            int n = 1 + w.nextInt(Math.min(wire.length - off, w.nextBoolean() ? 7 : 1500));
                            out.write(wire, off, n);
                            off += n;
                            if (w.nextInt(5) == 0) {
                                Gevent.sleep(Duration.ofNanos(w.nextLong(300_000)));
                            }
                        }
                        if (requests.get(i).close && !sloppy) {
                            return null; // nothing more is sent after Connection: close
                        }
                        if (!pipelined && answered.get() < 0) {
                            return null; // the reader stopped
                        }
                    }
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            try {
                InputStream in = new BufferedInputStream(s.getInputStream(), 1 + r.nextInt(2048));
                for (int i = 0; i < expected; i++) {
                    byte[] body = readResponse(in, closeHeaders, partial);
                    if (body == null) {
                        throw new EOFException("connection closed before response " + i);
                    }
                    bodies.add(body);
                    answered.put(i);
                }
                if (requests.get(expected - 1).close) {
                    eofAfterClose = in.read() < 0;
                }
            } catch (IOException e) {
                error = e;
            } finally {
                answered.put(-1);
            }
            s.close(); // wakes the writer if it still waits
            writer.join();
            Throwable w = writer.get();
            if (error == null && w != null && bodies.size() < expected) {
                error = w;
            }
        }
        return new Seen(conn, requests, bodies, closeHeaders, error, eofAfterClose, partial[0]);
    }

    private static Req request(int conn, int index, boolean close, SplittableRandom r) {
        boolean post = r.nextBoolean();
        byte[] body = new byte[post ? r.nextInt(r.nextBoolean() ? 20 : 1000) : 0];
        r.nextBytes(body);
        boolean chunked = post && r.nextBoolean();
        int size = r.nextInt(4) == 0 ? r.nextInt(1500) : r.nextInt(60);
        boolean stream = r.nextInt(4) == 0;
        long nap = r.nextInt(4) == 0 ? r.nextLong(2_000_000) : 0;
        StringBuilder h = new StringBuilder();
        h.append(post ? "POST" : "GET").append(" /r/").append(conn).append('/').append(index).append("?s=").append(size)
                .append("&stream=").append(stream ? 1 : 0).append("&nap=").append(nap).append(" HTTP/1.1\r\n")
                .append("Host: sim\r\n");
        if (close) {
            h.append("Connection: close\r\n");
        }
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        if (post && chunked) {
            h.append("Transfer-Encoding: chunked\r\n\r\n");
            wire.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
            int off = 0;
            while (off < body.length) {
                int n = 1 + r.nextInt(body.length - off);
                wire.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                wire.write(body, off, n);
                wire.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                off += n;
            }
            wire.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } else {
            if (post) {
                h.append("Content-Length: ").append(body.length).append("\r\n");
            }
            h.append("\r\n");
            wire.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
            wire.writeBytes(body);
        }
        return new Req(conn, index, wire.toByteArray(), answer(conn, index, post ? "POST" : "GET", body, size), close);
    }

    /** One response's body (de-chunked), or null at a clean end of stream before it; records Connection: close. */
    static byte[] readResponse(InputStream in, List<Boolean> closeHeaders, int[] partial) throws IOException {
        partial[0] = 0;
        String status = line(in, true, partial);
        if (status == null) {
            return null;
        }
        if (!status.startsWith("HTTP/1.1 200 ")) {
            throw new IOException("unexpected status line: " + status);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String l;
        while (!(l = line(in, false, partial)).isEmpty()) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        closeHeaders.add("close".equalsIgnoreCase(headers.get("connection")));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            while (true) {
                int n = Integer.parseInt(line(in, false, partial), 16);
                if (n == 0) {
                    while (!line(in, false, partial).isEmpty()) {
                        // trailers
                    }
                    break;
                }
                body.writeBytes(exactly(in, n, partial));
                if (!line(in, false, partial).isEmpty()) {
                    throw new IOException("chunk not followed by CRLF");
                }
            }
        } else {
            String len = headers.get("content-length");
            if (len == null) {
                throw new IOException("response without a length: " + headers);
            }
            body.writeBytes(exactly(in, Integer.parseInt(len), partial));
        }
        return body.toByteArray();
    }

    private static byte[] exactly(InputStream in, int n, int[] partial) throws IOException {
        byte[] b = in.readNBytes(n);
        partial[0] += b.length;
        if (b.length < n) {
            throw new EOFException("response body cut off after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    /** A CRLF-terminated line; null at end of stream before its first byte if {@code eofOk}. */
    private static String line(InputStream in, boolean eofOk, int[] partial) throws IOException {
        StringBuilder b = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (eofOk && b.isEmpty()) {
                    return null;
                }
                throw new EOFException("response cut off in a line: " + b);
            }
            partial[0]++;
            if (c == '\n') {
                int n = b.length();
                if (n == 0 || b.charAt(n - 1) != '\r') {
                    throw new IOException("bare LF in a response line: " + b);
                }
                return b.substring(0, n - 1);
            }
            b.append((char) c);
        }
    }

    // ------------------------------------------------------------------ our HttpClient, keep-alive

    private static void httpClient(HttpClient client, int conn, SplittableRandom r, List<String> failures) {
        int count = 1 + r.nextInt(5);
        for (int i = 0; i < count; i++) {
            boolean post = r.nextBoolean();
            byte[] body = new byte[post ? r.nextInt(500) : 0];
            r.nextBytes(body);
            int size = r.nextInt(800);
            String url = "http://127.0.0.1:" + ADDRESS.getPort() + "/r/" + conn + "/" + i + "?s=" + size
                    + "&stream=" + (r.nextInt(4) == 0 ? 1 : 0) + "&nap=0";
            try {
                ClientResponse resp = post ? client.post(url, "application/octet-stream", body) : client.get(url);
                byte[] expected = answer(conn, i, post ? "POST" : "GET", body, size);
                if (resp.status() != 200 || !Arrays.equals(expected, resp.body())) {
                    throw new AssertionError("HttpClient " + conn + " request " + i + ": status " + resp.status()
                            + ", body " + preview(resp.body()) + ", expected " + preview(expected));
                }
            } catch (IOException e) {
                if (!clean(e) && !(e instanceof java.net.SocketTimeoutException)) {
                    throw new AssertionError("HttpClient " + conn + " request " + i + " failed with an error a peer"
                            + " cannot cause", e);
                }
                failures.add(conn + "/" + i + ": " + e);
            }
        }
    }
}
