package io.gevent4j.loop;

import io.netty.channel.unix.FileDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.channels.Pipe;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gevent4j.loop.TestSupport.FAR_SECONDS;
import static io.gevent4j.loop.TestSupport.guard;
import static io.gevent4j.loop.TestSupport.later;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** I/O watchers on every backend that loads here: pipes and loopback sockets. */
class IoWatcherTest {

    static List<Backend> backends() {
        return TestSupport.backends().toList();
    }

    static List<Backend> fdBackends() {
        return TestSupport.backends().filter(Backend::usesFileDescriptors).toList();
    }

    @Test
    void nioAndTheNativeBackendOfThisMachineAreTested() {
        assertTrue(backends().contains(Backend.NIO));
        String os = System.getProperty("os.name").toLowerCase();
        if (os.contains("linux")) {
            assertTrue(backends().contains(Backend.EPOLL), "epoll should load on Linux");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void readWatcherFiresWhenDataArrives(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend)) {
            IoWatcher w = pipe.watchReader(loop, Loop.READ);
            assertEquals(Loop.READ, w.events());
            assertFalse(w.isActive());
            List<Integer> revents = new ArrayList<>();
            List<Integer> read = new ArrayList<>();
            w.start(() -> {
                revents.add(w.revents());
                try {
                    read.add(pipe.drain());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
                w.stop();
            });
            assertEquals(0, w.revents());
            // Nothing to read yet: the loop blocks until another thread writes.
            Thread t = later(50, () -> pipe.write(3));
            assertFalse(loop.run());
            assertFalse(g.fired(), "the write did not wake the loop");
            assertEquals(List.of(Loop.READ), revents);
            assertEquals(List.of(3), read);
            t.join(5_000);
            w.close();
            assertEquals(0, loop.ioSourceCount());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void writeWatcherFiresOnAWritableDescriptor(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend)) {
            IoWatcher w = pipe.watchWriter(loop, Loop.WRITE);
            List<Integer> revents = new ArrayList<>();
            w.start(() -> {
                revents.add(w.revents());
                w.stop();
            });
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of(Loop.WRITE), revents);
            w.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watchersAreLevelTriggered(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend)) {
            IoWatcher w = pipe.watchReader(loop, Loop.READ);
            AtomicInteger calls = new AtomicInteger();
            w.start(calls::incrementAndGet);
            pipe.write(1);
            TimerWatcher far = loop.timer(FAR_SECONDS, 0, SECONDS);
            far.start(() -> { });
            for (int i = 1; i <= 5; i++) {
                loop.run(RunMode.ONCE);
                assertEquals(i, calls.get(), "unread data fires the watcher again in every iteration");
            }
            assertFalse(g.fired());
            // Once the data is consumed the watcher goes quiet.
            assertEquals(1, pipe.drain());
            loop.run(RunMode.NOWAIT);
            int after = calls.get();
            loop.run(RunMode.NOWAIT);
            loop.run(RunMode.NOWAIT);
            assertEquals(after, calls.get());
            far.stop();
            w.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aStoppedWatcherIsNotCalledWhenDataArrivesAndCanBeRestarted(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend)) {
            IoWatcher w = pipe.watchReader(loop, Loop.READ);
            AtomicInteger calls = new AtomicInteger();
            w.start(calls::incrementAndGet);
            loop.run(RunMode.NOWAIT); // the interest reaches the kernel
            w.stop();
            assertFalse(loop.alive());
            pipe.write(1);
            for (int i = 0; i < 3; i++) {
                loop.run(RunMode.NOWAIT);
            }
            assertEquals(0, calls.get(), "a stopped watcher must not be called");
            // Restarted, it sees the data that is still there.
            w.start(() -> {
                calls.incrementAndGet();
                w.stop();
            });
            loop.run();
            assertFalse(g.fired(), "a restarted watcher did not see the pending data");
            assertEquals(1, calls.get());
            w.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void restartRightAfterTheLoopDroppedTheInterest(Backend backend) throws Exception {
        // An event nobody wants makes the loop drop the kernel interest during the poll; a callback of
        // the same iteration restarts the watcher, so the source is registered again at once.
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend)) {
            IoWatcher w = pipe.watchReader(loop, Loop.READ);
            AtomicInteger calls = new AtomicInteger();
            w.start(calls::incrementAndGet);
            loop.run(RunMode.NOWAIT); // registered
            w.stop();
            pipe.write(1);
            for (int round = 1; round <= 3; round++) {
                loop.timer(0, 0).start(() -> w.start(() -> {
                    calls.incrementAndGet();
                    w.stop();
                }));
                loop.run();
                assertFalse(g.fired(), "round " + round + ": the restarted watcher saw nothing");
                assertEquals(round, calls.get());
            }
            w.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void stopOfAPendingIoWatcherDropsTheEvent(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend)) {
            pipe.write(1);
            // Two watchers of one source become pending in the same poll (in the order they were
            // created); the first stops the second.
            IoWatcher first = pipe.watchReader(loop, Loop.READ);
            IoWatcher w = pipe.watchReader(loop, Loop.READ);
            AtomicInteger calls = new AtomicInteger();
            AtomicInteger wasPending = new AtomicInteger();
            first.start(() -> {
                if (w.isPending()) {
                    wasPending.incrementAndGet();
                }
                w.stop();
                first.stop();
            });
            w.start(calls::incrementAndGet);
            loop.run();
            assertFalse(g.fired());
            assertEquals(1, wasPending.get(), "both watchers fired in the same iteration");
            assertEquals(0, calls.get());
            first.close();
            w.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void readAndWriteWatchersOnOneDescriptorBothWork(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestSocketPair pair = TestSupport.TestSocketPair.open(backend)) {
            IoWatcher reader = pair.watch(loop, Loop.READ);
            IoWatcher writer = pair.watch(loop, Loop.WRITE);
            assertEquals(1, loop.ioSourceCount(), "one source per descriptor");
            assertEquals(reader.fd(), writer.fd());
            assertSame(reader.channel(), writer.channel());
            List<String> log = new ArrayList<>();
            reader.start(() -> {
                log.add("read:" + reader.revents());
                reader.stop();
            });
            writer.start(() -> {
                log.add("write:" + writer.revents());
                writer.stop();
                try {
                    pair.peerWrite(10); // now the local end becomes readable
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of("write:" + Loop.WRITE, "read:" + Loop.READ), log);
            reader.close();
            assertEquals(1, loop.ioSourceCount());
            writer.close();
            assertEquals(0, loop.ioSourceCount());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void oneWatcherForReadAndWriteSeesBoth(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestSocketPair pair = TestSupport.TestSocketPair.open(backend)) {
            pair.peerWrite(1);
            IoWatcher w = pair.watch(loop, Loop.READ | Loop.WRITE);
            List<Integer> revents = new ArrayList<>();
            w.start(() -> {
                revents.add(w.revents());
                if ((w.revents() & Loop.READ) != 0) {
                    w.stop();
                }
            });
            loop.run();
            assertFalse(g.fired());
            assertEquals(Loop.READ | Loop.WRITE, revents.get(revents.size() - 1));
            w.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void twoWatchersForTheSameEventBothFire(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend)) {
            IoWatcher a = pipe.watchReader(loop, Loop.READ);
            IoWatcher b = pipe.watchReader(loop, Loop.READ);
            List<String> log = new ArrayList<>();
            a.start(() -> {
                log.add("a");
                a.stop();
            });
            b.start(() -> {
                log.add("b");
                b.stop();
            });
            pipe.write(1);
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of("a", "b"), log);
            a.close();
            b.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void interestChangesAcrossWatchersOfOneSource(Backend backend) throws Exception {
        // A READ watcher keeps going while a WRITE watcher on the same descriptor comes and goes.
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestSocketPair pair = TestSupport.TestSocketPair.open(backend)) {
            IoWatcher reader = pair.watch(loop, Loop.READ);
            IoWatcher writer = pair.watch(loop, Loop.WRITE);
            AtomicInteger reads = new AtomicInteger();
            AtomicInteger writes = new AtomicInteger();
            reader.start(reads::incrementAndGet);
            TimerWatcher far = loop.timer(FAR_SECONDS, 0, SECONDS);
            far.start(() -> { });
            for (int round = 1; round <= 5; round++) {
                writer.start(() -> {
                    writes.incrementAndGet();
                    writer.stop();
                });
                loop.run(RunMode.ONCE);
                assertEquals(round, writes.get(), "round " + round);
                // an event nobody wants reduces the interest: the loop must then still block
                loop.run(RunMode.NOWAIT);
            }
            assertEquals(0, reads.get());
            pair.peerWrite(1);
            loop.run(RunMode.ONCE);
            assertFalse(g.fired());
            assertEquals(1, reads.get());
            assertEquals(5, writes.get());
            far.stop();
            reader.close();
            writer.close();
            assertEquals(0, loop.ioSourceCount());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void eofFiresRead(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend)) {
            IoWatcher w = pipe.watchReader(loop, Loop.READ);
            List<Integer> read = new ArrayList<>();
            w.start(() -> {
                try {
                    read.add(pipe.drain());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
                assertEquals(Loop.READ, w.revents() & Loop.READ);
                w.stop();
            });
            Thread t = later(30, pipe::closeWriter);
            loop.run();
            assertFalse(g.fired(), "EOF did not fire the READ watcher");
            assertEquals(List.of(-1), read);
            t.join(5_000);
            w.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void eofOnASocketFiresRead(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestSocketPair pair = TestSupport.TestSocketPair.open(backend)) {
            IoWatcher w = pair.watch(loop, Loop.READ);
            AtomicInteger calls = new AtomicInteger();
            w.start(() -> {
                calls.incrementAndGet();
                w.stop();
            });
            Thread t = later(30, pair.peer::close);
            loop.run();
            assertFalse(g.fired(), "peer close did not fire the READ watcher");
            assertEquals(1, calls.get());
            t.join(5_000);
            w.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void closingAllWatchersOfASourceDropsIt(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend);
             TestSupport.TestPipe p1 = TestSupport.TestPipe.open(backend);
             TestSupport.TestPipe p2 = TestSupport.TestPipe.open(backend)) {
            assertEquals(0, loop.ioSourceCount());
            IoWatcher a = p1.watchReader(loop, Loop.READ);
            IoWatcher b = p1.watchReader(loop, Loop.READ);
            IoWatcher c = p2.watchWriter(loop, Loop.WRITE);
            assertEquals(2, loop.ioSourceCount());
            a.start(() -> { });
            c.start(() -> c.stop());
            p1.write(1);
            loop.run(RunMode.NOWAIT);
            a.close();
            assertTrue(a.isClosed());
            assertFalse(a.isActive());
            assertEquals(2, loop.ioSourceCount(), "b still watches p1");
            b.close();
            assertEquals(1, loop.ioSourceCount());
            c.close();
            c.close(); // idempotent
            assertEquals(0, loop.ioSourceCount());
            assertFalse(loop.alive());
            assertThrows(IllegalStateException.class, () -> a.start(() -> { }), "a closed watcher cannot start");
            // A new watcher on the same descriptor makes a fresh source that works.
            IoWatcher again = p1.watchReader(loop, Loop.READ);
            assertEquals(1, loop.ioSourceCount());
            AtomicInteger calls = new AtomicInteger();
            again.start(() -> {
                calls.incrementAndGet();
                again.stop();
            });
            loop.run();
            assertEquals(1, calls.get());
            again.close();
            assertEquals(0, loop.ioSourceCount());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void closeOfAnActiveOrPendingWatcherStopsIt(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend)) {
            pipe.write(1);
            IoWatcher closer = pipe.watchReader(loop, Loop.READ);
            IoWatcher w = pipe.watchReader(loop, Loop.READ);
            AtomicInteger calls = new AtomicInteger();
            closer.start(() -> {
                w.close();
                closer.close();
            });
            w.start(calls::incrementAndGet);
            loop.run();
            assertFalse(g.fired());
            assertEquals(0, calls.get());
            assertEquals(0, loop.ioSourceCount());
            assertFalse(loop.alive());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void openWatchCloseManyTimesLeaksNothing(Backend backend) throws Exception {
        assumeTrue(TestSupport.haveProcFd(), "needs /proc/self/fd");
        try (Loop loop = new Loop(backend); TestSupport.Guard g = new TestSupport.Guard(loop, 30_000)) {
            // Warm up (lazy JDK/Netty allocations of descriptors), then measure.
            churn(loop, backend, 50);
            long fdsBefore = TestSupport.fdCount();
            churn(loop, backend, 2000);
            loop.run(RunMode.NOWAIT);
            long fdsAfter = TestSupport.fdCount();
            assertFalse(g.fired());
            assertEquals(0, loop.ioSourceCount());
            assertTrue(fdsAfter - fdsBefore <= 10, "descriptors grew from " + fdsBefore + " to " + fdsAfter);
        }
    }

    private static void churn(Loop loop, Backend backend, int times) throws IOException {
        for (int i = 0; i < times; i++) {
            TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend);
            IoWatcher r = pipe.watchReader(loop, Loop.READ);
            IoWatcher w = pipe.watchWriter(loop, Loop.WRITE);
            AtomicInteger calls = new AtomicInteger();
            r.start(calls::incrementAndGet);
            w.start(calls::incrementAndGet);
            if ((i & 1) == 0) {
                pipe.write(1);
            }
            loop.run(RunMode.NOWAIT);
            if (calls.get() == 0) {
                throw new AssertionError("the WRITE watcher of round " + i + " did not fire");
            }
            assertEquals(2, loop.ioSourceCount());
            r.close();
            w.close();
            assertEquals(0, loop.ioSourceCount());
            pipe.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aBlockedLoopWakesForIoWithoutSpinning(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend)) {
            IoWatcher w = pipe.watchReader(loop, Loop.READ);
            AtomicInteger calls = new AtomicInteger();
            w.start(() -> {
                calls.incrementAndGet();
                w.stop();
            });
            long i0 = loop.iteration();
            Thread t = later(300, () -> pipe.write(1));
            loop.run();
            assertFalse(g.fired());
            assertEquals(1, calls.get());
            long iterations = loop.iteration() - i0;
            assertTrue(iterations <= 20, "the loop iterated " + iterations + " times while it waited for I/O");
            t.join(5_000);
            w.close();
        }
    }

    // ------------------------------------------------------------------ arguments

    @ParameterizedTest
    @MethodSource("fdBackends")
    void badArgumentsOnANativeBackend(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend)) {
            int fd = pipe.readFd();
            assertThrows(IllegalArgumentException.class, () -> loop.io(-1, Loop.READ));
            assertThrows(IllegalArgumentException.class, () -> loop.io(fd, 0));
            assertThrows(IllegalArgumentException.class, () -> loop.io(fd, 4));
            assertThrows(IllegalArgumentException.class, () -> loop.io(fd, Loop.READ | 4));
            assertThrows(IllegalArgumentException.class, () -> loop.io(fd, -1));
            Pipe nio = Pipe.open();
            try {
                nio.source().configureBlocking(false);
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> loop.io(nio.source(), Loop.READ));
                assertTrue(e.getMessage().contains("nio"), e.getMessage());
            } finally {
                nio.source().close();
                nio.sink().close();
            }
            assertEquals(0, loop.ioSourceCount(), "rejected calls leave no source behind");
            IoWatcher w = loop.io(fd, Loop.READ);
            assertEquals(fd, w.fd());
            assertNull(w.channel());
            checkSetEvents(w);
            w.close();
        }
    }

    @Test
    void badArgumentsOnTheNioBackend() throws Exception {
        try (Loop loop = new Loop(Backend.NIO)) {
            Pipe pipe = Pipe.open();
            try (SocketChannel blocking = SocketChannel.open()) {
                assertTrue(blocking.isBlocking());
                assertThrows(IllegalArgumentException.class, () -> loop.io(blocking, Loop.READ));
                assertThrows(IllegalArgumentException.class, () -> loop.io(pipe.source(), Loop.READ),
                        "a new Pipe is blocking");
                pipe.source().configureBlocking(false);
                assertThrows(IllegalArgumentException.class, () -> loop.io(pipe.source(), 0));
                assertThrows(IllegalArgumentException.class, () -> loop.io(pipe.source(), 4));
                assertThrows(NullPointerException.class, () -> loop.io((java.nio.channels.SelectableChannel) null,
                        Loop.READ));
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> loop.io(0, Loop.READ));
                assertTrue(e.getMessage().contains("SelectableChannel"), e.getMessage());
                assertEquals(0, loop.ioSourceCount());
                IoWatcher w = loop.io(pipe.source(), Loop.READ);
                assertEquals(-1, w.fd());
                assertSame(pipe.source(), w.channel());
                checkSetEvents(w);
                w.close();
            } finally {
                pipe.source().close();
                pipe.sink().close();
            }
        }
    }

    private static void checkSetEvents(IoWatcher w) {
        assertThrows(IllegalArgumentException.class, () -> w.setEvents(0));
        assertThrows(IllegalArgumentException.class, () -> w.setEvents(4));
        w.setEvents(Loop.READ | Loop.WRITE);
        assertEquals(Loop.READ | Loop.WRITE, w.events());
        w.start(() -> { });
        assertThrows(IllegalStateException.class, () -> w.setEvents(Loop.READ), "active watcher");
        w.stop();
        w.setEvents(Loop.READ);
        assertEquals(Loop.READ, w.events());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void setEventsSwitchesWhatAStoppedWatcherWaitsFor(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop);
             TestSupport.TestSocketPair pair = TestSupport.TestSocketPair.open(backend)) {
            IoWatcher w = pair.watch(loop, Loop.READ);
            List<Integer> revents = new ArrayList<>();
            w.start(() -> {
                revents.add(w.revents());
                w.stop();
            });
            loop.run(RunMode.NOWAIT);
            assertEquals(List.of(), revents, "nothing to read yet");
            w.stop();
            w.setEvents(Loop.WRITE);
            w.start(() -> {
                revents.add(w.revents());
                w.stop();
            });
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of(Loop.WRITE), revents);
            w.close();
        }
    }

    // ------------------------------------------------------------------ closed and reused descriptors

    @ParameterizedTest
    @MethodSource("fdBackends")
    void reusedDescriptorNumberWorksAfterWatchersWereClosedFirst(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop)) {
            TestSupport.FdPipe old = new TestSupport.FdPipe();
            int fd = old.readFd();
            IoWatcher w = old.watchReader(loop, Loop.READ);
            w.start(w::stop);
            old.write(1);
            loop.run();
            w.close(); // per contract: watchers first...
            old.close(); // ...then the descriptor
            TestSupport.FdPipe reused = reopenWithSameReadFd(fd);
            assumeTrue(reused != null, "the kernel did not hand out fd " + fd + " again");
            try {
                IoWatcher w2 = reused.watchReader(loop, Loop.READ);
                AtomicInteger calls = new AtomicInteger();
                w2.start(() -> {
                    calls.incrementAndGet();
                    w2.stop();
                });
                Thread t = later(20, () -> reused.write(1));
                loop.run();
                assertFalse(g.fired(), "no event on the reused descriptor");
                assertEquals(1, calls.get());
                t.join(5_000);
                w2.close();
            } finally {
                reused.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("fdBackends")
    void reusedDescriptorNumberWorksWhenAStoppedWatcherWasLeftOpen(Backend backend) throws Exception {
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop)) {
            TestSupport.FdPipe old = new TestSupport.FdPipe();
            int fd = old.readFd();
            IoWatcher stale = old.watchReader(loop, Loop.READ);
            // The watcher fires and is stopped; the loop keeps the kernel interest (lazily) and is not
            // iterated again before the descriptor is closed.
            stale.start(() -> {
                stale.stop();
                loop.breakLoop();
            });
            old.write(1);
            TimerWatcher far = loop.timer(FAR_SECONDS, 0, SECONDS);
            far.start(() -> { });
            loop.run();
            assertFalse(stale.isActive());
            old.close(); // stale is stopped but not closed
            TestSupport.FdPipe reused = reopenWithSameReadFd(fd);
            assumeTrue(reused != null, "the kernel did not hand out fd " + fd + " again");
            try {
                IoWatcher fresh = reused.watchReader(loop, Loop.READ);
                AtomicInteger calls = new AtomicInteger();
                fresh.start(() -> {
                    calls.incrementAndGet();
                    fresh.stop();
                    far.stop();
                });
                Thread t = later(20, () -> reused.write(1));
                loop.run();
                assertFalse(g.fired(), "a new watcher on a reused descriptor number got no event");
                assertEquals(1, calls.get());
                t.join(5_000);
                fresh.close();
                stale.close();
                assertEquals(0, loop.ioSourceCount());
            } finally {
                reused.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("fdBackends")
    void reusedDescriptorNumberWorksWhenAnotherWatcherStayedActive(Backend backend) throws Exception {
        // Worse: a watcher on the old descriptor was left active when it was closed (against the
        // contract). A new watcher on the reused number must still work.
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop)) {
            TestSupport.FdPipe old = new TestSupport.FdPipe();
            int fd = old.readFd();
            IoWatcher stale = old.watchReader(loop, Loop.READ);
            stale.start(() -> { });
            loop.run(RunMode.NOWAIT); // registered, nothing to read
            old.close();
            TestSupport.FdPipe reused = reopenWithSameReadFd(fd);
            assumeTrue(reused != null, "the kernel did not hand out fd " + fd + " again");
            try {
                IoWatcher fresh = reused.watchReader(loop, Loop.READ);
                List<Integer> revents = new ArrayList<>();
                fresh.start(() -> {
                    revents.add(fresh.revents());
                    fresh.stop();
                    stale.stop();
                });
                Thread t = later(20, () -> reused.write(1));
                loop.run();
                assertFalse(g.fired(), "a new watcher on a reused descriptor number got no event");
                assertEquals(1, revents.size());
                assertEquals(Loop.READ, revents.get(0) & Loop.READ);
                t.join(5_000);
                fresh.close();
                stale.close();
                assertEquals(0, loop.ioSourceCount());
            } finally {
                reused.close();
            }
        }
    }

    /** Opens pipes until one's read end gets {@code fd} (the lowest free number is usually reused at once). */
    private static TestSupport.FdPipe reopenWithSameReadFd(int fd) throws IOException {
        List<TestSupport.FdPipe> wrong = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                TestSupport.FdPipe p = new TestSupport.FdPipe();
                if (p.readFd() == fd) {
                    return p;
                }
                wrong.add(p);
            }
            return null;
        } finally {
            for (TestSupport.FdPipe p : wrong) {
                p.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void watchersOfAClosedSourceAreFailedWithReadAndWrite(Backend backend) throws Exception {
        // Documented: if the kernel refuses the source (it was closed), its watchers are stopped and
        // invoked with READ|WRITE so that the waiting code retries its operation and sees the error.
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop)) {
            TestSupport.TestPipe pipe = TestSupport.TestPipe.open(backend);
            IoWatcher w = pipe.watchReader(loop, Loop.READ);
            pipe.close();
            List<Integer> revents = new ArrayList<>();
            w.start(() -> revents.add(w.revents()));
            loop.run();
            assertFalse(g.fired(), "a watcher on a closed source hung the loop");
            assertEquals(List.of(Loop.READ | Loop.WRITE), revents);
            assertFalse(w.isActive());
            w.close();
            assertEquals(0, loop.ioSourceCount());
        }
    }

    @ParameterizedTest
    @MethodSource("fdBackends")
    void aDescriptorTheKernelRefusesFailsItsWatchers(Backend backend) throws Exception {
        // A regular file cannot be polled (epoll says EPERM): the watcher is stopped and invoked
        // with READ|WRITE, so the waiting code goes on and performs its (non-blocking) operation.
        Path file = Files.createTempFile("gevent4j-loop", ".txt");
        FileDescriptor fd = FileDescriptor.from(file.toFile());
        try (Loop loop = new Loop(backend); TestSupport.Guard g = guard(loop)) {
            IoWatcher w = loop.io(fd.intValue(), Loop.READ);
            List<Integer> revents = new ArrayList<>();
            w.start(() -> {
                revents.add(w.revents());
                w.stop();
            });
            loop.run();
            assertFalse(g.fired());
            if (backend == Backend.EPOLL) {
                assertEquals(List.of(Loop.READ | Loop.WRITE), revents);
            } else {
                assertEquals(1, revents.size()); // kqueue accepts files: always readable
            }
            w.close();
            assertEquals(0, loop.ioSourceCount());
        } finally {
            fd.close();
            Files.deleteIfExists(file);
        }
    }

    @Test
    void nioStaleChannelDoesNotDisturbANewOne() throws Exception {
        try (Loop loop = new Loop(Backend.NIO); TestSupport.Guard g = guard(loop)) {
            TestSupport.NioPipe old = new TestSupport.NioPipe();
            IoWatcher stale = old.watchReader(loop, Loop.READ);
            stale.start(stale::stop);
            old.write(1);
            loop.run();
            old.close(); // stale left open
            TestSupport.NioPipe pipe = new TestSupport.NioPipe();
            try {
                IoWatcher fresh = pipe.watchReader(loop, Loop.READ);
                assertEquals(2, loop.ioSourceCount());
                AtomicInteger calls = new AtomicInteger();
                fresh.start(() -> {
                    calls.incrementAndGet();
                    fresh.stop();
                });
                pipe.write(1);
                loop.run();
                assertFalse(g.fired());
                assertEquals(1, calls.get());
                stale.close();
                fresh.close();
                assertEquals(0, loop.ioSourceCount());
            } finally {
                pipe.close();
            }
        }
    }
}
