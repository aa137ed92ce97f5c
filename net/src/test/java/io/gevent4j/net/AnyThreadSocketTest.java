package io.gevent4j.net;

import io.gevent4j.Event;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Timeout;
import io.gevent4j.hub.Hub;
import io.gevent4j.loop.Backend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cooperative socket works from any thread: its hub's greenlets park on it; a platform thread (a
 * pool's maintenance thread) or a greenlet of another hub has the call run on the socket's hub and
 * waits for it - never a "wrong thread" error. Closing works from anywhere and says who closed it.
 */
class AnyThreadSocketTest {
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

    /** Runs {@code body} on a new platform thread and returns what it returns (or throws). */
    private static <T> CompletableFuture<T> onPlatformThread(String name, java.util.concurrent.Callable<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofPlatform().name(name).daemon().start(() -> {
            try {
                f.complete(body.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** The owner thread runs its hub (cooperatively) until {@code f} is done. */
    private static <T> T awaitOnHub(CompletableFuture<T> f) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!f.isDone()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not done in 20 s");
            }
            Gevent.sleep(2);
        }
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw e;
        }
    }

    private static String readFour(Socket s) throws Exception {
        byte[] b = new byte[4];
        s.readFully(b, 0, 4);
        return new String(b, StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void aPlatformThreadReadsAndWritesASocketOfAHub(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(SocketTest.any("127.0.0.1"));
                 Socket s = Socket.connect(server.localAddress())) {
                SocketTest.echo(server);
                String got = awaitOnHub(onPlatformThread("pool-thread", () -> {
                    StringBuilder all = new StringBuilder();
                    for (int i = 0; i < 20; i++) {
                        s.write(PING);
                        all.append(readFour(s));
                    }
                    // byte-array and buffer reads alike, with a per-call limit that is not reached
                    s.write(PING);
                    ByteBuffer b = ByteBuffer.allocate(4);
                    while (b.hasRemaining()) {
                        s.read(b, Duration.ofSeconds(10));
                    }
                    return all.append(new String(b.array(), StandardCharsets.US_ASCII)).toString();
                }));
                assertEquals("ping".repeat(21), got);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL"})
    void aGreenletOfAnotherHubWaitsCooperativelyOnItsOwnHub(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(SocketTest.any("127.0.0.1"));
                 Socket s = Socket.connect(server.localAddress())) {
                Greenlet<Socket> accepted = Gevent.spawn(() -> server.accept());
                Socket peer = accepted.get();
                CompletableFuture<String> other = onPlatformThread("other-hub", () -> Gevent.run(() -> {
                    AtomicLong ticks = new AtomicLong();
                    Greenlet<Void> ticker = Gevent.spawn(() -> {
                        while (true) {
                            Gevent.sleep(1);
                            ticks.incrementAndGet();
                        }
                    });
                    String read = readFour(s); // the peer answers only after we told it to, below
                    ticker.kill();
                    return read + " ticks>0=" + (ticks.get() > 0);
                }));
                Gevent.sleep(30);
                peer.write(PING);
                assertEquals("ping ticks>0=true", awaitOnHub(other));
                peer.close();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL"})
    void closingFromAPlatformThreadWakesABlockedGreenletAndSaysWhoClosedIt(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(SocketTest.any("127.0.0.1"));
                 Socket s = Socket.connect(server.localAddress())) {
                Socket peer = Gevent.spawn(() -> server.accept()).get();
                Greenlet<Exception> reader = Gevent.spawn(() -> {
                    try {
                        s.read(ByteBuffer.allocate(10));
                        return null;
                    } catch (SocketException e) {
                        return e;
                    }
                });
                Gevent.sleep(10);
                boolean closedAtOnce = awaitOnHub(onPlatformThread("closer", () -> {
                    s.close();
                    return s.isClosed();
                }));
                assertTrue(closedAtOnce, "closed for every later call as soon as close() returns");
                Exception e = reader.get();
                assertTrue(e != null && e.getMessage().contains("Socket closed (by thread 'closer'"), String.valueOf(e));
                assertThrows(SocketException.class, () -> s.write(PING));
                peer.close();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL"})
    void closingFromAGreenletWakesAPlatformThreadBlockedReading(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(SocketTest.any("127.0.0.1"));
                 Socket s = Socket.connect(server.localAddress())) {
                Socket peer = Gevent.spawn(() -> server.accept()).get();
                CompletableFuture<Void> reading = new CompletableFuture<>();
                CompletableFuture<String> reader = onPlatformThread("reader", () -> {
                    reading.complete(null);
                    try {
                        return "read " + s.read(ByteBuffer.allocate(10));
                    } catch (SocketException e) {
                        return e.getMessage();
                    }
                });
                awaitOnHub(reading);
                Gevent.sleep(20);
                Gevent.spawn(s::close).setName("the closer").join();
                String msg = awaitOnHub(reader);
                assertTrue(msg.contains("Socket closed (by greenlet <Greenlet \"the closer\""), msg);
                peer.close();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL"})
    void aPerCallTimeoutFromAPlatformThreadLeavesTheSocketUsable(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(SocketTest.any("127.0.0.1"));
                 Socket s = Socket.connect(server.localAddress())) {
                SocketTest.echo(server);
                String got = awaitOnHub(onPlatformThread("pool-thread", () -> {
                    assertThrows(SocketTimeoutException.class, () -> s.read(ByteBuffer.allocate(4), Duration.ofMillis(30)));
                    s.write(PING);
                    return readFour(s);
                }));
                assertEquals("ping", got);
            }
        });
    }

    /** A Timeout of the waiting greenlet (another hub) ends the call on the socket's hub too; no byte is lost. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL"})
    void aTimeoutOfAGreenletOfAnotherHubEndsTheCallAndLosesNothing(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(SocketTest.any("127.0.0.1"));
                 Socket s = Socket.connect(server.localAddress())) {
                Socket peer = Gevent.spawn(() -> server.accept()).get();
                String outcome = awaitOnHub(onPlatformThread("other-hub", () -> Gevent.run(() -> {
                    try {
                        return Gevent.withTimeout(Duration.ofMillis(30), () -> readFour(s));
                    } catch (Timeout t) {
                        return "timed out";
                    }
                })));
                assertEquals("timed out", outcome);
                Gevent.sleep(10); // the killed call leaves its wait
                peer.write(PING);
                assertEquals("ping", readFour(s));
                peer.close();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL"})
    void aPlatformThreadConnectsAndAcceptsOnAHub(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(SocketTest.any("127.0.0.1"))) {
                CompletableFuture<String> acceptor = onPlatformThread("acceptor", () -> {
                    try (Socket c = server.accept()) {
                        assertTrue(c.hub() == hub, "an accepted socket belongs to the server's hub");
                        String got = readFour(c);
                        c.write(PING);
                        return got;
                    }
                });
                String client = awaitOnHub(onPlatformThread("connector", () -> {
                    try (Socket c = Socket.connect(hub, server.localAddress(), Duration.ofSeconds(5), null)) {
                        assertTrue(c.hub() == hub);
                        c.write(PING);
                        return readFour(c);
                    }
                }));
                assertEquals("ping", client);
                assertEquals("ping", awaitOnHub(acceptor));
            }
        });
    }

    /** An executor task (a virtual thread the hub adopted) keeps the JDK's contract: interrupt closes. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL"})
    void interruptingAnExecutorTaskBlockedReadingClosesTheSocket(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(SocketTest.any("127.0.0.1"));
                 Socket s = Socket.connect(server.localAddress())) {
                Socket peer = Gevent.spawn(() -> server.accept()).get();
                String outcome = Gevent.spawn(() -> {
                    ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
                    Event reading = new Event();
                    Future<String> f = ex.submit(() -> {
                        reading.set();
                        try {
                            return "read " + s.read(ByteBuffer.allocate(4));
                        } catch (SocketException e) {
                            return e.getMessage() + ", interrupted=" + Thread.currentThread().isInterrupted();
                        }
                    });
                    reading.await();
                    Gevent.sleep(10);
                    ex.shutdownNow();
                    ex.close();
                    return f.get();
                }).get();
                assertEquals("Closed by interrupt, interrupted=true", outcome);
                assertTrue(s.isClosed());
                peer.close();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL"})
    void aCallFromAnotherThreadAfterTheHubIsGoneIsASocketException(Backend backend) throws Exception {
        Socket[] left = new Socket[1];
        ServerSocket[] server = new ServerSocket[1];
        OnHub.run(backend, hub -> {
            server[0] = ServerSocket.bind(SocketTest.any("127.0.0.1"));
            left[0] = Socket.connect(server[0].localAddress());
        }); // destroys the hub
        SocketException e = assertThrows(SocketException.class, () -> left[0].write(PING));
        assertTrue(e.getMessage().contains("Socket closed"), e.getMessage());
        left[0].close();
        server[0].close();
    }
}
