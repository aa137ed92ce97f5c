package io.gevent4j.net;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.hub.Hub;
import io.gevent4j.loop.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamServerTest {
    static final InetSocketAddress LOCAL = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    static final StreamServer.Handler ECHO = (s, addr) -> {
        ByteBuffer b = ByteBuffer.allocateDirect(4096);
        while (s.read(b.clear()) > 0) {
            s.write(b.flip());
        }
    };

    /** Blocking JDK client on a platform thread: sends n bytes, expects them back. */
    static Thread jdkEcho(int port, int n, List<Throwable> errors) {
        Thread t = new Thread(() -> {
            try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(10_000);
                byte[] data = new byte[n];
                for (int i = 0; i < n; i++) {
                    data[i] = (byte) i;
                }
                s.getOutputStream().write(data);
                byte[] back = new DataInputStream(s.getInputStream()).readNBytes(n);
                if (!java.util.Arrays.equals(data, back)) {
                    throw new AssertionError("echo mismatch");
                }
            } catch (Throwable e) {
                errors.add(e);
            }
        });
        t.start();
        return t;
    }

    static void joinWhileServing(List<Thread> threads) {
        for (Thread t : threads) {
            while (t.isAlive()) {
                Gevent.sleep(2);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void jdkBlockingClientsAgainstStreamServer(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            StreamServer server = new StreamServer(LOCAL, ECHO).start();
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                clients.add(jdkEcho(server.address().getPort(), 100_000, errors));
            }
            joinWhileServing(clients);
            server.stop(Duration.ofSeconds(1));
            assertEquals(List.of(), errors);
        });
    }

    @Test
    void handlerExceptionClosesOnlyItsConnection() throws Exception {
        OnHub.run(Backend.EPOLL, hub -> {
            StreamServer server = new StreamServer(LOCAL, (s, a) -> {
                byte[] b = new byte[1];
                s.readFully(b, 0, 1);
                if (b[0] == 'x') {
                    throw new IllegalStateException("handler fails on purpose (expected in this test)");
                }
                s.write(b);
            }).start();
            try (Socket bad = Socket.connect(server.address());
                 Socket good = Socket.connect(server.address())) {
                bad.write(new byte[] {'x'});
                assertEquals(-1, bad.read(ByteBuffer.allocate(1)), "failing handler's connection closed");
                good.write(new byte[] {'y'});
                ByteBuffer r = ByteBuffer.allocate(1);
                assertEquals(1, good.read(r));
                assertEquals('y', r.get(0));
            }
            try (Socket again = Socket.connect(server.address())) {
                again.write(new byte[] {'z'});
                assertEquals(1, again.read(ByteBuffer.allocate(1)), "server still serves");
            }
            server.stop();
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void stopWaitsForHandlersThenKillsTheRest(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            AtomicInteger finished = new AtomicInteger();
            StreamServer server = new StreamServer(LOCAL, (s, a) -> {
                byte[] b = new byte[1];
                s.readFully(b, 0, 1);
                Gevent.sleep(b[0] == 'q' ? 30 : 60_000);
                finished.incrementAndGet();
            }).start();
            InetSocketAddress addr = server.address();
            Socket quick = Socket.connect(addr);
            Socket slow = Socket.connect(addr);
            quick.write(new byte[] {'q'});
            slow.write(new byte[] {'s'});
            Gevent.sleep(10);
            assertEquals(2, server.connectionCount());
            long t0 = System.nanoTime();
            server.stop(Duration.ofMillis(200));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 150 && ms < 3000, "stop took " + ms + " ms");
            assertEquals(1, finished.get(), "the quick handler finished, the slow one was killed");
            assertEquals(0, server.connectionCount());
            assertEquals(-1, slow.read(ByteBuffer.allocate(1)), "killed handler's socket is closed");
            assertThrows(ConnectException.class, () -> Socket.connect(addr), "no longer listening");
            quick.close();
            slow.close();
        });
    }

    @Test
    void maxConnectionsLimitsConcurrentHandlers() throws Exception {
        OnHub.run(Backend.EPOLL, hub -> {
            AtomicInteger running = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            StreamServer server = new StreamServer(LOCAL, (s, a) -> {
                peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                Gevent.sleep(20);
                running.decrementAndGet();
                s.write(new byte[] {1});
            }).maxConnections(2).start();
            List<Greenlet<Integer>> clients = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                clients.add(Greenlet.spawn(() -> {
                    try (Socket s = Socket.connect(server.address())) {
                        return s.read(ByteBuffer.allocate(1));
                    }
                }));
            }
            Gevent.joinall(clients, Duration.ofSeconds(10));
            for (Greenlet<Integer> c : clients) {
                assertEquals(1, c.get(Duration.ZERO));
            }
            assertEquals(2, peak.get());
            server.stop();
        });
    }

    @Test
    void stopFromAnotherThreadEndsServeForever() throws Exception {
        for (int i = 0; i < 20; i++) { // the wake-up used to race with the hub going idle
            OnHub.run(Backend.EPOLL, hub -> {
                StreamServer server = new StreamServer(LOCAL, ECHO).start();
                Thread t = new Thread(() -> server.stop(Duration.ofSeconds(1)));
                t.start();
                server.serveForever(); // returns, no LoopExit
                assertTrue(!server.isStarted());
                t.join();
            });
        }
    }

    @Test
    void serveForeverReturnsWhenAHandlerStopsTheServer() throws Exception {
        OnHub.run(Backend.EPOLL, hub -> {
            StreamServer[] box = new StreamServer[1];
            box[0] = new StreamServer(LOCAL, (s, a) -> box[0].stop(Duration.ofSeconds(1)));
            box[0].start();
            Gevent.spawn(() -> {
                try (Socket s = Socket.connect(box[0].address())) {
                    s.read(ByteBuffer.allocate(1));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            box[0].serveForever();
            assertTrue(!box[0].isStarted());
        });
    }

    /** 10,000 (epoll) / 2,000 (nio) connections ending in resets from either side: no fd, no registration left. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void connectionsWithResetsLeakNoFileDescriptors(Backend backend) throws Exception {
        int total = backend == Backend.EPOLL ? 10_000 : 2_000;
        OnHub.run(backend, hub -> {
            // Warm-up: the JDK creates one static descriptor the first time NIO closes a registered channel.
            try (ServerSocket warm = ServerSocket.bind(LOCAL); Socket c = Socket.connect(warm.localAddress())) {
                warm.accept().close();
                c.read(ByteBuffer.allocate(1));
            }
            Gevent.sleep(10);
            int fds = OnHub.openFds();
            List<String> before = OnHub.fdTargets();
            int regs = hub.loop().ioSourceCount();
            AtomicInteger served = new AtomicInteger();
            StreamServer server = new StreamServer(LOCAL, (s, a) -> {
                byte[] b = new byte[1];
                s.readFully(b, 0, 1);
                served.incrementAndGet();
                if (b[0] == 'r') {
                    s.setSoLinger(0); // server resets the client
                    return;
                }
                try {
                    s.read(ByteBuffer.allocate(1)); // the client resets us
                } catch (SocketException expected) {
                    // "Connection reset by peer"
                }
            }).start();
            int workers = 50;
            AtomicInteger resetsSeen = new AtomicInteger();
            List<Greenlet<Void>> clients = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int id = w;
                clients.add(Greenlet.spawn(() -> {
                    for (int i = 0; i < total / workers; i++) {
                        try (Socket s = Socket.connect(server.address())) {
                            boolean serverResets = (i + id) % 2 == 0;
                            s.write(new byte[] {(byte) (serverResets ? 'r' : 'c')});
                            if (serverResets) {
                                try {
                                    s.read(ByteBuffer.allocate(1));
                                } catch (SocketException e) {
                                    resetsSeen.incrementAndGet();
                                }
                            } else {
                                s.setSoLinger(0);
                            }
                        }
                    }
                    return null;
                }));
            }
            Gevent.joinallOrThrow(clients, Duration.ofSeconds(40));
            server.stop(Duration.ofSeconds(2));
            Gevent.sleep(20);
            assertEquals(total, served.get());
            assertTrue(resetsSeen.get() > total / 4, "client saw resets: " + resetsSeen.get());
            assertEquals(regs, hub.loop().ioSourceCount(), "registrations");
            for (int i = 0; i < 50 && OnHub.openFds() > fds; i++) {
                Gevent.sleep(20); // NIO closes a channel's fd when its selector next deregisters it
            }
            List<String> after = OnHub.fdTargets();
            after.removeAll(before);
            assertEquals(fds, OnHub.openFds(), "open file descriptors; new: " + after);
        });
    }

    @Test
    void severalHubsWithReusePortEachAcceptTheirOwnConnections() throws Exception {
        Set<Hub> hubsSeen = ConcurrentHashMap.newKeySet();
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        StreamServer server = new StreamServer(LOCAL, (s, a) -> {
            hubsSeen.add(Hub.current());
            threads.add(s.hub().owner());
            ECHO.handle(s, a);
        }).hubs(2).start();
        try {
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                clients.add(jdkEcho(server.address().getPort(), 1000, errors));
            }
            for (Thread t : clients) {
                t.join(20_000);
            }
            assertEquals(List.of(), errors);
            assertEquals(2, hubsSeen.size(), "both hubs accepted connections");
            assertEquals(2, threads.size());
        } finally {
            server.stop(Duration.ofSeconds(1));
        }
        assertThrows(java.net.ConnectException.class,
                () -> new java.net.Socket(InetAddress.getLoopbackAddress(), server.address().getPort()).close());
    }

    @Test
    void socketOptionsApply() throws Exception {
        OnHub.run(Backend.EPOLL, hub -> {
            try (ServerSocket server = ServerSocket.bind(LOCAL, 16, true);
                 Socket s = Socket.connect(server.localAddress())) {
                s.setKeepAlive(true).setOption(StandardSocketOptions.SO_RCVBUF, 65536);
                assertTrue(s.getOption(StandardSocketOptions.SO_KEEPALIVE));
                assertTrue(s.getOption(StandardSocketOptions.SO_RCVBUF) >= 65536);
                assertTrue(s.getOption(StandardSocketOptions.TCP_NODELAY));
                s.setTcpNoDelay(false);
                assertTrue(!s.getOption(StandardSocketOptions.TCP_NODELAY));
                server.accept().close();
            }
        });
    }
}
