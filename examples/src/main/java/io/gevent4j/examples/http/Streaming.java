package io.gevent4j.examples.http;

import io.gevent4j.Gevent;
import io.gevent4j.http.HttpServer;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A chunked response written over time: {@code curl -N http://127.0.0.1:8083/?n=5} prints one line
 * every 200 ms. Each handler sleeps in its own greenlet, so thousands of such streams share one
 * thread. Ctrl-C stops.
 */
public final class Streaming {
    private Streaming() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8083;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), (req, resp) -> {
            int n = req.queryParam("n") != null ? Integer.parseInt(req.queryParam("n")) : 10;
            resp.contentType("text/plain; charset=utf-8");
            try (OutputStream out = resp.outputStream()) { // no length: chunked
                for (int i = 1; i <= n; i++) {
                    out.write(("tick " + i + "/" + n + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush(); // this chunk goes out now
                    Gevent.sleep(200);
                }
            }
        });
        System.out.println("streaming on http://127.0.0.1:" + port + "/?n=5 - Ctrl-C stops");
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        server.serveForever();
    }
}
