package io.gevent4j.examples.net;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.net.Socket;
import io.gevent4j.net.Sockets;
import io.gevent4j.net.StreamServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens many connections at once with {@code spawn}/{@code joinall}: a fetcher (and port scanner)
 * written as sequential code per connection.
 *
 * <pre>
 * java ... io.gevent4j.examples.net.Fetcher [connections]             # against its own local server
 * java ... io.gevent4j.examples.net.Fetcher scan HOST FROM-PORT TO-PORT  # which ports accept?
 * </pre>
 */
public final class Fetcher {
    private Fetcher() {
    }

    /** Fetches a line from {@code host:port} over {@code n} concurrent connections; returns how many succeeded. */
    public static int fetchAll(String host, int port, int n, Duration timeout) {
        List<Greenlet<String>> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            jobs.add(Greenlet.spawn(() -> {
                try (Socket s = Sockets.createConnection(host, port, timeout, null)) {
                    s.write("GET\n".getBytes(StandardCharsets.US_ASCII));
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                }
            }));
        }
        Gevent.joinall(jobs, timeout.multipliedBy(2));
        int ok = 0;
        for (Greenlet<String> g : jobs) {
            if (g.successful() && g.value() != null && g.value().startsWith("hello")) {
                ok++;
            }
        }
        return ok;
    }

    /** Ports of {@code host} in [from, to] that accept a connection within {@code timeout}. */
    public static List<Integer> scan(String host, int from, int to, Duration timeout) {
        List<Greenlet<Integer>> jobs = new ArrayList<>();
        for (int p = from; p <= to; p++) {
            int port = p;
            jobs.add(Greenlet.spawn(() -> {
                try (Socket ignored = Sockets.createConnection(host, port, timeout, null)) {
                    return port;
                } catch (IOException closed) {
                    return null;
                }
            }));
        }
        Gevent.joinall(jobs);
        List<Integer> open = new ArrayList<>();
        for (Greenlet<Integer> g : jobs) {
            if (g.value() != null) {
                open.add(g.value());
            }
        }
        return open;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("scan")) {
            System.out.println("open: " + scan(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Duration.ofSeconds(2)));
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        StreamServer server = new StreamServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                (s, a) -> {
                    s.getInputStream().read(new byte[4]);
                    s.write("hello\n".getBytes(StandardCharsets.US_ASCII));
                }).start();
        long t0 = System.nanoTime();
        int ok = fetchAll("127.0.0.1", server.address().getPort(), n, Duration.ofSeconds(10));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println(ok + " of " + n + " concurrent fetches succeeded in " + ms + " ms");
        server.stop();
    }
}
