package io.gevent4j;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signals sent to this JVM from outside ({@code kill -s WINCH}) run their handlers in greenlets of the
 * hub that registered them. SIGWINCH is harmless (ignored by default), so a test that fails to
 * install its handler cannot kill the test JVM.
 */
@ExtendWith(FreshHub.class)
@org.junit.jupiter.api.Timeout(30)
class SignalsTest {

    private static void raise(String signal) throws IOException, InterruptedException {
        // The shell's own kill: no procps needed.
        Process kill = new ProcessBuilder("sh", "-c", "kill -s " + signal + " " + ProcessHandle.current().pid())
                .inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    @Test
    void theHandlerRunsInANewGreenletOfTheRegisteringHub() throws Exception {
        Hub hub = Hub.current();
        AsyncResult<RawGreenlet> ran = new AsyncResult<>();
        try (Signals.Handle h = Gevent.signalHandler("SIGWINCH", () -> ran.set(Gevent.getcurrent()))) {
            assertEquals("WINCH", h.signal());
            assertSame(hub, h.hub());
            raise("WINCH");
            RawGreenlet g = ran.get(Duration.ofSeconds(10));
            assertTrue(g instanceof Greenlet<?>, "a greenlet, not the hub: " + g);
            assertNotSame(hub.mainGreenlet(), g);
            assertSame(hub, g.hub());
            assertEquals("signal-WINCH", ((Greenlet<?>) g).getName());
        }
    }

    @Test
    void everyHandlerOfASignalRunsAndCancelledOnesStop() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Event second = new Event();
        Signals.Handle a = Signals.handle("winch", () -> seen.add("a"));
        Signals.Handle b = Signals.handle("WINCH", () -> {
            seen.add("b");
            second.set();
        });
        try {
            raise("WINCH");
            assertTrue(second.await(Duration.ofSeconds(10)));
            Gevent.sleep(20);
            assertEquals(List.of("a", "b"), seen, "in the order they were registered");
            a.cancel();
            a.cancel();
            assertFalse(a.isActive());
            seen.clear();
            second.clear();
            raise("WINCH");
            assertTrue(second.await(Duration.ofSeconds(10)));
            Gevent.sleep(20);
            assertEquals(List.of("b"), seen);
        } finally {
            a.cancel();
            b.cancel();
        }
        // With no handler left the JVM's own action (ignore) is back: nothing runs, nothing dies.
        seen.clear();
        raise("WINCH");
        Gevent.sleep(200);
        assertEquals(List.of(), seen);
    }

    @Test
    void aFailingHandlerIsReportedAndTheNextDeliveryStillRuns() throws Exception {
        try (LogCapture log = LogCapture.hub()) {
            Event ok = new Event();
            int[] calls = {0};
            try (Signals.Handle h = Signals.handle("WINCH", () -> {
                if (calls[0]++ == 0) {
                    throw new IllegalStateException("handler failed");
                }
                ok.set();
            })) {
                raise("WINCH");
                assertTrue(TestFiles.eventually(() -> calls[0] == 1));
                raise("WINCH");
                assertTrue(ok.await(Duration.ofSeconds(10)));
                assertTrue(h.isActive());
            }
            assertEquals(1, log.withException(IllegalStateException.class).size(), "reported once: " + log.events());
        }
    }

    @Test
    void aHandlerDoesNotKeepItsHubAlive() {
        try (Signals.Handle h = Signals.handle("WINCH", () -> { })) {
            Greenlet<String> g = Gevent.spawn(() -> "done");
            assertEquals("done", g.get());
            Hub.current().join(); // returns: the handler alone is no reason to keep running
            assertTrue(h.isActive());
        }
    }

    @Test
    void unknownAndReservedSignalsAreRefusedClearly() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Signals.handle("NOSUCH", () -> { }));
        assertTrue(unknown.getMessage().contains("NOSUCH"), unknown.getMessage());
        IllegalArgumentException kill = assertThrows(IllegalArgumentException.class,
                () -> Signals.handle("SIGKILL", () -> { }));
        assertTrue(kill.getMessage().contains("KILL"), kill.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Signals.handle("  ", () -> { }));
        assertThrows(NullPointerException.class, () -> Signals.handle("WINCH", null));
    }

    @Test
    void aSignalForADestroyedHubCancelsItsHandler() throws Exception {
        Signals.Handle[] handle = new Signals.Handle[1];
        Thread t = Thread.ofPlatform().start(() -> {
            handle[0] = Signals.handle("WINCH", () -> { });
            Hub.current().destroy();
        });
        t.join();
        assertTrue(handle[0].isActive());
        raise("WINCH");
        assertTrue(TestFiles.eventually(() -> !handle[0].isActive()), "cancelled at the first delivery");
    }
}
