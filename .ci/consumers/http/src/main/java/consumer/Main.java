package consumer;

import io.gevent4j.http.HttpClient;
import io.gevent4j.http.HttpServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Depends on gevent4j-http alone: serve and fetch a page; the JDK's own HttpServer is left alone. */
public final class Main {
    public static void main(String[] args) throws Exception {
        if (Main.class.getClassLoader().getResource("io/netty/channel/kqueue/KQueue.class") != null) {
            throw new AssertionError("kqueue classes are on the class path: the exclusion did not work");
        }
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        HttpServer server = HttpServer.create(any, (req, resp) -> resp.send("hi " + req.queryParam("n"))).start();
        try (HttpClient client = HttpClient.create()) {
            var r = client.get("http://127.0.0.1:" + server.address().getPort() + "/?n=7");
            check(r.status() == 200 && r.bodyString().equals("hi 7"), r.status() + " " + r.bodyString());
        } finally {
            server.stop();
        }
        String provider = com.sun.net.httpserver.spi.HttpServerProvider.provider().getClass().getName();
        check(!provider.startsWith("io.gevent4j"), "depending on gevent4j-http replaced the JDK's HttpServer: " + provider);
        System.out.println("uses-http: OK (GET served and fetched; JDK HttpServer untouched)");
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
