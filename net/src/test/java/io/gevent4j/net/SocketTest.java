package io.gevent4j.net;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.hub.GreenletExit;
import io.gevent4j.loop.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cooperative Socket and ServerSocket on loopback, on epoll and on NIO. */
class SocketTest {
    static final InetAddress V4 = InetAddress.getLoopbackAddress();

    static InetSocketAddress any(String ip) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), 0);
    }

    /** Echo server greenlet: echoes until EOF on each connection. */
    static Greenlet<Void> echo(ServerSocket server) {
        return Greenlet.spawn(() -> {
            while (true) {
                Socket c;
                try {
                    c = server.accept();
                } catch (SocketException closed) {
                    return null;
                }
                Gevent.spawn(() -> {
                    try (c) {
                        ByteBuffer b = ByteBuffer.allocateDirect(4096);
                        while (c.read(b.clear()) > 0) {
                            c.write(b.flip());
                        }
                    } catch (Exception e) {
                        // connection ends
                    }
                });
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void echoRoundTripOnIpv4AndIpv6(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            for (String ip : List.of("127.0.0.1", "::1")) {
                try (ServerSocket server = ServerSocket.bind(any(ip))) {
                    echo(server);
                    try (Socket s = Socket.connect(server.localAddress())) {
                        assertTrue(s.getOption(java.net.StandardSocketOptions.TCP_NODELAY));
                        byte[] msg = ("hello over " + ip).getBytes(StandardCharsets.UTF_8);
                        s.write(msg);
                        byte[] back = new byte[msg.length];
                        s.readFully(back, 0, back.length);
                        assertArrayEquals(msg, back);
                        assertEquals(server.port(), s.remoteAddress().getPort());
                    }
                }
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void manyGreenletsEchoConcurrentlyAndLargeTransfersArriveWhole(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(any("127.0.0.1"))) {
                echo(server);
                List<Greenlet<Boolean>> clients = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    int size = i == 0 ? 4 << 20 : 1000 + i; // one 4 MiB transfer among small ones
                    clients.add(Gevent.spawn(() -> {
                        try (Socket s = Socket.connect(server.localAddress())) {
                            byte[] data = new byte[size];
                            for (int k = 0; k < size; k++) {
                                data[k] = (byte) (k * 31 + size);
                            }
                            Greenlet<Void> writer = Gevent.spawn(() -> {
                                try {
                                    s.write(ByteBuffer.wrap(data));
                                } catch (Exception e) {
                                    throw new RuntimeException(e);
                                }
                            });
                            byte[] back = new byte[size];
                            s.readFully(back, 0, size);
                            writer.get();
                            return java.util.Arrays.equals(data, back);
                        }
                    }));
                }
                Gevent.joinall(clients, Duration.ofSeconds(30));
                for (Greenlet<Boolean> c : clients) {
                    assertTrue(c.get(Duration.ZERO), c.toString());
                }
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void jdkBlockingClientOnPlatformThreadAgainstOurServer(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(any("127.0.0.1"))) {
                AtomicReference<String> reply = new AtomicReference<>();
                AtomicReference<Throwable> err = new AtomicReference<>();
                Thread client = new Thread(() -> {
                    try (java.net.Socket s = new java.net.Socket(V4, server.port())) {
                        s.setSoTimeout(10_000);
                        PrintWriter w = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
                        BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                        w.println("ping");
                        reply.set(r.readLine());
                    } catch (Throwable t) {
                        err.set(t);
                    }
                });
                client.start();
                try (Socket c = server.accept()) {
                    // Stream code works unchanged on the cooperative socket.
                    BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                    String line = r.readLine();
                    c.getOutputStream().write(("pong:" + line + "\n").getBytes(StandardCharsets.UTF_8));
                    // Wait for the client without blocking the hub thread.
                    while (client.isAlive()) {
                        Gevent.sleep(5);
                    }
                }
                if (err.get() != null) {
                    throw new AssertionError(err.get());
                }
                assertEquals("pong:ping", reply.get());
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void ourClientAgainstJdkServerSocket(Backend backend) throws Exception {
        try (java.net.ServerSocket jdk = new java.net.ServerSocket(0, 50, V4)) {
            Thread server = new Thread(() -> {
                try (java.net.Socket c = jdk.accept()) {
                    byte[] buf = new byte[5];
                    c.getInputStream().readNBytes(buf, 0, 5);
                    c.getOutputStream().write(new String(buf, StandardCharsets.US_ASCII).toUpperCase().getBytes(StandardCharsets.US_ASCII));
                } catch (Exception e) {
                    // the test fails on the client side
                }
            });
            server.start();
            OnHub.run(backend, hub -> {
                try (Socket s = Sockets.createConnection("127.0.0.1", jdk.getLocalPort(), Duration.ofSeconds(5), null)) {
                    s.write("hello".getBytes(StandardCharsets.US_ASCII));
                    byte[] back = s.getInputStream().readNBytes(5);
                    assertEquals("HELLO", new String(back, StandardCharsets.US_ASCII));
                    assertEquals(-1, s.read(ByteBuffer.allocate(1)), "server closed: EOF");
                }
            });
            server.join(10_000);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void readTimeoutThrowsAndLeavesSocketUsable(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(any("127.0.0.1"));
                 Socket s = Socket.connect(server.localAddress());
                 Socket peer = server.accept()) {
                s.setTimeout(Duration.ofMillis(50));
                long t0 = System.nanoTime();
                SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> s.read(ByteBuffer.allocate(8)));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms >= 45 && ms < 2000, "took " + ms + " ms");
                assertTrue(e.getMessage().contains("read timed out"), e.getMessage());
                assertFalse(s.isClosed());
                peer.write(new byte[] {42});
                ByteBuffer b = ByteBuffer.allocate(8);
                assertEquals(1, s.read(b));
                assertEquals(42, b.get(0));
                // zero timeout: never waits
                s.setTimeout(Duration.ZERO);
                assertThrows(SocketTimeoutException.class, () -> s.read(ByteBuffer.allocate(8)));
                // accept honours its timeout too
                server.setTimeout(Duration.ofMillis(20));
                assertThrows(SocketTimeoutException.class, server::accept);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void geventTimeoutInterruptsABlockedReadAndTheSocketStaysUsable(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(any("127.0.0.1"));
                 Socket s = Socket.connect(server.localAddress());
                 Socket peer = server.accept()) {
                io.gevent4j.Timeout t = io.gevent4j.Timeout.start(Duration.ofMillis(30));
                try {
                    s.read(ByteBuffer.allocate(4));
                    throw new AssertionError("read returned");
                } catch (io.gevent4j.Timeout e) {
                    assertTrue(e == t, "our own timeout");
                } finally {
                    t.cancel();
                }
                peer.write(new byte[] {5});
                ByteBuffer b = ByteBuffer.allocate(4);
                assertEquals(1, s.read(b));
                assertEquals(5, b.get(0));
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void connectionRefusedIsConnectException(Backend backend) throws Exception {
        int port;
        try (java.net.ServerSocket tmp = new java.net.ServerSocket(0, 1, V4)) {
            port = tmp.getLocalPort();
        }
        OnHub.run(backend, hub -> {
            int before = hub.loop().ioSourceCount();
            ConnectException e = assertThrows(ConnectException.class,
                    () -> Socket.connect(new InetSocketAddress(V4, port), Duration.ofSeconds(5), null));
            assertNotNull(e.getMessage());
            assertEquals(before, hub.loop().ioSourceCount(), "failed connect leaves no registration");
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void peerResetIsClearSocketException(Backend backend) throws Exception {
        try (java.net.ServerSocket jdk = new java.net.ServerSocket(0, 50, V4)) {
            Thread server = new Thread(() -> {
                try {
                    java.net.Socket c = jdk.accept();
                    c.getInputStream().read(); // wait for the client's byte, then reset
                    c.setSoLinger(true, 0);
                    c.close();
                } catch (Exception e) {
                    // the client side asserts
                }
            });
            server.start();
            OnHub.run(backend, hub -> {
                try (Socket s = Socket.connect(new InetSocketAddress(V4, jdk.getLocalPort()))) {
                    s.write(new byte[] {1});
                    SocketException e = assertThrows(SocketException.class, () -> {
                        ByteBuffer b = ByteBuffer.allocate(16);
                        while (s.read(b.clear()) >= 0) {
                            // keep reading until the reset arrives
                        }
                        throw new AssertionError("EOF instead of reset");
                    });
                    assertTrue(e.getMessage().contains("Connection reset"), e.getMessage());
                }
            });
            server.join(10_000);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void eofInTheMiddleOfReadFullyAndHalfClose(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(any("127.0.0.1"));
                 Socket s = Socket.connect(server.localAddress());
                 Socket peer = server.accept()) {
                peer.write(new byte[] {1, 2, 3});
                peer.shutdownOutput(); // half-close: peer can still read
                byte[] buf = new byte[10];
                EOFException e = assertThrows(EOFException.class, () -> s.readFully(buf, 0, 10));
                assertTrue(e.getMessage().contains("after 3 of 10 bytes"), e.getMessage());
                assertEquals(3, buf[2]);
                s.write(new byte[] {9});
                ByteBuffer b = ByteBuffer.allocate(4);
                assertEquals(1, peer.read(b));
                assertEquals(9, b.get(0));
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void closeFromAnotherGreenletWakesEveryBlockedGreenlet(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            int before = hub.loop().ioSourceCount();
            ServerSocket server = ServerSocket.bind(any("127.0.0.1"));
            Socket s = Socket.connect(server.localAddress());
            Socket peer = server.accept();
            ServerSocket idle = ServerSocket.bind(any("127.0.0.1"));
            Greenlet<Throwable> reader = Gevent.spawn(() -> catching(() -> s.read(ByteBuffer.allocate(8))));
            Greenlet<Throwable> writer = Gevent.spawn(() -> catching(() -> {
                s.write(ByteBuffer.allocate(64 << 20)); // far more than the socket buffers hold
                return 0;
            }));
            Greenlet<Throwable> acceptor = Gevent.spawn(() -> catching(idle::accept));
            Gevent.sleep(50);
            assertFalse(reader.ready());
            assertFalse(writer.ready());
            assertFalse(acceptor.ready());
            Gevent.spawn(() -> {
                s.close();
                idle.close();
            });
            for (Greenlet<Throwable> g : List.of(reader, writer, acceptor)) {
                Throwable t = g.get(Duration.ofSeconds(5));
                assertInstanceOf(SocketException.class, t);
                assertTrue(t.getMessage().startsWith("Socket closed"), t.getMessage());
            }
            assertThrows(SocketException.class, () -> s.read(ByteBuffer.allocate(1)));
            peer.close();
            server.close();
            assertEquals(before, hub.loop().ioSourceCount());
        });
    }

    /** The JDK creates one static descriptor the first time NIO closes a registered channel: do that first. */
    static void warmUp() throws Exception {
        try (ServerSocket warm = ServerSocket.bind(any("127.0.0.1")); Socket c = Socket.connect(warm.localAddress())) {
            warm.accept().close();
            c.read(ByteBuffer.allocate(1));
        }
        Gevent.sleep(10);
    }

    interface Op {
        Object run() throws Exception;
    }

    static Throwable catching(Op op) {
        try {
            op.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void killInTheMiddleOfWriteLeavesNoRegistrationBehind(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            warmUp();
            int regs = hub.loop().ioSourceCount();
            int fds = OnHub.openFds();
            try (ServerSocket server = ServerSocket.bind(any("127.0.0.1"))) {
                List<Greenlet<Void>> writers = new ArrayList<>();
                List<Socket> peers = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    Socket s = Socket.connect(server.localAddress());
                    peers.add(server.accept()); // never reads
                    writers.add(Gevent.spawn(() -> {
                        try (s) {
                            s.write(ByteBuffer.allocateDirect(32 << 20));
                        } catch (java.io.IOException e) {
                            throw new RuntimeException(e);
                        }
                    }));
                }
                Gevent.sleep(50);
                for (Greenlet<Void> w : writers) {
                    assertFalse(w.ready(), "writer blocked on a full send buffer");
                }
                Gevent.killall(writers);
                for (Greenlet<Void> w : writers) {
                    assertInstanceOf(GreenletExit.class, w.killedBy());
                }
                peers.forEach(Socket::close);
            }
            Gevent.sleep(10); // NIO closes a registered channel's fd at its next select
            assertEquals(regs, hub.loop().ioSourceCount());
            assertEquals(fds, OnHub.openFds());
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void byteBufPathsReadAndWriteWithoutCopies(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(any("127.0.0.1"));
                 Socket s = Socket.connect(server.localAddress());
                 Socket peer = server.accept()) {
                ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(1000);
                ByteBuf heap = Unpooled.buffer(1000);
                ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(2000);
                try {
                    for (int i = 0; i < 1000; i++) {
                        out.writeByte(i);
                        heap.writeByte(-i);
                    }
                    s.write(out);
                    s.write(heap);
                    assertEquals(0, out.readableBytes());
                    while (in.readableBytes() < 2000) {
                        assertTrue(peer.read(in) > 0);
                    }
                    assertEquals((byte) 999, in.getByte(999));
                    assertEquals((byte) -999, in.getByte(1999));
                } finally {
                    out.release();
                    in.release();
                }
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void selectAndWaitRead(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(any("127.0.0.1"));
                 Socket a = Socket.connect(server.localAddress());
                 Socket pa = server.accept();
                 Socket b = Socket.connect(server.localAddress());
                 Socket pb = server.accept()) {
                int regs = hub.loop().ioSourceCount();
                Sockets.Selected none = Sockets.select(List.of(a, b), List.of(), Duration.ofMillis(20));
                assertTrue(none.isEmpty());
                Gevent.spawnLater(Duration.ofMillis(10), () -> {
                    try {
                        pb.write(new byte[] {7});
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                Sockets.Selected sel = Sockets.select(List.of(a, b), List.of(pa), Duration.ofSeconds(5));
                assertTrue(sel.readable().contains(b) || sel.writable().contains(pa));
                Sockets.Selected r = Sockets.select(List.of(a, b), List.of(), Duration.ofSeconds(5));
                assertEquals(List.of(b), r.readable());
                assertEquals(regs, hub.loop().ioSourceCount(), "select leaves no watcher behind");
                if (backend == Backend.EPOLL) {
                    Sockets.waitRead(b.fileno(), Duration.ofSeconds(1));
                    assertThrows(SocketTimeoutException.class, () -> Sockets.waitRead(a.fileno(), Duration.ofMillis(20)));
                }
            }
        });
    }

    /**
     * A peer that resets the connection: shutdownOutput/shutdownInput afterwards return quietly on
     * every backend (Netty's native socket reported ENOTCONN as an unchecked NotYetConnectedException,
     * which reached the HTTP server's log as an ERROR with a stack).
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void shutdownAfterAPeerResetThrowsNothingUnchecked(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(any("127.0.0.1"))) {
                Socket client = Socket.connect(server.localAddress());
                Socket accepted = server.accept();
                client.setSoLinger(0);
                client.close(); // RST
                byte[] b = new byte[16];
                assertThrows(SocketException.class, () -> accepted.read(b, 0, b.length), "the reset is seen");
                accepted.shutdownOutput();
                accepted.shutdownInput();
                accepted.close();
                assertThrows(SocketException.class, accepted::shutdownOutput, "closed: the declared exception");
            }
        });
    }
}
