package io.gevent4j.http;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client's streamed bodies, per-host limit, deadline and redirects, against our server. */
class HttpClientStreamingTest {
    static final AtomicInteger IN_FLIGHT = new AtomicInteger();
    static final AtomicInteger MAX_IN_FLIGHT = new AtomicInteger();

    static final HttpHandler APP = (req, resp) -> {
        switch (req.path()) {
            case "/sha" -> { // digests a streamed upload without holding it
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[8192];
                long total = 0;
                InputStream in = req.body();
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                    total += n;
                }
                resp.send(total + " " + (req.contentLength() < 0 ? "chunked" : "fixed") + " " + HexFormat.of().formatHex(md.digest()));
            }
            case "/stream" -> { // 2 MiB in chunks, flushed as it goes
                try (OutputStream out = resp.outputStream()) {
                    byte[] block = new byte[64 * 1024];
                    for (int i = 0; i < 32; i++) {
                        java.util.Arrays.fill(block, (byte) i);
                        out.write(block);
                    }
                }
            }
            case "/slow" -> {
                int now = IN_FLIGHT.incrementAndGet();
                MAX_IN_FLIGHT.accumulateAndGet(now, Math::max);
                Gevent.sleep(50);
                IN_FLIGHT.decrementAndGet();
                resp.send(req.queryParam("i"));
            }
            case "/trickle" -> {
                try (OutputStream out = resp.outputStream()) {
                    for (int i = 0; i < 20; i++) {
                        out.write('x');
                        out.flush();
                        Gevent.sleep(100);
                    }
                }
            }
            case "/moved" -> resp.status(307).header("Location", "/sha").send("");
            default -> resp.send(404, "no");
        }
    };

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void streamedUploadsChunkedAndFixedAndAStreamedDownload() throws Exception {
        HttpClientTest.onHub(hub -> {
            HttpServer server = HttpServer.create(ServerRunner.LOCAL, APP).maxBodySize(64L << 20).start();
            String base = "http://127.0.0.1:" + server.address().getPort();
            byte[] data = new byte[3 * 1024 * 1024 + 17];
            new java.util.Random(1).nextBytes(data);
            try (HttpClient client = HttpClient.create()) {
                ClientResponse chunked = client.send(ClientRequest.post(base + "/sha")
                        .body(new java.io.ByteArrayInputStream(data), -1));
                assertEquals(data.length + " chunked " + sha(data), chunked.bodyString());
                ClientResponse fixed = client.send(ClientRequest.post(base + "/sha").body(out -> {
                    for (int off = 0; off < data.length; off += 1000) {
                        out.write(data, off, Math.min(1000, data.length - off));
                    }
                }, data.length));
                assertEquals(data.length + " fixed " + sha(data), fixed.bodyString());
                IOException shortBody = assertThrows(IOException.class, () -> client.send(ClientRequest.post(base + "/sha")
                        .body(out -> out.write(new byte[10]), 20)));
                assertTrue(shortBody.getMessage().contains("declared"), shortBody.toString());

                try (StreamingResponse r = client.open(ClientRequest.get(base + "/stream"))) {
                    assertEquals("chunked", r.header("Transfer-Encoding"));
                    InputStream in = r.body();
                    byte[] first = in.readNBytes(64 * 1024);
                    assertEquals(0, first[0]);
                    assertEquals(0, client.idleConnections(), "in use while the body is read");
                    long rest = in.transferTo(OutputStream.nullOutputStream());
                    assertEquals(31 * 64 * 1024, rest);
                }
                assertEquals(1, client.idleConnections(), "a fully read body returns its connection");
                try (StreamingResponse r = client.open(ClientRequest.get(base + "/stream"))) {
                    r.body().readNBytes(10); // abandoned: the connection cannot be reused
                }
                assertEquals(0, client.openConnections(), "the pooled connection was reused, abandoned and closed");
                assertEquals(0, client.idleConnections());
            }
            server.stop(Duration.ofSeconds(1));
        });
    }

    @Test
    void perHostLimitQueuesRequestsFairly() throws Exception {
        HttpClientTest.onHub(hub -> {
            HttpServer server = HttpServer.create(ServerRunner.LOCAL, APP).start();
            String base = "http://127.0.0.1:" + server.address().getPort();
            MAX_IN_FLIGHT.set(0);
            try (HttpClient client = HttpClient.create().maxConnectionsPerHost(2)) {
                ConcurrentLinkedQueue<Integer> order = new ConcurrentLinkedQueue<>();
                List<Greenlet<Void>> all = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    int id = i;
                    all.add(Gevent.spawn(() -> {
                        assertEquals(String.valueOf(id), client.get(base + "/slow?i=" + id).bodyString());
                        order.add(id);
                        return null;
                    }));
                    Gevent.sleep(2); // they queue in this order
                }
                Gevent.joinall(all, Duration.ofSeconds(20));
                for (Greenlet<Void> g : all) {
                    g.get();
                }
                assertEquals(2, MAX_IN_FLIGHT.get(), "never more than 2 at once");
                assertTrue(client.openConnections() <= 2);
                List<Integer> got = new ArrayList<>(order);
                for (int i = 2; i < got.size(); i++) {
                    assertTrue(got.get(i) > got.get(i - 2), "served in the order they queued: " + got);
                }
                // a waiter's deadline counts while it waits for a slot
                Greenlet<Void> hog1 = Gevent.spawn(() -> {
                    client.get(base + "/trickle");
                    return null;
                });
                Greenlet<Void> hog2 = Gevent.spawn(() -> {
                    client.get(base + "/trickle");
                    return null;
                });
                Gevent.sleep(50);
                SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                        () -> client.send(ClientRequest.get(base + "/slow?i=x").timeout(Duration.ofMillis(200))));
                assertTrue(e.getMessage().contains("waiting for a connection"), e.getMessage());
                hog1.join();
                hog2.join();
            }
            server.stop(Duration.ofSeconds(1));
        });
    }

    @Test
    void theRequestDeadlineBoundsTheWholeExchangeAndRedirectsAreOptIn() throws Exception {
        HttpClientTest.onHub(hub -> {
            HttpServer server = HttpServer.create(ServerRunner.LOCAL, APP).start();
            String base = "http://127.0.0.1:" + server.address().getPort();
            // each read gets a byte within 100 ms, far under the read timeout: only a total deadline stops it
            try (HttpClient client = HttpClient.create().readTimeout(Duration.ofSeconds(5)).requestTimeout(Duration.ofMillis(500))) {
                assertThrows(SocketTimeoutException.class, () -> client.get(base + "/trickle"));
                try (StreamingResponse r = client.open(ClientRequest.get(base + "/trickle").timeout(Duration.ofMillis(400)))) {
                    assertThrows(SocketTimeoutException.class, () -> r.body().readAllBytes(), "also while reading the body");
                }
                assertEquals(20, client.send(ClientRequest.get(base + "/trickle").timeout(Duration.ofSeconds(10))).body().length,
                        "a per-request timeout overrides the client's");
            }
            byte[] body = "payload".getBytes(StandardCharsets.UTF_8);
            try (HttpClient noFollow = HttpClient.create()) {
                assertEquals(307, noFollow.send(ClientRequest.post(base + "/moved").body(body)).status());
            }
            try (HttpClient follow = HttpClient.create().followRedirects(true, 3)) {
                ClientResponse r = follow.send(ClientRequest.post(base + "/moved").body(body));
                assertEquals("7 fixed " + sha(body), r.bodyString(), "307 resends the method and body");
                assertTrue(r.url().endsWith("/sha"));
                ClientResponse streamed = follow.send(ClientRequest.post(base + "/moved")
                        .body(new java.io.ByteArrayInputStream(body), -1));
                assertEquals(307, streamed.status(), "a streamed body cannot be resent: the 307 is returned");
            }
            server.stop(Duration.ofSeconds(1));
        });
    }
}
