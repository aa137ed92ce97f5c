package io.gevent4j.loop;

import org.junit.jupiter.api.Test;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** destroy()/close() of loops and watchers. */
class LifecycleTest {

    @Test
    void destroyIsIdempotent() {
        TestSupport.backends().forEach(b -> {
            Loop loop = new Loop(b);
            assertFalse(loop.isDestroyed());
            loop.destroy();
            assertTrue(loop.isDestroyed());
            assertDoesNotThrow(loop::destroy);
            assertDoesNotThrow(loop::close);
            assertTrue(loop.toString().contains("destroyed"));
        });
    }

    @Test
    void callsAfterDestroyThrow() throws Exception {
        Loop loop = new Loop();
        TimerWatcher t = loop.timer(1, 0, SECONDS);
        IdleWatcher idle = loop.idle();
        loop.destroy();
        assertThrows(IllegalStateException.class, loop::run);
        assertThrows(IllegalStateException.class, () -> loop.run(RunMode.NOWAIT));
        assertThrows(IllegalStateException.class, () -> loop.timer(1, 0, MILLISECONDS));
        assertThrows(IllegalStateException.class, loop::idle);
        assertThrows(IllegalStateException.class, loop::prepare);
        assertThrows(IllegalStateException.class, loop::check);
        assertThrows(IllegalStateException.class, loop::async);
        assertThrows(IllegalStateException.class, () -> loop.runCallback(() -> { }));
        assertThrows(IllegalStateException.class, () -> loop.executeNext(() -> { }));
        assertThrows(IllegalStateException.class, () -> t.start(() -> { }));
        assertThrows(IllegalStateException.class, () -> idle.start(() -> { }));
        if (loop.backend().usesFileDescriptors()) {
            assertThrows(IllegalStateException.class, () -> loop.io(0, Loop.READ));
        }
        // Stopping and closing what is left stays harmless.
        assertDoesNotThrow(t::stop);
        assertDoesNotThrow(idle::close);
    }

    @Test
    void executeAfterDestroyIsRejected() throws InterruptedException {
        Loop loop = new Loop();
        loop.destroy();
        assertThrows(RejectedExecutionException.class, () -> loop.execute(() -> { }));
        assertThrows(RejectedExecutionException.class, () -> loop.runCallbackThreadsafe(() -> { }));
        AtomicReference<Throwable> fromOther = new AtomicReference<>();
        AtomicReference<Throwable> fromOther2 = new AtomicReference<>();
        Thread th = new Thread(() -> {
            try {
                loop.execute(() -> { });
            } catch (Throwable e) {
                fromOther.set(e);
            }
            try {
                loop.runCallbackThreadsafe(() -> { });
            } catch (Throwable e) {
                fromOther2.set(e);
            }
        });
        th.start();
        th.join(5_000);
        assertInstanceOf(RejectedExecutionException.class, fromOther.get());
        assertInstanceOf(RejectedExecutionException.class, fromOther2.get());
        assertFalse(loop.hasPending());
    }

    @Test
    void destroyDropsPendingWork() throws Exception {
        Loop loop = new Loop();
        loop.runCallback(() -> { throw new AssertionError("ran after destroy"); });
        loop.timer(0, 0).start(() -> { throw new AssertionError("ran after destroy"); });
        Thread th = new Thread(() -> loop.execute(() -> { throw new AssertionError("ran after destroy"); }));
        th.start();
        th.join(5_000);
        assertTrue(loop.hasPending());
        loop.destroy();
        assertFalse(loop.hasPending());
    }

    @Test
    void destroyWithActiveIoWatchersAndClosingThemAfterwards() throws Exception {
        for (Backend b : TestSupport.backends().toList()) {
            Loop loop = new Loop(b);
            try (TestSupport.TestPipe pipe = TestSupport.TestPipe.open(b)) {
                IoWatcher r = pipe.watchReader(loop, Loop.READ);
                IoWatcher w = pipe.watchWriter(loop, Loop.WRITE);
                r.start(() -> { });
                w.start(() -> { });
                loop.run(RunMode.NOWAIT);
                loop.destroy();
                assertDoesNotThrow(r::close);
                assertDoesNotThrow(w::close);
                assertEquals(0, loop.ioSourceCount());
                // the user's descriptors are still usable: the loop never closes them
                pipe.write(1);
                assertEquals(1, pipe.drain());
            }
        }
    }

    @Test
    void destroyFromACallbackEndsTheRun() {
        Loop loop = new Loop();
        loop.timer(60, 0, SECONDS).start(() -> { });
        loop.runCallback(loop::destroy);
        loop.runCallback(() -> { throw new AssertionError("ran after destroy"); });
        assertFalse(loop.run());
        assertTrue(loop.isDestroyed());
    }

    @Test
    void destroyedLoopsReleaseTheirDescriptors() {
        assumeTrue(TestSupport.haveProcFd(), "needs /proc/self/fd");
        TestSupport.backends().forEach(b -> {
            for (int i = 0; i < 20; i++) {
                new Loop(b).destroy();
            }
            long before = TestSupport.fdCount();
            for (int i = 0; i < 300; i++) {
                try (Loop loop = new Loop(b)) {
                    loop.timer(0, 0).start(() -> { });
                    loop.run(RunMode.NOWAIT);
                }
            }
            long after = TestSupport.fdCount();
            assertTrue(after - before <= 10, b + ": descriptors grew from " + before + " to " + after);
        });
    }

    @Test
    void closeOfAWatcherIsIdempotentAndFinal() {
        try (Loop loop = new Loop()) {
            TimerWatcher t = loop.timer(1, 0, SECONDS);
            t.start(() -> { });
            t.close();
            assertTrue(t.isClosed());
            assertFalse(t.isActive());
            assertFalse(loop.alive());
            assertDoesNotThrow(t::close);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.start(() -> { }));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertDoesNotThrow(t::stop);
        }
    }
}
