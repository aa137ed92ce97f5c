package io.gevent4j.examples.http;

import io.gevent4j.Gevent;
import io.gevent4j.http.HttpHandler;
import io.gevent4j.http.HttpServer;
import io.gevent4j.http.WebSocket;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A chat room over WebSocket with a browser page: {@code GET /} serves the page, {@code /chat} is the
 * WebSocket; every line a member sends goes to every member. One greenlet per member receives;
 * broadcasting is a plain loop of {@code send} calls, all on one hub thread.
 *
 * <pre>
 * mvn -B -q -Pdemo -pl examples -am verify -DskipTests -Ddemo.main=io.gevent4j.examples.http.WebSocketChat -Ddemo.args="8080"
 * # open http://127.0.0.1:8080/ in two browser tabs
 * </pre>
 *
 * <p>Arguments: {@code [port] [seconds]} (defaults 8080, forever).
 */
public final class WebSocketChat {
    private final Set<WebSocket> members = ConcurrentHashMap.newKeySet();
    private final byte[] page;

    public WebSocketChat() throws IOException {
        try (InputStream in = WebSocketChat.class.getResourceAsStream("chat.html")) {
            page = in.readAllBytes();
        }
    }

    /** The chat's routes: {@code /} the page, {@code /chat} the WebSocket. */
    public HttpHandler handler() {
        return (req, resp) -> {
            switch (req.path()) {
                case "/" -> resp.contentType("text/html; charset=utf-8").send(page);
                case "/chat" -> {
                    String name = req.queryParam("name");
                    if (name == null || name.isBlank() || name.length() > 32) {
                        resp.send(400, "name=... required (1-32 characters)\n");
                        return;
                    }
                    try (WebSocket ws = req.upgradeToWebSocket(new WebSocket.Options()
                            .maxMessageSize(4096).idleTimeout(Duration.ofMinutes(10)))) {
                        members.add(ws);
                        broadcast("* " + name + " joined (" + members.size() + " here)");
                        for (WebSocket.Message m; (m = ws.receive()) != null; ) {
                            if (m.isText() && !m.text().isBlank()) {
                                broadcast(name + ": " + m.text());
                            }
                        }
                    } finally {
                        members.removeIf(ws -> !ws.isOpen());
                        broadcast("* " + name + " left");
                    }
                }
                default -> resp.send(404, "not found\n");
            }
        };
    }

    /** Sends {@code line} to every member; a member whose connection failed is dropped. */
    public void broadcast(String line) {
        for (WebSocket ws : members) {
            try {
                ws.send(line);
            } catch (IOException e) {
                members.remove(ws);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), new WebSocketChat().handler());
        server.start();
        System.out.println("chat on http://127.0.0.1:" + server.address().getPort() + "/ - Ctrl-C stops");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(Duration.ofSeconds(2))));
        if (args.length > 1) {
            Gevent.spawnLater(Duration.ofSeconds(Long.parseLong(args[1])), () -> server.stop());
        }
        server.serveForever();
    }
}
