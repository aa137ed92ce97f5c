package io.gevent4j.loop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NIO-only registration cases: re-registration in one iteration, and stale OP_CONNECT interest. */
@Timeout(20)
class NioRegistrationTest {

    @Test
    void closingAndReWatchingAChannelInOneIterationLosesNoOtherReadiness() throws IOException {
        try (Loop loop = new Loop(Backend.NIO);
             TestSupport.TestPipe a = TestSupport.TestPipe.open(Backend.NIO);
             TestSupport.TestPipe b = TestSupport.TestPipe.open(Backend.NIO)) {
            int[] fired = new int[2];
            IoWatcher wb = b.watchReader(loop, Loop.READ);
            wb.start(() -> {
                fired[1]++;
                wb.stop();
            });
            IoWatcher wa = a.watchReader(loop, Loop.READ);
            wa.start(() -> { });
            loop.run(RunMode.NOWAIT); // both registered
            b.write(1);
            // Close a's last watcher and watch a again before the next poll.
            wa.close();
            IoWatcher wa2 = a.watchReader(loop, Loop.READ);
            wa2.start(() -> {
                fired[0]++;
                wa2.stop();
            });
            a.write(1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while ((fired[0] == 0 || fired[1] == 0) && System.nanoTime() < deadline) {
                loop.run(RunMode.NOWAIT);
            }
            assertEquals(1, fired[1], "b's readiness was lost");
            assertEquals(1, fired[0], "a's new watcher never fired");
            wa2.close();
            wb.close();
            loop.run(RunMode.NOWAIT);
            assertEquals(0, loop.ioSourceCount());
        }
    }

    @Test
    void aStoppedConnectWatcherLeavesNoInterestThatSpinsTheSelector() throws Exception {
        try (Loop loop = new Loop(Backend.NIO);
             ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open()) {
            client.configureBlocking(false);
            client.connect(server.getLocalAddress());
            IoWatcher w = loop.io(client, Loop.WRITE);
            boolean[] connected = new boolean[1];
            w.start(() -> {
                try {
                    connected[0] = client.finishConnect();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                w.stop();
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!connected[0] && System.nanoTime() < deadline) {
                loop.run(RunMode.ONCE);
            }
            assertTrue(connected[0]);
            try (SocketChannel accepted = server.accept()) {
                accepted.write(ByteBuffer.allocate(0));
                // The watcher is stopped but open; with a 200 ms timer the loop should iterate a handful
                // of times, not spin on a connected channel's stale OP_CONNECT.
                long before = loop.iteration();
                try (TimerWatcher t = loop.timer(200, 0, TimeUnit.MILLISECONDS)) {
                    t.start(() -> { });
                    loop.run();
                }
                assertTrue(loop.iteration() - before < 50, "iterations: " + (loop.iteration() - before));
                w.close();
            }
        }
    }
}
