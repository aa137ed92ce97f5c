package io.gevent4j.loop;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gevent4j.loop.TestSupport.FAR_SECONDS;
import static io.gevent4j.loop.TestSupport.guard;
import static io.gevent4j.loop.TestSupport.later;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AsyncWatcherTest {

    @Test
    void sendFromAnotherThreadWakesABlockedLoop() throws InterruptedException {
        for (Backend b : TestSupport.backends().toList()) {
            try (Loop loop = new Loop(b); TestSupport.Guard g = guard(loop)) {
                AtomicInteger farCalls = new AtomicInteger();
                loop.timer(FAR_SECONDS, 0, SECONDS).start(farCalls::incrementAndGet);
                AsyncWatcher a = loop.async();
                AtomicInteger calls = new AtomicInteger();
                a.start(() -> {
                    calls.incrementAndGet();
                    loop.breakLoop();
                });
                Thread t = later(50, a::send);
                loop.run();
                assertFalse(g.fired(), b + ": send() did not wake the loop");
                assertEquals(1, calls.get());
                assertEquals(0, farCalls.get());
                assertTrue(a.isActive(), "an async watcher stays active after it fired");
                t.join(5_000);
            }
        }
    }

    @Test
    void sendsBeforeTheCallbackRanCoalesce() throws InterruptedException {
        try (Loop loop = new Loop()) {
            AsyncWatcher a = loop.async();
            AtomicInteger calls = new AtomicInteger();
            a.start(calls::incrementAndGet);
            List<Thread> senders = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int j = 0; j < 1000; j++) {
                        a.send();
                    }
                });
                t.start();
                senders.add(t);
            }
            go.countDown();
            for (Thread t : senders) {
                t.join(5_000);
            }
            assertTrue(a.isPending());
            loop.run(RunMode.NOWAIT);
            loop.run(RunMode.NOWAIT);
            assertEquals(1, calls.get(), "4000 sends before the loop ran make one invocation");
            assertFalse(a.isPending());
            // A send after the callback ran fires again.
            a.send();
            loop.run(RunMode.NOWAIT);
            assertEquals(2, calls.get());
            a.stop();
        }
    }

    @Test
    void sendsFromTheLoopThreadCoalesceToo() {
        try (Loop loop = new Loop()) {
            AsyncWatcher a = loop.async();
            AtomicInteger calls = new AtomicInteger();
            a.start(calls::incrementAndGet);
            // Three sends before the first one was delivered: one invocation.
            loop.runCallback(a::send);
            loop.runCallback(a::send);
            loop.runCallback(a::send);
            loop.run(RunMode.NOWAIT);
            loop.run(RunMode.NOWAIT);
            assertEquals(1, calls.get());
            a.stop();
        }
    }

    @Test
    void sendToAnInactiveWatcherIsDropped() throws InterruptedException {
        try (Loop loop = new Loop()) {
            AsyncWatcher a = loop.async();
            AtomicInteger calls = new AtomicInteger();
            Thread t = new Thread(a::send);
            t.start();
            t.join(5_000);
            loop.run(RunMode.NOWAIT); // the send arrives while the watcher is inactive
            a.start(calls::incrementAndGet);
            loop.run(RunMode.NOWAIT);
            loop.run(RunMode.NOWAIT);
            assertEquals(0, calls.get(), "a send to an inactive watcher is dropped");
            // and a stopped watcher drops sends too
            a.stop();
            a.send();
            loop.run(RunMode.NOWAIT);
            assertEquals(0, calls.get());
            a.start(calls::incrementAndGet);
            a.send();
            loop.run(RunMode.NOWAIT);
            assertEquals(1, calls.get());
            a.stop();
        }
    }

    @Test
    void stopDropsASendNotYetDelivered() {
        try (Loop loop = new Loop()) {
            AsyncWatcher a = loop.async();
            AtomicInteger calls = new AtomicInteger();
            a.start(calls::incrementAndGet);
            a.send();
            a.stop();
            loop.run(RunMode.NOWAIT);
            assertEquals(0, calls.get());
        }
    }

    @Test
    void anActiveAsyncWatcherKeepsTheLoopAliveUnlessUnreferenced() {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AsyncWatcher a = loop.async();
            a.start(() -> { });
            assertTrue(loop.alive());
            a.unref();
            assertFalse(loop.alive());
            assertFalse(loop.run());
            assertFalse(g.fired());
            a.close();
            assertTrue(a.isClosed());
        }
    }
}
