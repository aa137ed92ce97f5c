package io.gevent4j.examples.http;

import io.gevent4j.http.HttpServer;

import java.net.InetSocketAddress;

/**
 * Echoes a JSON request body back, wrapped with the method and path:
 * {@code curl -d '{"a":1}' -H 'Content-Type: application/json' http://127.0.0.1:8081/items}.
 * Non-JSON requests get 415; a body over 64 KiB gets 413 from the server itself. Ctrl-C stops.
 */
public final class JsonEcho {
    private JsonEcho() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8081;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), (req, resp) -> {
            String type = req.header("Content-Type");
            if (!req.method().equals("POST") || type == null || !type.startsWith("application/json")) {
                resp.send(415, "POST application/json, please\n");
                return;
            }
            String body = req.bodyString().strip();
            resp.contentType("application/json");
            resp.send("{\"method\":\"" + req.method() + "\",\"path\":\"" + req.path().replace("\"", "\\\"")
                    + "\",\"body\":" + (body.isEmpty() ? "null" : body) + "}\n");
        }).maxBodySize(64 * 1024).accessLog(true);
        System.out.println("JSON echo on http://127.0.0.1:" + port + "/ - Ctrl-C stops");
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        server.serveForever();
    }
}
