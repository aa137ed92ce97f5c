package io.gevent4j.net;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.loop.sim.SimFaults;
import io.gevent4j.loop.sim.SimKernel;
import io.gevent4j.sim.SimSeeds;
import io.gevent4j.sim.Simulation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The echo server and its clients on the simulated kernel, over thousands of seeds: every client gets
 * back exactly the bytes it sent, in order, or - only when the kernel injected a reset, a refused connect
 * or an aborted accept, or the server was stopped under it - fails with a clean network error after a
 * prefix of them; nothing hangs, and afterwards no greenlet, descriptor or watcher is left (the harness
 * checks). Replay a failure with the command its message ends with.
 */
class EchoSimTest {
    private static final InetSocketAddress ADDRESS = new InetSocketAddress("127.0.0.1", 7007);

    /**
     * What one client saw. {@code gaveUp}: the client itself cut the exchange short (closed its socket from
     * another greenlet, or stopped writing after a write timed out).
     */
    private record ClientResult(int id, byte[] sent, byte[] received, Throwable error, boolean gaveUp, int timeouts) {
    }

    @Test
    @Timeout(120)
    void everyByteComesBackInOrderOrTheConnectionFailsCleanly() {
        SimSeeds.run(1500, seed -> Simulation.of(seed).faults(SimFaults.swarm(seed, seed % 3 != 0)).run(EchoSimTest::echo));
    }

    @Test
    void oneSeedReplaysTheSameRun() {
        for (long seed = 1; seed <= 5; seed++) {
            long s = seed;
            long a = Simulation.of(s).run(EchoSimTest::echo).traceHash();
            long b = Simulation.of(s).run(EchoSimTest::echo).traceHash();
            assertEquals(a, b, "seed " + s + " must replay the same run");
        }
    }

    static void echo() throws IOException {
        SplittableRandom r = Simulation.random();
        SimKernel kernel = Simulation.kernel();
        int maxConnections = r.nextInt(3) == 0 ? 1 + r.nextInt(3) : 0;
        StreamServer server = new StreamServer(ADDRESS, EchoSimTest::serve)
                .backlog(1 + r.nextInt(8))
                .maxConnections(maxConnections);
        server.start();
        int clients = 1 + r.nextInt(6);
        boolean stopUnderLoad = r.nextInt(6) == 0;
        List<ClientResult> results = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            int size = r.nextInt(4) == 0 ? r.nextInt(16 * 1024) : r.nextInt(512);
            byte[] payload = new byte[size];
            new SplittableRandom(id * 1_000_003L + size).nextBytes(payload);
            long startDelay = r.nextLong(2_000_000);
            long seed = r.nextLong();
            gs.add(Greenlet.of(() -> {
                Gevent.sleep(Duration.ofNanos(startDelay));
                results.add(client(id, payload, new SplittableRandom(seed)));
            }).start());
        }
        // a few clients are killed wherever they are blocked: connect, read or write
        int kills = r.nextInt(4) == 0 ? 1 + r.nextInt(clients) : 0;
        List<Greenlet<Void>> killed = new ArrayList<>();
        for (int k = 0; k < kills; k++) {
            Gevent.sleep(Duration.ofNanos(r.nextLong(3_000_000)));
            Greenlet<Void> victim = gs.get(r.nextInt(clients));
            if (!victim.ready() && !killed.contains(victim)) {
                killed.add(victim);
                victim.kill();
            }
        }
        if (stopUnderLoad) {
            Gevent.sleep(Duration.ofNanos(r.nextLong(5_000_000)));
            server.stop(Duration.ofNanos(r.nextLong(2_000_000)));
        }
        Gevent.joinall(gs);
        server.stop();
        assertEquals(0, server.connectionCount(), "connections counted after stop");

        boolean destructive = kernel.faultCounts().get(SimKernel.Fault.RESET) > 0
                || kernel.faultCounts().get(SimKernel.Fault.REFUSED_CONNECT) > 0
                || kernel.faultCounts().get(SimKernel.Fault.ACCEPT_ABORTED) > 0 || stopUnderLoad;
        // a kill is queued behind what is runnable: a client already woken may finish first and report
        long died = gs.stream().filter(g -> g.killedBy() != null).count();
        assertEquals(clients - died, results.size(), "every client that was not killed reports");
        for (ClientResult c : results) {
            int n = c.received.length;
            if (n > c.sent.length || !Arrays.equals(c.received, 0, n, c.sent, 0, n)) {
                throw new AssertionError("client " + c.id + " received " + n + " bytes that are not a prefix of the "
                        + c.sent.length + " it sent (first difference at " + Arrays.mismatch(c.received, c.sent) + ")");
            }
            if (c.gaveUp) {
                if (c.error != null && !cleanNetworkError(c.error)) {
                    throw new AssertionError("client " + c.id + " failed with an error a peer cannot cause", c.error);
                }
                continue; // it closed or stopped writing itself: a prefix is all it may expect
            }
            if (c.error == null) {
                if (!stopUnderLoad) { // a stopped server may close a connection before it read everything
                    assertEquals(c.sent.length, n, "client " + c.id + " ended cleanly without all its bytes");
                }
            } else {
                if (!cleanNetworkError(c.error)) {
                    throw new AssertionError("client " + c.id + " failed with an error a peer cannot cause", c.error);
                }
                boolean overloaded = maxConnections > 0 && c.error instanceof ConnectException
                        && "Connection timed out".equals(c.error.getMessage()); // its SYNs found the backlog full for 2 min
                if (!destructive && !overloaded) {
                    throw new AssertionError("client " + c.id + " failed although no reset, refusal or abort was "
                            + "injected and the server was not stopped", c.error);
                }
            }
        }
    }

    private static boolean cleanNetworkError(Throwable e) {
        if (e instanceof ConnectException || e instanceof EOFException) {
            return true;
        }
        String m = e.getMessage();
        return e instanceof SocketException && m != null
                && (m.startsWith("Connection reset") || m.startsWith("Broken pipe") || m.startsWith("Socket closed"));
    }

    /** The server side: echoes with one of the read/write APIs until end of stream. */
    private static void serve(Socket s, InetSocketAddress peer) throws IOException {
        SplittableRandom r = Simulation.random();
        int size = 1 + r.nextInt(r.nextBoolean() ? 16 : 8192);
        switch (r.nextInt(4)) {
            case 0 -> {
                ByteBuffer b = r.nextBoolean() ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
                while (s.read(b.clear()) > 0) {
                    s.write(b.flip());
                }
            }
            case 1 -> {
                byte[] b = new byte[size];
                int n;
                while ((n = s.read(b, 0, b.length)) > 0) {
                    s.write(b, 0, n);
                }
            }
            case 2 -> {
                ByteBuf b = r.nextBoolean() ? Unpooled.directBuffer(size) : Unpooled.buffer(size);
                try {
                    while (s.read(b.clear()) > 0) {
                        s.write(b);
                    }
                } finally {
                    b.release();
                }
            }
            default -> {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] b = new byte[size];
                int n;
                while ((n = in.read(b)) > 0) {
                    out.write(b, 0, n);
                }
            }
        }
    }

    /** One client: a writer greenlet sends the payload in random pieces, then FIN; this one reads it back. */
    private static ClientResult client(int id, byte[] payload, SplittableRandom r) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        Throwable error = null;
        Socket s;
        try {
            s = Socket.connect(ADDRESS);
        } catch (IOException e) {
            return new ClientResult(id, payload, new byte[0], e, false, 0);
        }
        boolean withTimeouts = r.nextInt(4) == 0;
        boolean[] gaveUp = {false};
        int[] timeouts = {0};
        try (s) {
            if (withTimeouts) {
                s.setTimeout(Duration.ofNanos(r.nextLong(50_000, 5_000_000)));
            }
            Greenlet<Void> closer = null;
            if (r.nextInt(8) == 0) { // another greenlet of the client closes the socket under the reader and writer
                long at = r.nextLong(5_000_000);
                closer = Greenlet.of(() -> {
                    Gevent.sleep(Duration.ofNanos(at));
                    gaveUp[0] = true;
                    s.close();
                }).start();
            }
            long writerSeed = r.nextLong();
            Greenlet<Throwable> writer = Greenlet.spawn(() -> {
                try {
                    write(s, payload, new SplittableRandom(writerSeed));
                    return null;
                } catch (java.net.SocketTimeoutException e) {
                    gaveUp[0] = true; // how much of the last piece went out is unknown: stop here
                    s.shutdownOutput();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            try {
                read(s, got, r, withTimeouts, timeouts);
            } catch (IOException e) {
                error = e;
                s.close(); // wakes the writer
            }
            writer.join();
            if (error == null && writer.get() != null) {
                error = writer.get();
            }
            if (closer != null) {
                closer.kill();
            }
        }
        return new ClientResult(id, payload, got.toByteArray(), error, gaveUp[0], timeouts[0]);
    }

    private static void write(Socket s, byte[] payload, SplittableRandom r) throws IOException {
        ByteBuffer direct = ByteBuffer.allocateDirect(4096);
        int off = 0;
        while (off < payload.length) {
            int n = 1 + r.nextInt(Math.min(payload.length - off, r.nextBoolean() ? 8 : 4096));
            switch (r.nextInt(4)) {
                case 0 -> s.write(payload, off, n);
                case 1 -> s.write(direct.clear().put(payload, off, Math.min(n, direct.capacity())).flip());
                case 2 -> {
                    ByteBuf b = Unpooled.wrappedBuffer(payload, off, n);
                    s.write(b);
                }
                default -> s.getOutputStream().write(payload, off, n);
            }
            off += n;
            if (r.nextInt(4) == 0) {
                Gevent.sleep(Duration.ofNanos(r.nextLong(500_000)));
            }
        }
        s.shutdownOutput();
    }

    /**
     * Reads to the end. With timeouts, a read that times out (the socket's timeout, or a gevent Timeout
     * around it) leaves the socket usable: the next read goes on where it stopped.
     */
    private static void read(Socket s, ByteArrayOutputStream got, SplittableRandom r, boolean withTimeouts,
                             int[] timeouts) throws IOException {
        ByteBuffer direct = ByteBuffer.allocateDirect(4096);
        while (true) {
            int size = 1 + r.nextInt(r.nextBoolean() ? 8 : 4096);
            int n;
            io.gevent4j.Timeout t = withTimeouts && r.nextInt(3) == 0
                    ? io.gevent4j.Timeout.start(Duration.ofNanos(r.nextLong(50_000, 3_000_000))) : null;
            try {
                n = readOnce(s, got, r, direct, size);
            } catch (java.net.SocketTimeoutException e) {
                timeouts[0]++; // a reader that would wait forever hits the virtual time limit instead
                continue;
            } catch (io.gevent4j.Timeout e) {
                if (e != t) {
                    throw e;
                }
                timeouts[0]++;
                continue;
            } finally {
                if (t != null) {
                    t.cancel();
                }
            }
            if (n < 0) {
                return;
            }
        }
    }

    private static int readOnce(Socket s, ByteArrayOutputStream got, SplittableRandom r, ByteBuffer direct, int size)
            throws IOException {
        int n;
        {
            switch (r.nextInt(3)) {
                case 0 -> {
                    byte[] b = new byte[size];
                    n = s.read(b, 0, size);
                    if (n > 0) {
                        got.write(b, 0, n);
                    }
                }
                case 1 -> {
                    ByteBuffer b = r.nextBoolean() ? direct.clear().limit(size) : ByteBuffer.allocate(size);
                    n = s.read(b);
                    if (n > 0) {
                        byte[] a = new byte[n];
                        b.flip().get(a);
                        got.write(a, 0, n);
                    }
                }
                default -> {
                    ByteBuf b = Unpooled.buffer(size);
                    n = s.read(b);
                    if (n > 0) {
                        byte[] a = new byte[n];
                        b.readBytes(a);
                        got.write(a, 0, n);
                    }
                    b.release();
                }
            }
        }
        return n;
    }
}
