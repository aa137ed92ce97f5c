package io.gevent4j.loop;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Completion-based reads and writes on the io_uring loop: results, end of stream, cancellation, refs, closing. */
class CompletionIoTest {
    @BeforeEach
    void needIoUring() {
        assumeTrue(Backend.IO_URING.isAvailable(), "io_uring is not available on this machine");
    }

    /** Runs the loop until {@code results} has {@code n} entries (bounded). */
    private static void runUntil(Loop loop, List<Integer> results, int n) {
        for (int i = 0; i < 1000 && results.size() < n; i++) {
            loop.run(RunMode.ONCE);
        }
        assertEquals(n, results.size(), "completions seen: " + results);
    }

    @Test
    void recvAndSendCompleteWithTheirByteCountsAndEndOfStreamIsZero() throws Exception {
        try (Loop loop = new Loop(Backend.IO_URING); var pair = new TestSupport.FdSocketPair()) {
            CompletionIo cio = loop.completionIo(pair.local.intValue());
            ByteBuffer buf = ByteBuffer.allocateDirect(64);
            long addr = io.netty.channel.unix.Buffer.memoryAddress(buf);
            List<Integer> results = new ArrayList<>();
            cio.recv(addr, 64, results::add);
            assertTrue(cio.recvInFlight());
            assertTrue(loop.alive(), "a read in flight keeps the loop alive");
            pair.peer.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
            runUntil(loop, results, 1);
            assertEquals(5, results.get(0));
            assertFalse(cio.recvInFlight());
            byte[] got = new byte[5];
            buf.get(0, got);
            assertEquals("hello", new String(got, StandardCharsets.US_ASCII));

            buf.put(0, "yo".getBytes(StandardCharsets.US_ASCII));
            cio.send(addr, 2, results::add);
            runUntil(loop, results, 2);
            assertEquals(2, results.get(1));
            ByteBuffer in = ByteBuffer.allocate(2);
            while (in.hasRemaining()) {
                pair.peer.read(in);
            }
            assertEquals("yo", new String(in.array(), StandardCharsets.US_ASCII));

            cio.recv(addr, 64, results::add);
            pair.peer.close();
            runUntil(loop, results, 3);
            assertEquals(0, results.get(2), "end of stream");
            cio.close();
            assertEquals(0, loop.ioSourceCount());
        }
    }

    @Test
    void oneOperationOfAKindAtATimeAndOnlyOnIoUring() throws Exception {
        try (Loop loop = new Loop(Backend.IO_URING); var pair = new TestSupport.FdSocketPair()) {
            CompletionIo cio = loop.completionIo(pair.local.intValue());
            ByteBuffer buf = ByteBuffer.allocateDirect(8);
            long addr = io.netty.channel.unix.Buffer.memoryAddress(buf);
            cio.recv(addr, 8, r -> { });
            assertThrows(IllegalStateException.class, () -> cio.recv(addr, 8, r -> { }));
            cio.close();
            assertThrows(IllegalStateException.class, () -> cio.send(addr, 1, r -> { }), "closed");
        }
        try (Loop epoll = new Loop(Backend.EPOLL)) {
            assertThrows(UnsupportedOperationException.class, () -> epoll.completionIo(0));
        }
    }

    @Test
    void cancelAndCloseStillRunTheCallbackAndUnrefLetsTheLoopEnd() throws Exception {
        try (Loop loop = new Loop(Backend.IO_URING); var pair = new TestSupport.FdSocketPair()) {
            CompletionIo cio = loop.completionIo(pair.local.intValue());
            ByteBuffer buf = ByteBuffer.allocateDirect(8);
            long addr = io.netty.channel.unix.Buffer.memoryAddress(buf);
            List<Integer> results = new ArrayList<>();
            cio.recv(addr, 8, results::add);
            cio.refRecv(false);
            assertFalse(loop.alive(), "an unreferenced read does not keep the loop alive");
            cio.refRecv(true);
            assertTrue(loop.alive());
            cio.cancelRecv();
            runUntil(loop, results, 1);
            assertEquals(-CompletionIo.ECANCELED, results.get(0));
            assertFalse(loop.alive(), "nothing in flight any more");

            cio.recv(addr, 8, results::add);
            cio.close(); // cancels what is in flight; the callback still comes
            runUntil(loop, results, 2);
            assertEquals(-CompletionIo.ECANCELED, results.get(1));
            assertEquals(0, loop.ioSourceCount(), "the registration went with the last user");
        }
    }
}
