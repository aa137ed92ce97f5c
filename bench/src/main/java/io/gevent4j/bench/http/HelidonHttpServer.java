package io.gevent4j.bench.http;

import io.helidon.webserver.WebServer;

/**
 * Baseline: Helidon SE 4's web server (a virtual thread per request on its own HTTP/1.1 stack)
 * answering {@code Hello, World!}. Run with {@code -Djdk.virtualThreadScheduler.parallelism=1} for one
 * carrier thread. Arguments: {@code port}. Runs until killed.
 */
public final class HelidonHttpServer {
    private HelidonHttpServer() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .backlog(4096)
                .routing(r -> r.get("/", (req, res) -> res.send("Hello, World!")))
                .build()
                .start();
        System.out.println("helidon http on 127.0.0.1:" + server.port());
    }
}
