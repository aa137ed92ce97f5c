package io.gevent4j.http;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cooperative client against our server, both in greenlets of one hub thread. */
class HttpClientTest {
    interface Body {
        void run(Hub hub) throws Exception;
    }

    /** Runs {@code body} on a fresh hub thread and checks no greenlet is left. */
    static void onHub(Body body) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            Hub hub = Hub.current();
            try {
                body.run(hub);
                for (int i = 0; i < 200 && hub.liveGreenlets() > 0; i++) {
                    Gevent.sleep(5);
                }
                assertEquals(0, hub.liveGreenlets(), "greenlets left");
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            } finally {
                hub.destroy();
            }
        }, "http-client-test-hub");
        t.start();
        try {
            done.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw (Error) e.getCause();
        }
    }

    static final HttpHandler APP = (req, resp) -> {
        switch (req.path()) {
            case "/hello" -> resp.send("hello " + req.remoteAddress().getPort());
            case "/echo" -> {
                resp.header("X-Method", req.method());
                resp.send(req.bodyBytes());
            }
            case "/chunked" -> {
                try (OutputStream out = resp.outputStream()) {
                    for (int i = 0; i < 100; i++) {
                        out.write(("chunk" + i + ",").getBytes(StandardCharsets.US_ASCII));
                        if (i % 10 == 0) {
                            out.flush();
                        }
                    }
                }
            }
            case "/redirect" -> resp.status(302).header("Location", "/hello").send("");
            case "/see-other" -> resp.status(303).header("Location", "/echo").send("");
            case "/slow" -> {
                Gevent.sleep(2_000);
                resp.send("late");
            }
            case "/close" -> resp.header("Connection", "close").send("bye");
            default -> resp.send(404, "no");
        }
    };

    @Test
    void keepAlivePoolIsReusedByConcurrentGreenlets() throws Exception {
        onHub(hub -> {
            HttpServer server = HttpServer.create(ServerRunner.LOCAL, APP).start();
            String base = "http://127.0.0.1:" + server.address().getPort();
            Set<String> clientPorts = ConcurrentHashMap.newKeySet();
            try (HttpClient client = HttpClient.create().maxIdlePerHost(10)) {
                List<Greenlet<Void>> workers = new ArrayList<>();
                for (int w = 0; w < 10; w++) {
                    workers.add(Gevent.spawn(() -> {
                        for (int i = 0; i < 20; i++) {
                            ClientResponse r = client.get(base + "/hello");
                            assertEquals(200, r.status());
                            clientPorts.add(r.bodyString());
                        }
                        return null;
                    }));
                }
                Gevent.joinallOrThrow(workers);
                assertTrue(clientPorts.size() <= 10, "200 requests from 10 greenlets over at most 10 connections: " + clientPorts.size());
                assertEquals(clientPorts.size(), client.idleConnections());
            }
            server.stop(Duration.ofSeconds(1));
        });
    }

    @Test
    void bodiesRedirectsTimeoutsAndStaleConnections() throws Exception {
        onHub(hub -> {
            HttpServer server = HttpServer.create(ServerRunner.LOCAL, APP).idleTimeout(Duration.ofMillis(200)).start();
            String base = "http://127.0.0.1:" + server.address().getPort();
            try (HttpClient client = HttpClient.create().readTimeout(Duration.ofMillis(300))) {
                ClientResponse echo = client.post(base + "/echo", "text/plain", "ping".getBytes(StandardCharsets.UTF_8));
                assertEquals("ping", echo.bodyString());
                assertEquals("POST", echo.header("X-Method"));

                StringBuilder want = new StringBuilder();
                for (int i = 0; i < 100; i++) {
                    want.append("chunk").append(i).append(',');
                }
                assertEquals(want.toString(), client.get(base + "/chunked").bodyString());

                ClientResponse head = client.send("HEAD", base + "/hello", null, null);
                assertEquals(0, head.body().length);
                assertTrue(Integer.parseInt(head.header("Content-Length")) > 0);

                assertEquals(302, client.get(base + "/redirect").status(), "redirects are off by default");

                assertEquals("bye", client.get(base + "/close").bodyString());

                assertThrows(SocketTimeoutException.class, () -> client.get(base + "/slow"));

                // the server closes idle connections after 200 ms: the pooled one is stale, the client retries
                assertEquals(200, client.get(base + "/hello").status());
                Gevent.sleep(400);
                assertEquals(200, client.get(base + "/hello").status());
            }
            try (HttpClient follow = HttpClient.create().followRedirects(true, 5)) {
                ClientResponse r = follow.get(base + "/redirect");
                assertEquals(200, r.status());
                assertTrue(r.bodyString().startsWith("hello "));
                assertTrue(r.url().endsWith("/hello"));
                ClientResponse seeOther = follow.post(base + "/see-other", "text/plain", "x".getBytes(StandardCharsets.UTF_8));
                assertEquals("GET", seeOther.header("X-Method"), "303 turns the POST into a GET");
            }
            server.stop(Duration.ofSeconds(3));
        });
    }
}
