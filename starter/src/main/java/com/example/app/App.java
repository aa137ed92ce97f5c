package com.example.app;

import io.gevent4j.Gevent;
import io.gevent4j.http.HttpServer;
import io.gevent4j.http.Request;
import io.gevent4j.http.Response;
import io.gevent4j.hub.Hub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small HTTP service on gevent4j: every connection is a greenlet on this thread's hub, so handlers
 * are plain blocking code ({@link Gevent#sleep(long)} here; a JDBC call or a socket read in yours).
 *
 * <pre>
 * java -jar target/app.jar [port] [host]      (defaults: 8080 127.0.0.1; use 0.0.0.0 in a container)
 * curl 'http://127.0.0.1:8080/hello?name=you'  -> Hello, you!
 * curl 'http://127.0.0.1:8080/slow?ms=200'     -> slept 200 ms (other requests are served meanwhile)
 * curl 'http://127.0.0.1:8080/stats'           -> requests=3
 * </pre>
 *
 * Ctrl-C (SIGTERM) stops it: requests in flight finish, idle connections close.
 */
public final class App {
    private static final Logger log = LoggerFactory.getLogger(App.class);
    private static final AtomicLong REQUESTS = new AtomicLong();

    private App() {
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        String host = args.length > 1 ? args[1] : "127.0.0.1";
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), App::handle).start();
        log.info("serving on http://{}:{}/ ({})", host, server.address().getPort(), Hub.current().loop().backend());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping");
            server.stop(Duration.ofSeconds(5));
        }));
        server.serveForever(); // this thread's hub runs the server until stop()
    }

    static void handle(Request req, Response resp) throws IOException {
        REQUESTS.incrementAndGet();
        switch (req.path()) {
            case "/", "/hello" -> {
                String name = req.queryParam("name");
                resp.contentType("text/plain; charset=utf-8").send("Hello, " + (name == null ? "World" : name) + "!\n");
            }
            case "/slow" -> {
                long ms = parse(req.queryParam("ms"), 100, 10_000);
                Gevent.sleep(ms); // parks this greenlet only
                resp.contentType("text/plain").send("slept " + ms + " ms\n");
            }
            case "/stats" -> resp.contentType("text/plain").send("requests=" + REQUESTS.get() + "\n");
            default -> resp.send(404, "no such page: " + req.path() + "\n");
        }
    }

    private static long parse(String value, long otherwise, long max) {
        try {
            return value == null ? otherwise : Math.min(max, Math.max(0, Long.parseLong(value)));
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
