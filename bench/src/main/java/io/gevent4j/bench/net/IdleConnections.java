package io.gevent4j.bench.net;

import io.gevent4j.Gevent;
import io.gevent4j.hub.Hub;
import io.gevent4j.net.StreamServer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory of idle connections held by one hub: a {@link StreamServer} whose handlers all park in
 * {@code read}, and a client in a <em>separate JVM</em> (so that neither its heap nor its descriptors
 * count here) that opens N connections and keeps them. Reports the server JVM's heap growth after a
 * full GC divided by N: greenlet stacks (virtual-thread continuations live in the heap), sockets,
 * watchers, waiters. Kernel socket buffers are not counted.
 *
 * <pre>
 * java --add-opens java.base/java.lang=ALL-UNNAMED -cp ... io.gevent4j.bench.net.IdleConnections [n=10000]
 * </pre>
 */
public final class IdleConnections {
    private IdleConnections() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("client")) {
            client(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Hub hub = Hub.current();
        StreamServer server = new StreamServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), (s, a) -> {
            ByteBuffer one = ByteBuffer.allocate(1);
            while (s.read(one.clear()) > 0) {
                // idle: park until the client goes away
            }
        }).backlog(4096).start();
        Gevent.sleep(100);
        long before = usedHeapAfterGc();
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        Process client = new ProcessBuilder(javaCmd, "-cp", System.getProperty("java.class.path"),
                IdleConnections.class.getName(), "client", String.valueOf(server.address().getPort()), String.valueOf(n))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long t0 = System.nanoTime();
        while (server.connectionCount() < n) {
            if (!client.isAlive()) {
                throw new IllegalStateException("client died with " + client.exitValue() + " at "
                        + server.connectionCount() + " connections");
            }
            Gevent.sleep(50);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Gevent.sleep(200);
        long after = usedHeapAfterGc();
        System.out.printf("%,d idle connections on one hub (%s), accepted in %d ms: heap %,d -> %,d bytes, %,d bytes per connection; live greenlets %,d%n",
                n, hub.loop().backend(), ms, before, after, (after - before) / n, hub.liveGreenlets());
        client.getOutputStream().close(); // the client exits when its stdin closes
        client.waitFor();
        server.stop(java.time.Duration.ofSeconds(2));
        System.exit(0);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        var mem = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    private static void client(int port, int n) throws Exception {
        List<SocketChannel> open = new ArrayList<>(n);
        InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        for (int i = 0; i < n; i++) {
            open.add(SocketChannel.open(addr));
        }
        new BufferedReader(new InputStreamReader(System.in)).readLine(); // until the parent closes stdin
        for (SocketChannel c : open) {
            c.close();
        }
    }
}
