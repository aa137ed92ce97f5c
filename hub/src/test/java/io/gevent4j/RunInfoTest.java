package io.gevent4j;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gevent's print_run_info: hubs, watchers, the greenlet tree, what each waits on, stacks. */
class RunInfoTest {

    @Test
    void showsTheTreeOfGreenletsWhatEachWaitsOnAndTheirStacks() {
        Event never = new Event();
        Greenlet<Void> parent = new Greenlet<Void>(() -> {
            Gevent.spawn(() -> never.await()).setName("event-waiter");
            Gevent.spawn(() -> Gevent.sleep(60_000)).setName("sleeper");
            Gevent.spawn(() -> Thread.sleep(60_000)).setName("jdk-sleeper");
            never.await();
            return null;
        }).setName("parent");
        parent.start();
        Gevent.sleep(20);
        String info = Gevent.formatRunInfo();
        assertTrue(info.startsWith("gevent4j run info at "), info);
        assertTrue(info.contains("* Hub of thread '" + Thread.currentThread().getName() + "'"), info);
        assertTrue(info.matches("(?s).*active watchers: .*timer=\\d+.*"), info);
        assertTrue(info.contains("<Greenlet \"parent\" started>, spawned by main: waiting for Event[clear]"), info);
        assertTrue(info.contains("<Greenlet \"event-waiter\" started>, spawned by <Greenlet \"parent\" started>: waiting for Event[clear]"), info);
        assertTrue(info.contains("<Greenlet \"sleeper\" started>, spawned by <Greenlet \"parent\" started>: waiting for TimerWatcher"), info);
        assertTrue(info.contains("<Greenlet \"jdk-sleeper\" started>, spawned by <Greenlet \"parent\" started>: parked in the JDK"), info);
        assertTrue(info.contains("at io.gevent4j.RunInfoTest.lambda$"), "greenlet stacks: " + info);
        // the children are drawn under their parent
        assertTrue(info.indexOf("\"parent\"") < info.indexOf("\"event-waiter\""), info);
        RawGreenlet child = Gevent.getHub().greenlets().stream()
                .filter(g -> g instanceof Greenlet<?> x && x.getName().equals("sleeper")).findFirst().orElseThrow();
        assertSame(parent, child.spawnedBy());
        Gevent.killall(java.util.List.of(parent));
        for (RawGreenlet g : Gevent.getHub().greenlets()) {
            ((Greenlet<?>) g).kill();
        }
        assertEquals(0, Gevent.getHub().liveGreenlets());
    }

    @Test
    void worksFromAnotherThreadWhileTheHubIsBlocked() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        Greenlet<Void> spinner = Gevent.spawn(() -> {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }).setName("spinner");
        CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            seen.set(Gevent.formatRunInfo());
        });
        spinner.join();
        other.get(10, TimeUnit.SECONDS);
        assertTrue(seen.get().contains("<Greenlet \"spinner\" started>, spawned by main: running or runnable"), seen.get());
        assertTrue(seen.get().contains("onSpinWait") || seen.get().contains("RunInfoTest"), seen.get());
    }

    @Test
    void aSignalPrintsItEvenWhileTheHubIsBusy() throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (AutoCloseable h = Gevent.printRunInfoOn("USR2")) {
            System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
            Greenlet<Void> busy = Gevent.spawn(() -> {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2000);
                while (System.nanoTime() < until && !buf.toString(StandardCharsets.UTF_8).contains("busy-greenlet")) {
                    Thread.onSpinWait();
                }
            }).setName("busy-greenlet");
            Thread sender = Thread.ofPlatform().start(() -> { // another thread: the hub is busy meanwhile
                try {
                    Thread.sleep(200);
                    new ProcessBuilder("kill", "-USR2", String.valueOf(ProcessHandle.current().pid())).start().waitFor();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            busy.join(Duration.ofSeconds(5));
            sender.join();
        } finally {
            System.setErr(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("gevent4j run info at"), out);
        assertTrue(out.contains("<Greenlet \"busy-greenlet\" started>"), out);
    }

    @Test
    void statsCountGreenletsAndFailures() {
        Hub hub = Gevent.getHub();
        long spawned = hub.stats().spawned();
        long failed = hub.stats().failed();
        Gevent.joinall(java.util.List.of(Gevent.spawn(() -> { }), Gevent.spawn(() -> {
            throw new IllegalStateException("counted (expected by the test)");
        })));
        assertEquals(spawned + 2, hub.stats().spawned());
        assertEquals(failed + 1, hub.stats().failed());
        assertEquals(0, hub.stats().alive());
    }
}
