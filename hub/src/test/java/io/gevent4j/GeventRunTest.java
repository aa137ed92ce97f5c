package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.RawGreenlet;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Gevent#run}: the entry point that runs a program's code in a greenlet. */
class GeventRunTest {

    @Test
    void runsTheTaskInAGreenletAndReturnsItsValue() {
        RawGreenlet main = Gevent.getcurrent();
        String v = Gevent.run(() -> {
            assertTrue(Thread.currentThread().isVirtual());
            assertFalse(Gevent.getcurrent().isMain());
            assertEquals(Gevent.getHub(), main.hub());
            return "done";
        });
        assertEquals("done", v);
    }

    @Test
    void jdkBlockingCallsInsideParkOnlyThatGreenlet() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
        String got = Gevent.run(() -> {
            Gevent.spawn(() -> {
                for (int i = 0; i < 5; i++) {
                    ticks.incrementAndGet();
                    Thread.sleep(2); // a JDK sleep in a greenlet parks only it
                }
                q.put("from the ticker");
            });
            Thread.sleep(30);
            return q.take(); // a JDK queue: parks only this greenlet
        });
        assertEquals("from the ticker", got);
        assertEquals(5, ticks.get());
    }

    @Test
    void aCheckedExceptionOfTheTaskComesOutAsItselfDeclared() {
        IOException boom = new IOException("boom");
        IOException thrown = assertThrows(IOException.class, () -> Gevent.run(() -> {
            throw boom;
        }));
        assertSame(boom, thrown);
        try {
            Gevent.run(() -> {
                if (boom != null) {
                    throw boom;
                }
            });
        } catch (IOException e) { // compiles: run(ThrowingRunnable<IOException>) declares it
            assertSame(boom, e);
        }
    }

    @Test
    void insideAGreenletItSimplyCallsTheTask() throws Exception {
        Greenlet<Boolean> g = Gevent.spawn(() -> Gevent.run(() -> Gevent.getcurrent() != null
                && !Gevent.getcurrent().isMain()));
        assertTrue(g.get());
    }

    @Test
    void aKillOfTheCallerWhileItWaitsIsNotSwallowed() {
        Greenlet<Void> caller = Gevent.spawn(() -> Gevent.run(() -> Gevent.sleep(Duration.ofSeconds(30))));
        Gevent.sleep(5);
        caller.kill(Duration.ofSeconds(5));
        assertTrue(caller.ready());
        assertTrue(caller.killedBy() instanceof GreenletExit);
    }
}
