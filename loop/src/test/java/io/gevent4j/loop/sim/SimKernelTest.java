package io.gevent4j.loop.sim;

import io.gevent4j.loop.Backend;
import io.gevent4j.loop.IoWatcher;
import io.gevent4j.loop.Loop;
import io.gevent4j.loop.RunMode;
import io.gevent4j.loop.TimerWatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulated kernel's model, through its system calls and a loop on it (no hub). */
class SimKernelTest {
    private static final InetSocketAddress ADDR = new InetSocketAddress("127.0.0.1", 9000);
    /** 1 ms latency, no jitter beyond the model's, 100-byte windows, no fault. */
    private static final SimFaults SLOW = new SimFaults(1_000_000, 100, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    private Loop loop;

    private SimKernel kernel(SimFaults f) {
        SimKernel k = new SimKernel(1, f);
        SimKernel.install(k);
        loop = new Loop();
        assertEquals(Backend.SIM, loop.backend());
        assertTrue(loop.sim() == k);
        return k;
    }

    @AfterEach
    void tearDown() {
        if (loop != null && !loop.isDestroyed()) {
            loop.destroy();
        }
        SimKernel.install(null);
    }

    /** Runs the loop for {@code nanos} of virtual time: the network moves meanwhile. */
    private void advance(long nanos) {
        boolean[] fired = {false};
        try (TimerWatcher t = loop.timer(nanos, 0)) {
            t.start(() -> fired[0] = true);
            while (!fired[0] && !loop.isDestroyed()) {
                loop.run(RunMode.ONCE);
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private int listener(SimKernel k, int backlog) throws IOException {
        int l = k.socket();
        k.bind(l, ADDR);
        k.listen(l, backlog);
        return l;
    }

    /** A connected pair: client and accepted descriptors. */
    private int[] pair(SimKernel k, int l) throws IOException {
        int c = k.socket();
        assertFalse(k.connect(c, ADDR), "in progress");
        assertFalse(k.finishConnect(c));
        advance(10_000_000);
        assertTrue(k.finishConnect(c));
        int s = k.accept(l);
        assertTrue(s >= 0, "the connection waits in the accept queue");
        return new int[] {c, s};
    }

    @Test
    void virtualTimeMovesOnlyWithTheLoop() {
        SimKernel k = kernel(SimFaults.NONE);
        long t0 = loop.nanoTime();
        long real = System.nanoTime();
        advance(3_600_000_000_000L); // an hour
        assertTrue(loop.nanoTime() - t0 >= 3_600_000_000_000L);
        assertTrue(System.nanoTime() - real < 5_000_000_000L, "an hour of timers takes no real hour");
        assertEquals(k.nanoTime(), loop.nanoTime());
    }

    @Test
    void bytesFlowInOrderThenEndOfStream() throws IOException {
        SimKernel k = kernel(SLOW);
        int l = listener(k, 8);
        int[] p = pair(k, l);
        assertEquals(5, k.write(p[0], ByteBuffer.wrap(bytes("hello"))));
        assertEquals(6, k.write(p[0], ByteBuffer.wrap(bytes(" world"))));
        k.shutdownOutput(p[0]);
        ByteBuffer in = ByteBuffer.allocate(64);
        assertEquals(0, k.read(p[1], in), "nothing before the latency");
        advance(5_000_000);
        assertEquals(11, k.read(p[1], in));
        assertEquals("hello world", new String(in.array(), 0, 11, StandardCharsets.ISO_8859_1));
        assertEquals(-1, k.read(p[1], in), "FIN after the data");
        assertEquals(new InetSocketAddress("127.0.0.1", 9000), k.remoteAddress(p[0]));
        assertEquals(k.localAddress(p[0]), k.remoteAddress(p[1]));
    }

    @Test
    void theWindowLimitsWritesUntilThePeerReads() throws IOException {
        SimKernel k = kernel(SLOW);
        int[] p = pair(k, listener(k, 8));
        assertEquals(100, k.write(p[0], ByteBuffer.allocate(250)), "a write takes at most the window");
        assertEquals(0, k.write(p[0], ByteBuffer.allocate(250)), "then EAGAIN");
        advance(5_000_000);
        assertEquals(0, k.write(p[0], ByteBuffer.allocate(250)), "arrival alone frees no room");
        assertEquals(40, k.read(p[1], ByteBuffer.allocate(40)));
        assertEquals(0, k.write(p[0], ByteBuffer.allocate(250)), "the room comes back one latency later");
        advance(5_000_000);
        assertEquals(40, k.write(p[0], ByteBuffer.allocate(250)));
    }

    @Test
    void closingWithUnreadInputResetsThePeerAndDropsWhatItHadNotRead() throws IOException {
        SimKernel k = kernel(SLOW);
        int[] p = pair(k, listener(k, 8));
        k.write(p[0], ByteBuffer.wrap(bytes("request")));
        k.write(p[1], ByteBuffer.wrap(bytes("answer")));
        advance(5_000_000);
        k.close(p[1]); // "request" unread: RST, not FIN
        advance(5_000_000);
        SocketException e = assertThrows(SocketException.class, () -> k.read(p[0], ByteBuffer.allocate(64)));
        assertEquals("Connection reset by peer", e.getMessage(), "the unread answer is gone with the reset");
        assertEquals(-1, k.read(p[0], ByteBuffer.allocate(64)), "then end of stream");
        SocketException w = assertThrows(SocketException.class, () -> k.write(p[0], ByteBuffer.allocate(1)));
        assertTrue(w.getMessage().startsWith("Broken pipe"), w.getMessage());
    }

    @Test
    void dataReachingAClosedSocketDrawsAReset() throws IOException {
        SimKernel k = kernel(SLOW);
        int[] p = pair(k, listener(k, 8));
        k.close(p[1]); // nothing unread: FIN
        advance(5_000_000);
        assertEquals(-1, k.read(p[0], ByteBuffer.allocate(8)), "FIN");
        assertEquals(3, k.write(p[0], ByteBuffer.wrap(bytes("abc"))), "half-closed: the write is taken");
        advance(5_000_000);
        SocketException e = assertThrows(SocketException.class, () -> k.write(p[0], ByteBuffer.allocate(1)));
        assertEquals("Connection reset by peer", e.getMessage());
    }

    @Test
    void connectingToNothingIsRefused() throws IOException {
        SimKernel k = kernel(SLOW);
        int c = k.socket();
        assertFalse(k.connect(c, ADDR));
        advance(10_000_000);
        ConnectException e = assertThrows(ConnectException.class, () -> k.finishConnect(c));
        assertEquals("Connection refused", e.getMessage());
    }

    @Test
    void aFullAcceptQueueDropsSynsUntilTheClientGivesUp() throws IOException {
        SimKernel k = kernel(SLOW);
        listener(k, 1);
        int first = k.socket();
        k.connect(first, ADDR);
        advance(10_000_000);
        assertTrue(k.finishConnect(first), "the first fills the queue");
        int second = k.socket();
        k.connect(second, ADDR);
        advance(60_000_000_000L);
        assertFalse(k.finishConnect(second), "still retrying after a minute (1+2+4+8+16+32 s)");
        advance(120_000_000_000L);
        ConnectException e = assertThrows(ConnectException.class, () -> k.finishConnect(second));
        assertEquals("Connection timed out", e.getMessage());
    }

    @Test
    void descriptorsAreReusedLowestFirstAndAddressesAreExclusive() throws IOException {
        SimKernel k = kernel(SimFaults.NONE);
        int a = k.socket();
        int b = k.socket();
        int c = k.socket();
        assertEquals(3, a);
        k.close(b);
        assertEquals(b, k.socket(), "the lowest free number");
        k.bind(a, ADDR);
        assertThrows(BindException.class, () -> k.bind(c, ADDR));
        k.close(a);
        k.bind(c, ADDR);
        assertThrows(SocketException.class, () -> k.read(99, ByteBuffer.allocate(1)), "EBADF");
        k.setOption(c, StandardSocketOptions.SO_LINGER, 0);
        assertEquals(0, k.getOption(c, StandardSocketOptions.SO_LINGER));
        assertThrows(UnsupportedOperationException.class, () -> k.setOption(c, StandardSocketOptions.IP_MULTICAST_LOOP, true));
    }

    @Test
    void aWatcherSeesReadinessAndAClosedDescriptorIsForgottenByThePoller() throws IOException {
        SimKernel k = kernel(SLOW);
        int[] p = pair(k, listener(k, 8));
        int[] seen = {0};
        IoWatcher w = loop.io(p[1], Loop.READ);
        w.start(() -> {
            seen[0]++;
            w.stop();
        });
        advance(5_000_000);
        assertEquals(0, seen[0], "nothing to read");
        k.write(p[0], ByteBuffer.wrap(bytes("x")));
        advance(5_000_000);
        assertEquals(1, seen[0], "readable once data arrived");
        assertEquals(0, k.registrations(), "an event no active watcher wanted dropped the interest (lazily, as on epoll)");
        w.start(() -> seen[0]++);
        advance(1_000_000);
        assertTrue(seen[0] > 1, "level-triggered: still readable");
        assertEquals(1, k.registrations());
        w.close();
        assertEquals(0, k.registrations(), "closing the last watcher drops the registration");
        assertNull(k.failure());
    }

    /** epoll semantics: a registration belongs to the socket; a reused number is registered afresh. */
    @Test
    void aNumberReusedWhileAWatcherWasLeftOpenStillWorks() throws IOException {
        SimKernel k = kernel(SLOW);
        int l = listener(k, 8);
        int[] p = pair(k, l);
        IoWatcher old = loop.io(p[1], Loop.WRITE);
        old.start(() -> { });
        advance(1_000_000);
        k.close(p[1]); // the watcher is left active: the poller forgets the socket, the loop does not know
        int[] q = pair(k, l);
        assertEquals(p[1], q[0], "the new client socket got the same number");
        int[] seen = {0};
        try (IoWatcher w = loop.io(q[0], Loop.READ)) {
            w.start(() -> seen[0]++);
            k.write(q[1], ByteBuffer.wrap(bytes("x")));
            advance(5_000_000);
            assertTrue(seen[0] > 0, "the new socket's readiness is seen: its interest change failed (ENOENT), the"
                    + " loop registered it afresh");
        }
        old.close();
        assertEquals(0, k.registrations());
        assertEquals(0, loop.ioSourceCount());
    }

    @Test
    void aLoopWaitingForWhatCanNeverHappenIsHaltedAsAHang() throws IOException {
        SimKernel k = kernel(SimFaults.NONE);
        int l = listener(k, 8);
        try (IoWatcher w = loop.io(l, Loop.READ)) {
            w.start(() -> { });
            loop.run(); // nobody connects, no timer: the kernel ends the run
        }
        assertTrue(loop.isDestroyed());
        assertNotNull(k.failure());
        assertTrue(k.failure().startsWith("hang"), k.failure());
        assertTrue(k.failure().contains("LISTENING"), k.failure());
    }

    @Test
    void oneSeedIsOneRun() throws IOException {
        long[] hashes = new long[2];
        for (int i = 0; i < 2; i++) {
            SimKernel k = new SimKernel(77, SimFaults.HOSTILE);
            SimKernel.install(k);
            loop = new Loop();
            int l = listener(k, 8);
            for (int c = 0; c < 5; c++) {
                int fd = k.socket();
                k.connect(fd, ADDR);
            }
            advance(50_000_000);
            int s;
            while (true) {
                try {
                    if ((s = k.accept(l)) < 0) {
                        break;
                    }
                    k.write(s, ByteBuffer.allocate(1000));
                } catch (IOException e) {
                    // an injected accept failure
                }
            }
            advance(50_000_000);
            hashes[i] = k.traceHash();
            loop.destroy();
        }
        assertEquals(hashes[0], hashes[1]);
    }
}
