package io.gevent4j.examples;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Timeout;

import io.gevent4j.net.Socket;
import io.gevent4j.net.StreamServer;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The README's first demo: a tour of gevent4j on one thread that drives itself and prints what
 * happened - greenlets that block in plain synchronous code, a JDK {@code Thread.sleep} that does not
 * block the hub, a timeout, a kill, ten thousand concurrent sleeps, and a TCP echo server answering a
 * thousand concurrent clients.
 */
public final class Demo {
    private Demo() {
    }

    public static void main(String[] args) throws java.io.IOException {
        System.out.println("hub: " + Gevent.getHub()); // created on first use: loads the native poller
        long start = System.nanoTime();

        // 1. Three workers that block; they overlap, so this takes ~300 ms, not 600.
        List<Greenlet<String>> workers = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            int n = i;
            workers.add(Gevent.spawn(() -> {
                Gevent.sleep(100 * n);              // gevent's sleep
                Thread.sleep(100);                   // the JDK's own, parks only this greenlet
                return "worker " + n + " done on " + Thread.currentThread().isVirtual();
            }));
        }
        Gevent.joinall(workers);
        for (Greenlet<String> g : workers) {
            System.out.println("  " + g.get());
        }
        System.out.printf("3 workers sleeping 200-400 ms each finished after %d ms%n", ms(start));

        // 2. A timeout thrown at the blocking point.
        Greenlet<String> slow = Gevent.spawn(() -> {
            try (Timeout t = Timeout.start(Duration.ofMillis(50))) {
                Gevent.sleep(1_000);
                return "no timeout?";
            } catch (Timeout e) {
                return "timed out: " + e.getMessage();
            }
        });
        System.out.println("slow job: " + slow.get());

        // 3. A kill: finally blocks run, and the greenlet counts as successful.
        Greenlet<Void> victim = Gevent.spawn(() -> {
            try {
                Gevent.sleep(10_000);
            } finally {
                System.out.println("  victim: cleaning up in finally");
            }
        });
        Gevent.sleep(10);
        victim.kill();
        System.out.println("victim killed: successful=" + victim.successful() + ", killed by "
                + victim.killedBy().getClass().getSimpleName());

        // 4. Ten thousand concurrent sleeps on one thread.
        long t0 = System.nanoTime();
        AtomicInteger woke = new AtomicInteger();
        List<Greenlet<Void>> many = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            many.add(Gevent.spawn(() -> {
                Gevent.sleep(200);
                woke.incrementAndGet();
            }));
        }
        Gevent.joinall(many);
        System.out.printf("10,000 greenlets slept 200 ms each: all %d woke after %d ms, on the hub of thread '%s'%n",
                woke.get(), ms(t0), Thread.currentThread().getName());
        // 5. A TCP echo server and 1,000 concurrent clients, all greenlets of this one thread.
        long t1 = System.nanoTime();
        StreamServer server = new StreamServer(new InetSocketAddress("127.0.0.1", 0), (socket, peer) -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(256);
            while (socket.read(buf.clear()) > 0) {
                socket.write(buf.flip());
            }
        });
        try {
            server.start();
            List<Greenlet<Boolean>> clients = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                String line = "hello " + i + "\n";
                clients.add(Gevent.spawn(() -> {
                    try (Socket s = Socket.connect(server.address(), Duration.ofSeconds(5), null)) {
                        byte[] out = line.getBytes(StandardCharsets.US_ASCII);
                        s.write(out);
                        byte[] back = new byte[out.length];
                        s.readFully(back, 0, back.length);
                        return Arrays.equals(out, back);
                    }
                }));
            }
            Gevent.joinall(clients);
            long ok = clients.stream().filter(g -> Boolean.TRUE.equals(g.value())).count();
            System.out.printf("echo server on %s: %d of 1,000 concurrent clients got their line back in %d ms%n",
                    server.address(), ok, ms(t1));
        } finally {
            server.stop();
        }
        System.out.printf("demo finished in %d ms%n", ms(start));
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
