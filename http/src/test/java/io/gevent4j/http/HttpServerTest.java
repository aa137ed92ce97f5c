package io.gevent4j.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.gevent4j.Gevent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HttpServer behaviour over real loopback sockets, with raw and JDK clients. */
class HttpServerTest {
    static final HttpHandler HELLO = (req, resp) -> resp.send("Hello, World!");

    @Test
    void keepAliveServesManyRequestsOnOneConnection() throws Exception {
        try (ServerRunner r = ServerRunner.start(HELLO); RawClient c = new RawClient(r.port())) {
            for (int i = 0; i < 20; i++) {
                RawClient.Resp resp = c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").read();
                assertEquals(200, resp.status());
                assertEquals("Hello, World!", resp.body());
                assertEquals("13", resp.header("Content-Length"));
                assertEquals("text/plain; charset=utf-8", resp.header("Content-Type"));
                assertEquals("gevent4j", resp.header("Server"));
                assertNotNull(resp.header("Date"));
                assertNull(resp.header("Connection"));
            }
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (ServerRunner r = ServerRunner.start((req, resp) -> {
            if (req.path().equals("/slow")) {
                Gevent.sleep(20); // a later request must not overtake it
            }
            resp.send(req.path());
        }); RawClient c = new RawClient(r.port())) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                batch.append("GET ").append(i % 5 == 0 ? "/slow" : "/r" + i).append(" HTTP/1.1\r\nHost: a\r\n\r\n");
            }
            c.send(batch.toString());
            for (int i = 0; i < 16; i++) {
                assertEquals(i % 5 == 0 ? "/slow" : "/r" + i, c.read().body());
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = io.gevent4j.loop.Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void pipelinedBodiesOnEachLoopBackend(io.gevent4j.loop.Backend backend) throws Exception {
        try (ServerRunner r = ServerRunner.start(backend, (req, resp) -> resp.send(req.method() + ":" + req.bodyString()), s -> { });
             RawClient c = new RawClient(r.port())) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                String body = "b".repeat(i * 100);
                batch.append(i % 2 == 0
                        ? "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                        : "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + (body.isEmpty() ? "" : Integer.toHexString(body.length()) + "\r\n" + body + "\r\n") + "0\r\n\r\n");
            }
            c.send(batch.toString());
            for (int i = 0; i < 50; i++) {
                assertEquals((i % 2 == 0 ? "POST:" : "PUT:") + "b".repeat(i * 100), c.read().body(), "response " + i);
            }
        }
    }

    @Test
    void http10ClosesUnlessKeepAlive() throws Exception {
        try (ServerRunner r = ServerRunner.start(HELLO)) {
            try (RawClient c = new RawClient(r.port())) {
                RawClient.Resp resp = c.send("GET / HTTP/1.0\r\n\r\n").read();
                assertEquals("close", resp.header("Connection"));
                assertTrue(c.closedByServer());
            }
            try (RawClient c = new RawClient(r.port())) {
                RawClient.Resp resp = c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
                assertEquals("keep-alive", resp.header("Connection"));
                assertEquals("Hello, World!", c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read().body());
            }
            try (RawClient c = new RawClient(r.port())) {
                RawClient.Resp resp = c.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").read();
                assertEquals("close", resp.header("Connection"));
                assertTrue(c.closedByServer());
            }
        }
    }

    @Test
    void handlerExceptionGives500WithoutStackTraceAndIsLogged() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(HttpConnection.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        Level old = logger.getLevel();
        logger.setLevel(Level.OFF); // keep the expected error out of the console...
        logger.setAdditive(false);
        logger.setLevel(Level.ERROR); // ...but still record it here
        try (ServerRunner r = ServerRunner.start((req, resp) -> {
            if (req.path().equals("/boom")) {
                throw new IllegalStateException("secret detail");
            }
            resp.send("fine");
        }); RawClient c = new RawClient(r.port())) {
            RawClient.Resp resp = c.send("GET /boom HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertEquals(500, resp.status());
            assertFalse(resp.body().contains("secret"), resp.body());
            assertFalse(resp.body().contains("IllegalStateException"), resp.body());
            assertTrue(c.closedByServer());
            try (RawClient again = new RawClient(r.port())) {
                assertEquals("fine", again.send("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n").read().body(), "server keeps serving");
            }
            assertEquals(1, logged.list.size());
            assertEquals("secret detail", logged.list.get(0).getThrowableProxy().getMessage());
        } finally {
            logger.detachAppender(logged);
            logger.setAdditive(true);
            logger.setLevel(old);
        }
    }

    @Test
    void headResponseHasHeadersButNoBody() throws Exception {
        try (ServerRunner r = ServerRunner.start(HELLO); RawClient c = new RawClient(r.port())) {
            RawClient.Resp head = c.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n").read(true);
            assertEquals("13", head.header("Content-Length"));
            assertEquals("Hello, World!", c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").read().body(),
                    "the next response starts right after the head: no body bytes were sent");
        }
    }

    @Test
    void streamedResponseIsChunkedOnHttp11AndCloseDelimitedOnHttp10() throws Exception {
        try (ServerRunner r = ServerRunner.start((req, resp) -> {
            resp.contentType("text/plain");
            try (OutputStream out = resp.outputStream()) {
                for (int i = 0; i < 5; i++) {
                    out.write(("part " + i + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        })) {
            try (RawClient c = new RawClient(r.port())) {
                RawClient.Resp resp = c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").read();
                assertEquals("chunked", resp.header("Transfer-Encoding"));
                assertEquals("part 0\npart 1\npart 2\npart 3\npart 4\n", resp.body());
                assertEquals(200, c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").read().status(), "still alive");
            }
            try (RawClient c = new RawClient(r.port())) {
                RawClient.Resp resp = c.send("GET / HTTP/1.0\r\n\r\n").read();
                assertNull(resp.header("Transfer-Encoding"));
                assertEquals("close", resp.header("Connection"));
                assertEquals("part 0\npart 1\npart 2\npart 3\npart 4\n", resp.body());
            }
            HttpResponse<String> jdk = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(r.url("/"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("part 0\npart 1\npart 2\npart 3\npart 4\n", jdk.body());
        }
    }

    @Test
    void fixedLengthStreamAndSendFile(@TempDir Path dir) throws Exception {
        byte[] data = new byte[300_000];
        new java.util.Random(1).nextBytes(data);
        Path file = dir.resolve("data.bin");
        Files.write(file, data);
        Files.writeString(dir.resolve("page.html"), "<h1>hi</h1>");
        try (ServerRunner r = ServerRunner.start((req, resp) -> {
            if (req.path().equals("/fixed")) {
                resp.header("Content-Length", "10");
                resp.outputStream().write("0123456789".getBytes(StandardCharsets.US_ASCII));
            } else {
                resp.sendFile(dir.resolve(req.path().substring(1)));
            }
        })) {
            HttpURLConnection u = (HttpURLConnection) URI.create(r.url("/data.bin")).toURL().openConnection();
            try (InputStream in = u.getInputStream()) {
                assertArrayEquals(data, in.readAllBytes());
            }
            assertEquals(data.length, u.getContentLengthLong());
            u = (HttpURLConnection) URI.create(r.url("/page.html")).toURL().openConnection();
            assertEquals("text/html", u.getContentType());
            try (InputStream in = u.getInputStream()) {
                assertEquals("<h1>hi</h1>", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            u = (HttpURLConnection) URI.create(r.url("/fixed")).toURL().openConnection();
            try (InputStream in = u.getInputStream()) {
                assertEquals("0123456789", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            assertNull(u.getHeaderField("Transfer-Encoding"));
            u = (HttpURLConnection) URI.create(r.url("/missing")).toURL().openConnection();
            assertEquals(500, u.getResponseCode(), "a handler's NoSuchFileException is a 500");
        }
    }

    @Test
    void sendFileAnswersHeadWithTheLengthAndKeepsTheConnectionInStep(@TempDir Path dir) throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 5]; // several sendfile chunks
        new java.util.Random(2).nextBytes(data);
        Files.write(dir.resolve("big.bin"), data);
        Files.write(dir.resolve("empty.txt"), new byte[0]);
        try (ServerRunner r = ServerRunner.start((req, resp) -> resp.sendFile(dir.resolve(req.path().substring(1))));
             RawClient c = new RawClient(r.port())) {
            RawClient.Resp head = c.send("HEAD /big.bin HTTP/1.1\r\nHost: a\r\n\r\n").read(true);
            assertEquals(200, head.status());
            assertEquals(String.valueOf(data.length), head.header("Content-Length"));
            assertEquals("", head.body());
            RawClient.Resp empty = c.send("GET /empty.txt HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertEquals("0", empty.header("Content-Length"));
            assertEquals("", empty.body());
            RawClient.Resp missing = c.send("GET /nope HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertEquals(500, missing.status());
        }
        try (ServerRunner r = ServerRunner.start((req, resp) -> resp.sendFile(dir.resolve("big.bin")))) {
            HttpURLConnection u = (HttpURLConnection) URI.create(r.url("/big.bin")).toURL().openConnection();
            try (InputStream in = u.getInputStream()) {
                assertArrayEquals(data, in.readAllBytes());
            }
        }
    }

    @Test
    void jdkHttpClientBodiesHeadersAndConcurrency() throws Exception {
        try (ServerRunner r = ServerRunner.start((req, resp) -> {
            byte[] body = req.bodyBytes();
            resp.header("X-Method", req.method());
            resp.header("X-Echo-Header", String.join("|", req.headers().getAll("X-Multi")));
            resp.send(body);
        })) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> fixed = client.send(HttpRequest.newBuilder(URI.create(r.url("/echo")))
                    .header("X-Multi", "a").header("X-Multi", "b")
                    .POST(HttpRequest.BodyPublishers.ofString("fixed body")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("fixed body", fixed.body());
            assertEquals("POST", fixed.headers().firstValue("X-Method").orElseThrow());
            assertEquals("a|b", fixed.headers().firstValue("X-Echo-Header").orElseThrow());
            byte[] big = "0123456789abcdef".repeat(20_000).getBytes(StandardCharsets.US_ASCII);
            // ofInputStream has no known length: the JDK client sends it chunked
            HttpResponse<byte[]> chunked = client.send(HttpRequest.newBuilder(URI.create(r.url("/echo")))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertArrayEquals(big, chunked.body());
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                all.add(client.sendAsync(HttpRequest.newBuilder(URI.create(r.url("/c" + i)))
                        .POST(HttpRequest.BodyPublishers.ofString("n" + i)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < 50; i++) {
                assertEquals("n" + i, all.get(i).get(20, TimeUnit.SECONDS).body());
            }
        }
    }

    @Test
    void expectContinueIsSentOnlyWhenTheHandlerReadsTheBody() throws Exception {
        try (ServerRunner r = ServerRunner.start((req, resp) -> {
            if (req.path().equals("/reject")) {
                resp.send(403, "no upload for you");
                return;
            }
            resp.send(req.bodyString());
        })) {
            try (RawClient c = new RawClient(r.port())) {
                c.send("POST /read HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
                assertEquals(100, c.readOne(false).status(), "100 Continue before the client sends the body");
                assertEquals("data", c.send("data").read().body());
            }
            try (RawClient c = new RawClient(r.port())) {
                c.send("POST /reject HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
                RawClient.Resp resp = c.readOne(false);
                assertEquals(403, resp.status(), "no 100: the final answer comes first");
                assertEquals("close", resp.header("Connection"));
                assertTrue(c.closedByServer());
            }
            HttpResponse<String> jdk = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(r.url("/read")))
                    .expectContinue(true).version(HttpClient.Version.HTTP_1_1)
                    .POST(HttpRequest.BodyPublishers.ofString("via jdk")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("via jdk", jdk.body());
        }
    }

    @Test
    void slowlorisGets408AndIdleKeepAliveIsClosed() throws Exception {
        try (ServerRunner r = ServerRunner.start(HELLO,
                s -> s.headerTimeout(Duration.ofMillis(300)).idleTimeout(Duration.ofMillis(300)))) {
            try (RawClient c = new RawClient(r.port())) {
                c.send("GET / HTTP/1.1\r\nHost: a\r\n"); // never finishes its head
                for (int i = 0; i < 3; i++) {
                    Thread.sleep(100);
                    c.send("X-A: 1\r\n"); // trickles: each byte within the time, the whole head not
                }
                RawClient.Resp resp = c.read();
                assertEquals(408, resp.status());
                assertTrue(c.closedByServer());
            }
            try (RawClient c = new RawClient(r.port())) {
                assertEquals(200, c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
                assertTrue(c.closedByServer(), "idle keep-alive connection closed by the server");
            }
            try (RawClient c = new RawClient(r.port())) {
                assertTrue(c.closedByServer(), "a connection that never sends a request is closed too");
            }
        }
    }

    @Test
    void stopDrainsInFlightClosesIdleAndRefusesNew() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        ServerRunner r = ServerRunner.start((req, resp) -> {
            if (req.path().equals("/slow")) {
                inHandler.countDown();
                Gevent.sleep(300);
            }
            resp.send("done " + req.path());
        });
        int port = r.port();
        RawClient idle = new RawClient(port);
        assertEquals(200, idle.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
        RawClient busy = new RawClient(port);
        busy.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
        assertTrue(inHandler.await(10, TimeUnit.SECONDS));
        assertEquals(0, r.stop(Duration.ofSeconds(10)), "greenlets left after stop");
        RawClient.Resp resp = busy.read();
        assertEquals("done /slow", resp.body(), "the request in flight finished");
        assertEquals("close", resp.header("Connection"));
        assertTrue(busy.closedByServer());
        assertTrue(idle.closedByServer(), "the idle keep-alive connection was closed");
        assertThrows(ConnectException.class, () -> new RawClient(port).close(), "new connections refused");
        idle.close();
        busy.close();
    }

    @Test
    void stopKillsHandlersStillRunningAfterTheTimeout() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        ServerRunner r = ServerRunner.start((req, resp) -> {
            inHandler.countDown();
            Gevent.sleep(60_000);
            resp.send("never");
        });
        try (RawClient c = new RawClient(r.port())) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertTrue(inHandler.await(10, TimeUnit.SECONDS));
            assertEquals(0, r.stop(Duration.ofMillis(100)));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void accessLogIsOffByDefaultAndOneSwitchTurnsItOn() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("io.gevent4j.http.access");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        logger.setAdditive(false);
        logger.setLevel(Level.INFO);
        try {
            try (ServerRunner r = ServerRunner.start(HELLO); RawClient c = new RawClient(r.port())) {
                c.send("GET /quiet HTTP/1.1\r\nHost: a\r\n\r\n").read();
            }
            assertEquals(0, logged.list.size());
            try (ServerRunner r = ServerRunner.start(HELLO, s -> s.accessLog(true)); RawClient c = new RawClient(r.port())) {
                c.send("GET /loud?x=1 HTTP/1.1\r\nHost: a\r\n\r\n").read();
                c.send("GET / HTTP/1.2\r\nHost: a\r\n\r\n").read();
            }
            assertEquals(1, logged.list.size(), "rejected heads that did not parse are not access-logged");
            String line = logged.list.get(0).getFormattedMessage();
            assertTrue(line.matches("127\\.0\\.0\\.1 - - \\[.+] \"GET /loud\\?x=1 HTTP/1\\.1\" 200 13 \\d+\\.\\d+"), line);
        } finally {
            logger.detachAppender(logged);
            logger.setAdditive(true);
            logger.setLevel(null);
        }
    }

    @Test
    void responseHeadersCannotBeSplit() throws Exception {
        AtomicInteger rejected = new AtomicInteger();
        try (ServerRunner r = ServerRunner.start((req, resp) -> {
            try {
                resp.header("X-Evil", "a\r\nSet-Cookie: x=1");
            } catch (IllegalArgumentException e) {
                rejected.incrementAndGet();
            }
            resp.status(201).addHeader("Set-Cookie", "a=1").addHeader("Set-Cookie", "b=2").send("");
        }); RawClient c = new RawClient(r.port())) {
            RawClient.Resp resp = c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertEquals(201, resp.status());
            assertEquals("a=1, b=2", resp.header("Set-Cookie"));
            assertEquals("0", resp.header("Content-Length"));
            assertEquals(1, rejected.get());
        }
    }

    @Test
    void twoHubsServeAndNoFdsLeak() throws Exception {
        int before = ServerRunner.openFds();
        try (ServerRunner r = ServerRunner.start(HELLO, s -> s.hubs(2))) {
            for (int i = 0; i < 100; i++) {
                try (RawClient c = new RawClient(r.port())) {
                    assertEquals("Hello, World!", c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").read().body());
                }
            }
        }
        int after = ServerRunner.openFds();
        // Allow a few descriptors for lazily loaded classes/jars, none per connection.
        assertTrue(after - before < 10, "fds before " + before + ", after " + after);
    }

    @Test
    void curlTalksToTheServer() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(onPath("curl"), "curl is not installed");
        try (ServerRunner r = ServerRunner.start((req, resp) -> resp.send(req.method() + " " + req.bodyString()))) {
            assertEquals("GET ", curl("-s", r.url("/")));
            assertEquals("POST upload", curl("-s", "--data-binary", "upload", r.url("/")));
            assertEquals("PUT chunked", curl("-s", "-X", "PUT", "-H", "Transfer-Encoding: chunked", "--data-binary", "chunked", r.url("/")));
            assertEquals("GET ", curl("-s", "-0", r.url("/")));
            String two = curl("-s", r.url("/a"), r.url("/b")); // two requests, one kept-alive connection
            assertEquals("GET GET ", two);
            String head = curl("-s", "-I", r.url("/"));
            assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
            assertTrue(head.contains("Content-Length: 5"), head);
        }
    }

    private static boolean onPath(String cmd) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return false;
    }

    private static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "--max-time", "10"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
