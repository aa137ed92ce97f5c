package io.gevent4j.bench.ws;

import io.gevent4j.bench.BenchSupport;
import io.gevent4j.http.HttpClient;
import io.gevent4j.http.HttpServer;
import io.gevent4j.http.WebSocket;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Memory of idle WebSockets on one hub: gevent4j's {@link HttpServer} with a greenlet per WebSocket
 * parked in {@code receive()}, and a client in a separate JVM (its heap and descriptors not counted
 * here) that opens N WebSockets, checks each echoes once, and keeps them idle. Reports this JVM's heap
 * growth after a full GC divided by N (greenlet stacks, sockets, watchers, the WebSocket's buffers),
 * then checks all N still echo. Kernel socket buffers are not counted.
 *
 * <pre>
 * mvn -B -q -Pbench -pl bench -am verify -DskipTests -Dbench.main=io.gevent4j.bench.ws.IdleWebSockets -Dbench.args="10000"
 * </pre>
 */
public final class IdleWebSockets {
    private IdleWebSockets() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("client")) {
            client(args[1], Integer.parseInt(args[2]));
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        HttpServer server = BenchSupport.startOnHubThread(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                (req, resp) -> {
                    try (WebSocket ws = req.upgradeToWebSocket()) {
                        for (WebSocket.Message m; (m = ws.receive()) != null; ) {
                            ws.send(m.text());
                        }
                    }
                }).backlog(4096));
        long before = heapAfterGc();
        Process p = BenchSupport.childJvm(IdleWebSockets.class.getName(), "client",
                "ws://127.0.0.1:" + server.address().getPort() + "/", Integer.toString(n)).redirectErrorStream(true).start();
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line = in.readLine();
        if (!"ready".equals(line)) {
            throw new IllegalStateException("client: " + line);
        }
        long after = heapAfterGc();
        System.out.printf(Locale.ROOT, "%d idle WebSockets on one hub: %d connections open, heap %.1f MiB -> %.1f MiB, %.0f bytes per WebSocket%n",
                n, server.connectionCount(), before / 1048576.0, after / 1048576.0, (after - before) / (double) n);
        OutputStream toClient = p.getOutputStream();
        toClient.write('\n');
        toClient.flush();
        System.out.println("client: " + in.readLine());
        p.waitFor();
        server.stop();
        System.exit(0);
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void client(String url, int n) throws Exception {
        try (HttpClient client = HttpClient.create()) {
            List<WebSocket> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                WebSocket ws = client.webSocket(url);
                ws.send("hi");
                if (!"hi".equals(ws.receive().text())) {
                    throw new IllegalStateException("no echo");
                }
                all.add(ws);
            }
            System.out.println("ready");
            System.out.flush();
            // wait for the server's go (a line on stdin; nothing needs this hub meanwhile), then check
            // every one still echoes
            new BufferedReader(new InputStreamReader(System.in)).readLine();
            int ok = 0;
            for (WebSocket ws : all) {
                ws.send("again");
                if ("again".equals(ws.receive().text())) {
                    ok++;
                }
                ws.close();
            }
            System.out.println(ok + " of " + n + " still echo after idling");
        }
    }
}
