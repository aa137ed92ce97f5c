package io.gevent4j.examples.http;

import io.gevent4j.hub.Hub;
import io.gevent4j.http.HttpServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chat page in headless Chromium and a JDK {@code java.net.http.WebSocket} client in one room:
 * a test page loads the real chat page in a frame, joins, sends a line, waits for the JDK client's
 * answer and posts what the page shows back to the server.
 */
class WebSocketChatTest {
    static final String CHROMIUM = "/usr/bin/chromium";

    static final String TEST_PAGE = """
            <!DOCTYPE html><html><body><iframe id="f" src="/"></iframe><script>
            const f = document.getElementById('f');
            function report(what) { fetch('/report', {method: 'POST', body: what}); }
            function until(check, then, left = 200) {
              if (check()) { then(); } else if (left > 0) { setTimeout(() => until(check, then, left - 1), 50); }
              else { report('TIMEOUT ' + f.contentDocument.body.innerText); }
            }
            f.onload = () => {
              const d = f.contentDocument;
              d.getElementById('name').value = 'chromium';
              d.getElementById('join').requestSubmit();
              until(() => d.getElementById('status').textContent.startsWith('connected'), () => {
                d.getElementById('text').value = 'hello from chromium';
                d.getElementById('say').requestSubmit();
                until(() => d.getElementById('log').innerText.includes('jdk: hello from jdk'),
                      () => report(d.getElementById('status').textContent + '\\n' + d.getElementById('log').innerText));
              });
            };
            </script></body></html>""";

    @Test
    void chromiumAndTheJdkClientChatThroughTheServer(@TempDir Path profile) throws Exception {
        Assumptions.assumeTrue(new File(CHROMIUM).canExecute(), "chromium not installed (.ci/services installs it)");
        CompletableFuture<String> report = new CompletableFuture<>();
        CompletableFuture<HttpServer> started = new CompletableFuture<>();
        WebSocketChat chat = new WebSocketChat();
        Thread hubThread = new Thread(() -> {
            Hub hub = Hub.current();
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), (req, resp) -> {
                    switch (req.path()) {
                        case "/test.html" -> resp.contentType("text/html").send(TEST_PAGE);
                        case "/report" -> {
                            report.complete(req.bodyString());
                            resp.send("ok");
                        }
                        default -> chat.handler().handle(req, resp);
                    }
                });
                server.start();
                started.complete(server);
                server.serveForever();
            } catch (Throwable e) {
                started.completeExceptionally(e);
            } finally {
                hub.destroy();
            }
        }, "chat-hub");
        hubThread.start();
        HttpServer server = started.get(10, TimeUnit.SECONDS);
        int port = server.address().getPort();
        LinkedBlockingQueue<String> jdkGot = new LinkedBlockingQueue<>();
        Process chromium = null;
        try (HttpClient http = HttpClient.newHttpClient()) {
            WebSocket jdk = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/chat?name=jdk"),
                    new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            String line = data.toString();
                            jdkGot.add(line);
                            if (line.equals("chromium: hello from chromium")) {
                                ws.sendText("hello from jdk", true);
                            }
                            ws.request(1);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            assertEquals("* jdk joined (1 here)", jdkGot.poll(10, TimeUnit.SECONDS));
            chromium = new ProcessBuilder(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--user-data-dir=" + profile, "http://127.0.0.1:" + port + "/test.html")
                    .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
            String shown = report.get(60, TimeUnit.SECONDS);
            List<String> lines = shown.lines().filter(l -> !l.isBlank()).toList();
            assertEquals(List.of("connected as chromium", "* chromium joined (2 here)", "chromium: hello from chromium",
                    "jdk: hello from jdk"), lines, "what the page shows");
            assertEquals("* chromium joined (2 here)", jdkGot.poll(10, TimeUnit.SECONDS));
            assertEquals("chromium: hello from chromium", jdkGot.poll(10, TimeUnit.SECONDS));
            assertEquals("jdk: hello from jdk", jdkGot.poll(10, TimeUnit.SECONDS));
            chromium.destroy();
            assertTrue(chromium.waitFor(10, TimeUnit.SECONDS), "chromium exits");
            assertEquals("* chromium left", jdkGot.poll(10, TimeUnit.SECONDS), "the page's WebSocket closed with the browser");
            jdk.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        } finally {
            if (chromium != null && chromium.isAlive()) {
                chromium.destroyForcibly();
            }
            server.stop(Duration.ofSeconds(2));
            hubThread.join(10_000);
        }
    }
}
