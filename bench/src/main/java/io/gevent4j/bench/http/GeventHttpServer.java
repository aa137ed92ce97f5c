package io.gevent4j.bench.http;

import io.gevent4j.http.HttpServer;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The wrk target: gevent4j's {@link HttpServer} answering {@code Hello, World!}.
 * Arguments: {@code port [hubs]}. Runs until killed.
 */
public final class GeventHttpServer {
    private GeventHttpServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int hubs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        byte[] hello = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), (req, resp) -> {
            resp.header("Content-Type", "text/plain");
            resp.send(hello);
        }).hubs(hubs).backlog(4096);
        server.start();
        System.out.println("gevent4j http on " + server.address() + ", hubs=" + hubs);
        server.serveForever();
    }
}
