package io.gevent4j.net;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.loop.Backend;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-socket reusable wait timer (SocketTimer): lazy re-arming must neither fire early nor late, nor keep a hub alive. */
class SocketTimerTest {
    private static InetSocketAddress local() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void eachWaitGetsItsOwnFullTimeoutAndAShorterOneTakesEffectAtOnce(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            try (ServerSocket server = ServerSocket.bind(local());
                 Socket s = Socket.connect(server.localAddress());
                 Socket peer = server.accept()) {
                // Six reads, each answered after 400 ms, under a 1.5 s timeout: 2.4 s in all, longer than the
                // timeout, so the timer armed by the first wait fires during a later one and must re-arm.
                s.setTimeout(Duration.ofMillis(1500));
                Greenlet<Void> writer = Gevent.spawn(() -> {
                    for (int i = 0; i < 6; i++) {
                        Gevent.sleep(400);
                        peer.write(new byte[] {(byte) i});
                    }
                });
                ByteBuffer b = ByteBuffer.allocate(1);
                for (int i = 0; i < 6; i++) {
                    assertEquals(1, s.read(b.clear()), "read " + i);
                    assertEquals(i, b.get(0));
                }
                writer.join();
                // A long timeout armed the timer far ahead; a short one must not wait for it.
                s.setTimeout(Duration.ofHours(1));
                peer.write(new byte[] {7});
                assertEquals(1, s.read(b.clear()));
                s.setTimeout(Duration.ofMillis(60));
                long t0 = System.nanoTime();
                SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> s.read(b.clear()));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms >= 55 && ms < 30_000, "timed out after " + ms + " ms");
                assertTrue(e.getMessage().contains("read timed out after 60 ms"), e.getMessage());
                // and the socket is still usable
                peer.write(new byte[] {9});
                assertEquals(1, s.read(b.clear()));
                assertEquals(9, b.get(0));
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    @Timeout(30)
    void aTimerLeftArmedAfterAWaitDoesNotKeepTheHubRunning(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            ServerSocket server = ServerSocket.bind(local());
            Socket s = Socket.connect(server.localAddress());
            Socket peer = server.accept();
            server.close();
            s.setTimeout(Duration.ofHours(1));
            Gevent.spawn(() -> peer.write(new byte[] {1}));
            assertEquals(1, s.read(ByteBuffer.allocate(1)));
            // The read is over; its timer stays armed an hour ahead but must not hold the loop: with no
            // greenlet left and nothing else active, join() returns at once (on io_uring the sockets' reads
            // are not in flight either: none was submitted after the one that completed).
            hub.join();
            s.close();
            peer.close();
        });
    }
}
