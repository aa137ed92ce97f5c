package io.gevent4j.examples.http;

import io.gevent4j.Gevent;
import io.gevent4j.http.HttpServer;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The smallest HTTP server: every request gets {@code Hello, World!}.
 *
 * <pre>
 * mvn -B -q -Pdemo -pl examples -am verify -DskipTests -Ddemo.main=io.gevent4j.examples.http.HelloWorld
 * curl http://127.0.0.1:8080/
 * </pre>
 *
 * <p>Arguments: {@code [port] [seconds]} (defaults 8080, forever; port 0 picks a free one). It shuts
 * down gracefully on Ctrl-C or {@code kill} (SIGINT/SIGTERM run a greenlet on the server's hub that calls
 * {@link HttpServer#stop(Duration)}: requests in flight finish, idle connections close, and
 * {@code main} returns), or by itself after {@code seconds} when given.
 */
public final class HelloWorld {
    private HelloWorld() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port),
                (req, resp) -> resp.send("Hello, World!"));
        server.start();
        System.out.println("serving on http://127.0.0.1:" + server.address().getPort() + "/ - Ctrl-C stops");
        for (String signal : new String[] {"INT", "TERM"}) {
            Gevent.signalHandler(signal, () -> {
                System.out.println("SIG" + signal + ": stopping");
                server.stop(Duration.ofSeconds(5));
            });
        }
        if (args.length > 1) {
            Gevent.spawnLater(Duration.ofSeconds(Long.parseLong(args[1])), () -> server.stop());
        }
        server.serveForever(); // this thread's hub runs the server until stop()
        System.out.println("stopped");
    }
}
