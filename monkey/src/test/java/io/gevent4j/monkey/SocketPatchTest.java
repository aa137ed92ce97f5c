package io.gevent4j.monkey;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** java.net.Socket / ServerSocket after {@link Monkey#patchSocket()}: in greenlets, on plain threads, across. */
@Timeout(30)
class SocketPatchTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @BeforeAll
    static void patch() {
        Monkey.patchAll();
    }

    @Test
    void patchAllIsIdempotentAndReportsWhatItChanged() {
        List<Monkey.Patch> again = Monkey.patchAll();
        assertEquals(List.of("socket", "dns", "sleep", "queue", "thread"), again.stream().map(Monkey.Patch::name).toList());
        assertEquals(Monkey.Outcome.ALREADY_PATCHED, again.get(0).outcome());
        assertFalse(again.get(0).changed());
        assertEquals(Monkey.Outcome.ALREADY_PATCHED, again.get(1).outcome());
        assertEquals(Monkey.Outcome.ALREADY_COOPERATIVE, again.get(2).outcome());
        assertTrue(Monkey.isPatched(Monkey.DNS));
        assertTrue(Monkey.isPatched(Monkey.SOCKET));
        assertTrue(Monkey.isPatched(Monkey.SLEEP));
        assertFalse(Monkey.isPatched("fileio"));
        assertEquals(Monkey.Outcome.ALREADY_PATCHED, Monkey.patchSocket().outcome());
    }

    /** After patchDns a lookup by name in a greenlet runs on the resolver pool, not on the hub's thread. */
    @Test
    void dnsLookupsInGreenletsLeaveTheHubThread() throws Exception {
        long before = GreenResolverProvider.OFFLOADED.get();
        String name = "no-such-host-" + System.nanoTime() + ".invalid";
        Greenlet<Throwable> g = Gevent.spawn(() -> {
            try {
                InetAddress.getByName(name);
                return null;
            } catch (java.net.UnknownHostException e) {
                return e;
            }
        });
        assertTrue(g.get() instanceof java.net.UnknownHostException, String.valueOf(g.get()));
        assertTrue(g.get().getMessage().contains(name), g.get().getMessage());
        assertEquals(before + 1, GreenResolverProvider.OFFLOADED.get());
        assertTrue(GreenResolverProvider.lastLookupThread.startsWith("gevent4j-monkey-dns-"),
                GreenResolverProvider.lastLookupThread);
        // Outside greenlets: the JDK's resolver, on the calling thread.
        assertThrows(java.net.UnknownHostException.class, () -> InetAddress.getByName("other-" + name));
        assertEquals(before + 1, GreenResolverProvider.OFFLOADED.get());
    }

    /** Many greenlets on one hub, each a java.net client of a java.net server greenlet: all progress. */
    @Test
    void manyGreenletsTalkThroughJavaNetSocketsOnOneHub() throws Exception {
        ServerSocket server = Gevent.spawn(() -> new ServerSocket(0, 100, LOOPBACK)).get();
        int port = server.getLocalPort();
        assertTrue(port > 0);
        assertEquals(LOOPBACK, server.getInetAddress());
        int n = 50;
        Greenlet<Void> acceptor = Gevent.spawn(() -> {
            for (int i = 0; i < n; i++) {
                Socket c = server.accept();
                Gevent.spawn(() -> {
                    try (c; var in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                         var out = new PrintWriter(c.getOutputStream(), true, StandardCharsets.UTF_8)) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            out.println("echo " + line);
                        }
                    }
                    return null;
                });
            }
            return null;
        });
        List<Greenlet<List<String>>> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = i;
            clients.add(Gevent.spawn(() -> {
                try (Socket s = new Socket(LOOPBACK, port);
                     var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                     var out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
                    assertEquals(port, s.getPort());
                    assertEquals(LOOPBACK, s.getInetAddress());
                    assertTrue(s.getLocalPort() > 0);
                    List<String> got = new ArrayList<>();
                    for (int k = 0; k < 3; k++) {
                        out.println(id + "-" + k);
                        Thread.sleep(1); // interleave with the others
                        got.add(in.readLine());
                    }
                    return got;
                }
            }));
        }
        for (int i = 0; i < n; i++) {
            assertEquals(List.of("echo " + i + "-0", "echo " + i + "-1", "echo " + i + "-2"), clients.get(i).get());
        }
        acceptor.get();
        server.close();
        assertTrue(server.isClosed());
    }

    @Test
    void soTimeoutLimitsReadsAndTheSocketStaysUsable() throws Exception {
        Gevent.spawn(() -> {
            try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK)) {
                Greenlet<Void> peer = Gevent.spawn(() -> {
                    try (Socket c = server.accept()) {
                        Thread.sleep(200);
                        c.getOutputStream().write(42);
                        assertEquals(-1, c.getInputStream().read()); // the client closes
                    }
                    return null;
                });
                try (Socket s = new Socket()) {
                    s.setSoTimeout(20);
                    assertEquals(20, s.getSoTimeout());
                    s.connect(new InetSocketAddress(LOOPBACK, server.getLocalPort()), 1000);
                    InputStream in = s.getInputStream();
                    assertThrows(SocketTimeoutException.class, in::read);
                    s.setSoTimeout(0);
                    assertEquals(42, in.read());
                }
                peer.get();
            }
            return null;
        }).get();
    }

    @Test
    void serverSoTimeoutLimitsAccept() throws Exception {
        Gevent.spawn(() -> {
            try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK)) {
                server.setSoTimeout(20);
                assertThrows(SocketTimeoutException.class, server::accept);
            }
            return null;
        }).get();
    }

    @Test
    void optionsSetBeforeConnectingApplyAfterwards() throws Exception {
        Gevent.spawn(() -> {
            try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK); Socket s = new Socket()) {
                assertFalse(s.getTcpNoDelay()); // the JDK's default
                s.setTcpNoDelay(true);
                s.setKeepAlive(true);
                s.setSoLinger(true, 0);
                s.connect(new InetSocketAddress(LOOPBACK, server.getLocalPort()));
                try (Socket accepted = server.accept()) {
                    assertTrue(s.getTcpNoDelay());
                    assertTrue(s.getKeepAlive());
                    assertEquals(0, s.getSoLinger());
                    assertFalse(accepted.getTcpNoDelay());
                    assertEquals(s.getLocalPort(), accepted.getPort());
                    assertEquals(LOOPBACK, s.getLocalAddress());
                }
            }
            return null;
        }).get();
    }

    @Test
    void refusedConnectionIsAConnectException() throws Exception {
        int closedPort;
        try (ServerSocket probe = Monkey.originalServerSocket()) {
            probe.bind(new InetSocketAddress(LOOPBACK, 0));
            closedPort = probe.getLocalPort();
        }
        Greenlet<Throwable> g = Gevent.spawn(() -> {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(LOOPBACK, closedPort), 1000);
                return null;
            } catch (IOException e) {
                assertTrue(s.isClosed(), "a failed connect closes the socket, as on the JDK");
                return e;
            }
        });
        assertTrue(g.get() instanceof ConnectException, String.valueOf(g.get()));
    }

    @Test
    @SuppressWarnings("try") // closes a resource early on purpose
    void endOfStreamAndShutdownOutput() throws Exception {
        Gevent.spawn(() -> {
            try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK); Socket s = new Socket(LOOPBACK, server.getLocalPort());
                 Socket peer = server.accept()) {
                s.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                assertArrayEquals("bye".getBytes(StandardCharsets.US_ASCII), peer.getInputStream().readAllBytes());
                peer.close();
                assertEquals(-1, s.getInputStream().read());
            }
            return null;
        }).get();
    }

    /** A greenlet blocked reading is woken with a SocketException when another greenlet closes the socket. */
    @Test
    @SuppressWarnings("try") // closes a resource early on purpose
    void closeWakesABlockedReader() throws Exception {
        Gevent.spawn(() -> {
            try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK); Socket s = new Socket(LOOPBACK, server.getLocalPort());
                 Socket peer = server.accept()) {
                Greenlet<Throwable> reader = Gevent.spawn(() -> {
                    try {
                        s.getInputStream().read();
                        return null;
                    } catch (IOException e) {
                        return e;
                    }
                });
                Thread.sleep(20);
                s.close();
                assertTrue(reader.get() instanceof SocketException, String.valueOf(reader.get()));
                assertTrue(peer.isConnected());
            }
            return null;
        }).get();
    }

    /**
     * Interrupting a greenlet blocked on a patched socket neither wakes it nor freezes the hub: the
     * others keep running, the read completes when data comes, and the interrupt status is kept.
     */
    @Test
    void interruptingAGreenletBlockedOnASocketKeepsTheHubRunning() throws Exception {
        Gevent.spawn(() -> {
            try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK); Socket s = new Socket(LOOPBACK, server.getLocalPort());
                 Socket peer = server.accept()) {
                AtomicReference<Thread> readerThread = new AtomicReference<>();
                Greenlet<String> reader = Gevent.spawn(() -> {
                    readerThread.set(Thread.currentThread());
                    int b = s.getInputStream().read();
                    return b + " interrupted=" + Thread.currentThread().isInterrupted();
                });
                Thread.sleep(20);
                readerThread.get().interrupt();
                Thread.sleep(20); // this greenlet still runs: the hub is not frozen
                assertFalse(reader.ready());
                peer.getOutputStream().write(7);
                assertEquals("7 interrupted=true", reader.get());
            }
            return null;
        }).get();
    }

    /** Outside greenlets nothing changes: plain threads get the JDK's sockets, blocking as before. */
    @Test
    void plainThreadsStillGetTheJdkSockets() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK)) {
            Future<String> srv = pool.submit(() -> {
                try (Socket c = server.accept()) {
                    return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                }
            });
            Future<Boolean> cli = pool.submit(() -> {
                try (Socket s = new Socket(LOOPBACK, server.getLocalPort())) {
                    s.getOutputStream().write("plain".getBytes(StandardCharsets.UTF_8));
                    s.setSoTimeout(10);
                    assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
                    return true;
                }
            });
            assertTrue(cli.get());
            assertEquals("plain", srv.get());
        } finally {
            pool.shutdownNow();
        }
    }

    /** A greenlet that serves an echo on every connection it accepts, until the server closes. */
    private static Greenlet<Void> echoServer(ServerSocket server) {
        return Gevent.spawn(() -> {
            while (true) {
                Socket c;
                try {
                    c = server.accept();
                } catch (SocketException closed) {
                    return null;
                }
                Gevent.spawn(() -> {
                    try (c) {
                        InputStream in = c.getInputStream();
                        OutputStream out = c.getOutputStream();
                        for (int b; (b = in.read()) >= 0; ) {
                            out.write(b);
                        }
                    }
                    return null;
                });
            }
        });
    }

    /**
     * A cooperative socket works from any thread, as a connection pool uses it: opened in a greenlet,
     * then used by a platform thread (the call runs on the socket's hub while the thread waits).
     */
    @Test
    void aGreenletSocketWorksFromAPlatformThread() throws Exception {
        ExecutorService platform = Executors.newFixedThreadPool(2);
        try (ServerSocket server = Gevent.spawn(() -> new ServerSocket(0, 10, LOOPBACK)).get()) {
            echoServer(server);
            long before = GreenSocketImpl.CONNECTIONS.get();
            Socket s = Gevent.spawn(() -> new Socket(LOOPBACK, server.getLocalPort())).get();
            assertTrue(GreenSocketImpl.CONNECTIONS.get() > before, "made in a greenlet: cooperative");
            s.setSoTimeout(5_000);
            Future<String> f = platform.submit(() -> {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < 5; i++) {
                    s.getOutputStream().write('a' + i);
                    b.append((char) s.getInputStream().read());
                }
                s.setSoTimeout(30);
                try {
                    s.getInputStream().read();
                    b.append(" no timeout");
                } catch (SocketTimeoutException expected) {
                    b.append(" timed out");
                }
                return b.toString();
            });
            // the hub must run meanwhile: wait in a greenlet (a JDK wait there parks only the greenlet)
            assertEquals("abcde timed out", Gevent.spawn(() -> f.get()).get());
            Future<Boolean> closed = platform.submit(() -> {
                s.close(); // closing works from anywhere
                return s.isClosed();
            });
            assertTrue(Gevent.spawn(() -> closed.get()).get());
        } finally {
            platform.shutdownNow();
        }
    }

    /** accept() on a cooperative ServerSocket from a platform thread hands out a cooperative socket of its hub. */
    @Test
    void aPlatformThreadAcceptsOnACooperativeServerSocket() throws Exception {
        ExecutorService platform = Executors.newSingleThreadExecutor();
        try (ServerSocket server = Gevent.spawn(() -> new ServerSocket(0, 10, LOOPBACK)).get()) {
            long before = GreenSocketImpl.CONNECTIONS.get();
            Future<String> accepted = platform.submit(() -> {
                try (Socket c = server.accept()) {
                    int b = c.getInputStream().read();
                    c.getOutputStream().write(b + 1);
                    return "got " + b;
                }
            });
            Greenlet<Integer> client = Gevent.spawn(() -> {
                try (Socket s = new Socket(LOOPBACK, server.getLocalPort())) {
                    s.getOutputStream().write(41);
                    return s.getInputStream().read();
                }
            });
            assertEquals(42, client.get());
            assertEquals("got 41", Gevent.spawn(() -> accepted.get()).get());
            assertEquals(before + 2, GreenSocketImpl.CONNECTIONS.get(), "both ends cooperative");
        } finally {
            platform.shutdownNow();
        }
    }

    /** Closed by a platform thread while a greenlet is blocked on it: the error names the thread. */
    @Test
    void closeFromAPlatformThreadWakesAGreenletAndSaysWhoClosedIt() throws Exception {
        Gevent.spawn(() -> {
            try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK); Socket s = new Socket(LOOPBACK, server.getLocalPort());
                 Socket peer = server.accept()) {
                Greenlet<Throwable> reader = Gevent.spawn(() -> {
                    try {
                        s.getInputStream().read();
                        return null;
                    } catch (IOException e) {
                        return e;
                    }
                });
                Thread.sleep(20);
                Thread closer = Thread.ofPlatform().name("the-closer").start(() -> {
                    try {
                        s.close();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                closer.join();
                Throwable e = reader.get();
                assertTrue(e instanceof SocketException && e.getMessage().contains("by thread 'the-closer'"), String.valueOf(e));
                assertTrue(peer.isConnected());
            }
            return null;
        }).get();
    }

    /** An executor task (a virtual thread the hub adopted) keeps the JDK's contract: an interrupt closes its socket. */
    @Test
    void interruptingAnExecutorTaskBlockedOnAPatchedSocketClosesIt() throws Exception {
        String outcome = Gevent.spawn(() -> {
            try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK)) {
                ExecutorService tasks = Executors.newVirtualThreadPerTaskExecutor();
                long before = GreenSocketImpl.CONNECTIONS.get();
                java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
                Future<String> f = tasks.submit(() -> {
                    try (Socket s = new Socket(LOOPBACK, server.getLocalPort())) {
                        reading.countDown();
                        return "read " + s.getInputStream().read();
                    } catch (SocketException e) {
                        return e.getMessage() + ", interrupted=" + Thread.currentThread().isInterrupted();
                    }
                });
                try (Socket peer = server.accept()) {
                    reading.await();
                    Thread.sleep(20);
                    assertEquals(before + 2, GreenSocketImpl.CONNECTIONS.get(), "the task's socket is cooperative too");
                    tasks.shutdownNow();
                    tasks.close();
                    return f.get();
                }
            }
        }).get();
        assertEquals("Closed by interrupt, interrupted=true", outcome);
    }

    /**
     * A virtual thread started by a greenlet (Thread.ofVirtual, a virtual-thread executor) is a greenlet
     * of the same hub: it uses the sockets the greenlet accepted.
     */
    @Test
    void virtualThreadsStartedByAGreenletUseItsSockets() throws Exception {
        List<String> replies = Gevent.spawn(() -> {
            try (ServerSocket server = new ServerSocket(0, 10, LOOPBACK)) {
                Greenlet<Void> acceptor = Gevent.spawn(() -> {
                    try (ExecutorService perClient = Executors.newVirtualThreadPerTaskExecutor()) {
                        for (int i = 0; i < 3; i++) {
                            Socket c = server.accept();
                            perClient.submit(() -> {
                                try (c) {
                                    int b = c.getInputStream().read();
                                    Thread.sleep(10);
                                    c.getOutputStream().write(b + 1);
                                }
                                return null;
                            });
                        }
                    }
                    return null;
                });
                List<Greenlet<String>> cs = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    int v = i * 10;
                    cs.add(Gevent.spawn(() -> {
                        try (Socket s = new Socket(LOOPBACK, server.getLocalPort())) {
                            OutputStream out = s.getOutputStream();
                            out.write(v);
                            return v + "->" + s.getInputStream().read();
                        }
                    }));
                }
                List<String> r = new ArrayList<>();
                for (var c : cs) {
                    r.add(c.get());
                }
                acceptor.get();
                return r;
            }
        }).get();
        assertEquals(List.of("0->1", "10->11", "20->21"), replies);
    }

    @Test
    void factoriesHandOutCooperativeSocketsInGreenletsWithoutThePatchToo() throws Exception {
        String got = Gevent.spawn(() -> {
            try (ServerSocket server = CooperativeServerSocketFactory.getDefault().createServerSocket(0, 10, LOOPBACK)) {
                assertTrue(server instanceof CooperativeServerSocketFactory.CooperativeServerSocket);
                Greenlet<String> srv = Gevent.spawn(() -> {
                    try (Socket c = server.accept()) {
                        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    }
                });
                try (Socket s = CooperativeSocketFactory.getDefault().createSocket(LOOPBACK, server.getLocalPort())) {
                    assertTrue(s instanceof CooperativeSocketFactory.CooperativeSocket);
                    s.getOutputStream().write("factory".getBytes(StandardCharsets.UTF_8));
                }
                return srv.get();
            }
        }).get();
        assertEquals("factory", got);
        // Outside greenlets: the JDK's default sockets.
        try (Socket s = CooperativeSocketFactory.getDefault().createSocket()) {
            assertFalse(s instanceof CooperativeSocketFactory.CooperativeSocket);
        }
    }

    @Test
    void originalsAreTheJdkSocketsEvenInAGreenlet() throws Exception {
        String got = Gevent.spawn(() -> {
            javax.net.ServerSocketFactory ssf = (javax.net.ServerSocketFactory) Monkey.original("serversocket");
            javax.net.SocketFactory sf = (javax.net.SocketFactory) Monkey.original(Monkey.SOCKET);
            try (ServerSocket server = ssf.createServerSocket(0, 10, LOOPBACK)) {
                Greenlet<String> srv = Gevent.spawn(() -> {
                    try (Socket c = server.accept()) {
                        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    }
                });
                try (Socket s = sf.createSocket(LOOPBACK, server.getLocalPort())) {
                    s.getOutputStream().write("jdk".getBytes(StandardCharsets.UTF_8));
                }
                return srv.get();
            }
        }).get();
        assertEquals("jdk", got);
        assertThrows(IllegalArgumentException.class, () -> Monkey.original("nope"));
    }
}
