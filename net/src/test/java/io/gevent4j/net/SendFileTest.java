package io.gevent4j.net;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.loop.Backend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Socket#sendFile}: the bytes arrive whole, cold files are read in off the hub, errors are clear. */
class SendFileTest {
    @TempDir
    Path dir;

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private Path file(byte[] data) throws IOException {
        Path p = Files.createTempFile(dir, "send", ".bin");
        Files.write(p, data);
        return p;
    }

    /** A greenlet that accepts one connection and reads it to the end. */
    private static Greenlet<byte[]> sink(ServerSocket server) {
        return Gevent.spawn(() -> {
            try (Socket c = server.accept()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] b = new byte[64 * 1024];
                int n;
                while ((n = c.read(b, 0, b.length)) > 0) {
                    out.write(b, 0, n);
                }
                return out.toByteArray();
            }
        });
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void theBytesArriveWholeFromAnyPosition(Backend backend) throws Exception {
        byte[] data = random(3 * FileSender.CHUNK + 12345);
        Path p = file(data);
        if (backend == Backend.EPOLL) {
            assertTrue(io.gevent4j.net.internal.LinuxSendFile.available(), "Netty's sendfile(2) is reachable");
        }
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(loopback());
                 FileChannel ch = FileChannel.open(p)) {
                Greenlet<byte[]> sink = sink(server);
                try (Socket s = Socket.connect(server.localAddress())) {
                    assertEquals(data.length - 7, s.sendFile(ch, 7, data.length - 7));
                    assertEquals(0, ch.position(), "the file's own position is untouched");
                    assertEquals(0, s.sendFile(ch, 0, 0));
                }
                assertArrayEquals(Arrays.copyOfRange(data, 7, data.length), sink.get(Duration.ofSeconds(20)));
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void aColdFileIsReadInOnThePoolBeforeItIsSent(Backend backend) throws Exception {
        byte[] data = random(2 * FileSender.CHUNK);
        Path p = file(data);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.force(true); // clean pages can be dropped from the page cache
        }
        Process dd;
        try {
            dd = new ProcessBuilder("dd", "if=" + p, "iflag=nocache", "count=0", "status=none").inheritIO().start();
        } catch (IOException e) {
            Assumptions.abort("dd is not available: " + e.getMessage());
            return;
        }
        assertTrue(dd.waitFor(10, TimeUnit.SECONDS));
        try (FileChannel ch = FileChannel.open(p)) {
            Assumptions.assumeFalse(FileSender.isCached(ch, 0, FileSender.CHUNK),
                    "the kernel kept the file cached after posix_fadvise(DONTNEED)");
        }
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(loopback());
                 FileChannel ch = FileChannel.open(p)) {
                Greenlet<byte[]> sink = sink(server);
                long before = FileSender.warmed.get();
                try (Socket s = Socket.connect(server.localAddress())) {
                    s.sendFile(ch, 0, data.length);
                }
                assertArrayEquals(data, sink.get(Duration.ofSeconds(20)));
                assertTrue(FileSender.warmed.get() - before >= 1, "the cold chunks were read in on the pool");
                assertTrue(FileSender.isCached(ch, 0, FileSender.CHUNK), "and are in the page cache now");
                long again = FileSender.warmed.get();
                Greenlet<byte[]> sink2 = sink(server);
                try (Socket s = Socket.connect(server.localAddress())) {
                    s.sendFile(ch, 0, data.length);
                }
                assertArrayEquals(data, sink2.get(Duration.ofSeconds(20)));
                assertEquals(again, FileSender.warmed.get(), "a cached file goes without a trip to the pool");
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void aFileShorterThanTheCountIsAnEofException(Backend backend) throws Exception {
        byte[] data = random(5000);
        Path p = file(data);
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(loopback());
                 FileChannel ch = FileChannel.open(p)) {
                Greenlet<byte[]> sink = sink(server);
                try (Socket s = Socket.connect(server.localAddress())) {
                    EOFException e = assertThrows(EOFException.class, () -> s.sendFile(ch, 0, 6000));
                    assertTrue(e.getMessage().contains("5000"), e.getMessage());
                    assertThrows(IllegalArgumentException.class, () -> s.sendFile(ch, -1, 1));
                    assertThrows(IllegalArgumentException.class, () -> s.sendFile(ch, 1, Long.MAX_VALUE));
                }
                assertArrayEquals(data, sink.get(Duration.ofSeconds(20)), "what the file had was sent");
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void aPeerThatGoesAwayIsASocketExceptionAndAKillEndsAParkedSend(Backend backend) throws Exception {
        byte[] data = random(8 * FileSender.CHUNK);
        Path p = file(data);
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(loopback());
                 FileChannel ch = FileChannel.open(p)) {
                // A peer that never reads: the send parks once the buffers are full, and a kill ends it.
                Greenlet<Socket> lazy = Gevent.spawn(server::accept);
                try (Socket s = Socket.connect(server.localAddress())) {
                    Greenlet<Long> sender = Gevent.spawn(() -> s.sendFile(ch, 0, data.length));
                    Gevent.sleep(100);
                    assertFalse(sender.ready(), "the peer reads nothing: the send is parked");
                    sender.kill();
                    assertNotNull(sender.killedBy());
                }
                lazy.get().close();
                // A peer that closes: the sender sees a SocketException, not a hang.
                Greenlet<Object> closer = Gevent.spawn(() -> {
                    Socket c = server.accept();
                    c.read(new byte[1], 0, 1);
                    c.setSoLinger(0);
                    c.close();
                    return null;
                });
                try (Socket s = Socket.connect(server.localAddress())) {
                    assertThrows(SocketException.class, () -> s.sendFile(ch, 0, data.length));
                }
                closer.get(Duration.ofSeconds(10));
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "NIO"})
    void aFileOpenedForWritingOnlyIsRefused(Backend backend) throws Exception {
        Path p = file(random(10));
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(loopback());
                 FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                Greenlet<byte[]> sink = sink(server);
                try (Socket s = Socket.connect(server.localAddress())) {
                    assertThrows(java.nio.channels.NonReadableChannelException.class, () -> s.sendFile(ch, 0, 10));
                }
                assertEquals(0, sink.get(Duration.ofSeconds(10)).length);
            }
        });
    }
}
