package io.gevent4j.bench.monkey;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.monkey.Monkey;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;

/**
 * One echo round trip (64 bytes each way) over loopback, client and server greenlets on one hub, three
 * ways in one run:
 * <ol>
 *   <li>unpatched {@code java.net.Socket} (the JDK's platform implementation: a greenlet's virtual
 *       thread parks through the JDK's poller threads);</li>
 *   <li>patched {@code java.net.Socket} (after {@link Monkey#patchSocket()}: gevent4j's socket on the
 *       hub's own epoll behind the {@code java.net} API);</li>
 *   <li>gevent4j's own {@link io.gevent4j.net.Socket}.</li>
 * </ol>
 * Prints the median over rounds of the mean microseconds per round trip. Goal: patched within 1.2x of
 * our own socket.
 *
 * <pre>mvn -B -q -Pbench -pl bench -am verify -DskipTests -Dbench.main=io.gevent4j.bench.monkey.SocketRoundTrip</pre>
 * Arguments: {@code [round trips per round (default 20000)] [rounds (default 7)]}.
 */
public final class SocketRoundTrip {
    private static final int SIZE = 64;

    private SocketRoundTrip() {
    }

    interface Variant {
        /** Runs {@code n} round trips; returns nanoseconds taken. Called in a greenlet. */
        long run(int n) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Monkey.patchSocket();
        Variant unpatched = k -> javaNet(k, true);
        Variant patched = k -> javaNet(k, false);
        Variant ours = SocketRoundTrip::gevent4j;
        String[] names = {"unpatched java.net.Socket (JDK poller)", "patched java.net.Socket (hub epoll)",
                "gevent4j net.Socket"};
        Variant[] variants = {unpatched, patched, ours};
        double[][] perRound = new double[3][rounds];
        for (Variant v : variants) { // warm-up
            measure(v, n);
        }
        for (int r = 0; r < rounds; r++) { // interleaved so that drift hits all three alike
            for (int i = 0; i < 3; i++) {
                perRound[i][r] = measure(variants[i], n) / 1000.0 / n;
            }
        }
        double[] median = new double[3];
        System.out.printf("echo round trip, %d bytes, client and server greenlets on one hub, %d x %d round trips%n",
                SIZE, rounds, n);
        for (int i = 0; i < 3; i++) {
            double[] s = perRound[i].clone();
            Arrays.sort(s);
            median[i] = s[s.length / 2];
            System.out.printf("  %-40s %7.2f us/round trip (min %.2f, max %.2f)%n", names[i], median[i], s[0],
                    s[s.length - 1]);
        }
        System.out.printf("  patched / gevent4j = %.2fx (goal <= 1.2x); unpatched / patched = %.2fx%n",
                median[1] / median[2], median[0] / median[1]);
    }

    private static long measure(Variant v, int n) throws Exception {
        return Gevent.spawn(() -> v.run(n)).get();
    }

    /** java.net sockets: the JDK's own ({@code original}) or patched ones (created in a greenlet). */
    private static long javaNet(int n, boolean original) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket server = original ? Monkey.originalServerSocket() : new ServerSocket()) {
            server.bind(new InetSocketAddress(lo, 0));
            Greenlet<Void> echo = Gevent.spawn(() -> {
                try (Socket c = server.accept()) {
                    c.setTcpNoDelay(true);
                    InputStream in = c.getInputStream();
                    OutputStream out = c.getOutputStream();
                    byte[] b = new byte[SIZE];
                    while (true) {
                        int got = in.readNBytes(b, 0, SIZE);
                        if (got < SIZE) {
                            return null;
                        }
                        out.write(b, 0, SIZE);
                    }
                }
            });
            try (Socket s = original ? Monkey.originalSocket() : new Socket()) {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(lo, server.getLocalPort()));
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] b = new byte[SIZE];
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    out.write(b, 0, SIZE);
                    if (in.readNBytes(b, 0, SIZE) < SIZE) {
                        throw new IOException("short echo");
                    }
                }
                long t = System.nanoTime() - t0;
                s.shutdownOutput();
                echo.get();
                return t;
            }
        }
    }

    private static long gevent4j(int n) throws Exception {
        try (io.gevent4j.net.ServerSocket server = io.gevent4j.net.ServerSocket.bind("127.0.0.1", 0)) {
            Greenlet<Void> echo = Gevent.spawn(() -> {
                try (io.gevent4j.net.Socket c = server.accept()) {
                    byte[] b = new byte[SIZE];
                    while (true) {
                        try {
                            c.readFully(b, 0, SIZE);
                        } catch (java.io.EOFException end) {
                            return null;
                        }
                        c.write(b, 0, SIZE);
                    }
                }
            });
            try (io.gevent4j.net.Socket s = io.gevent4j.net.Socket.connect(new InetSocketAddress("127.0.0.1", server.port()))) {
                byte[] b = new byte[SIZE];
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    s.write(b, 0, SIZE);
                    s.readFully(b, 0, SIZE);
                }
                long t = System.nanoTime() - t0;
                s.shutdownOutput();
                echo.get();
                return t;
            }
        }
    }

}
