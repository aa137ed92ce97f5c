package io.gevent4j.hub;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub's JFR events reach a recording, and a program that records nothing never pays for JFR: the
 * first use of an event class initializes JFR's metadata (240-360 ms measured here), which the first
 * spawn or loop iteration would otherwise spend on the hub's thread.
 */
class JfrEventsTest {

    @Test
    void withoutARecordingGreenletsNeverInitializeJfr() throws Exception {
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of(javaCmd, "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED", "-verbose:class", "-cp", System.getProperty("java.class.path"),
                JfrProbeMain.class.getName())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("\ndone"), out);
        assertTrue(out.contains("io.gevent4j.hub.HubEvents "), "the probe must run the code that emits events");
        assertFalse(out.contains("jdk.jfr.internal.MetadataRepository"), "JFR's metadata was initialized");
        assertFalse(out.contains("io.gevent4j.hub.HubEvents$Spawn"), "an event class was loaded");
    }

    @Test
    void spawnExitBlockedAndLongIterationEventsAreRecorded() throws Exception {
        List<RecordedEvent> events = new CopyOnWriteArrayList<>();
        try (RecordingStream rs = new RecordingStream()) {
            for (String e : List.of("io.gevent4j.GreenletSpawn", "io.gevent4j.GreenletExit", "io.gevent4j.HubBlocked",
                    "io.gevent4j.LoopIteration")) {
                rs.enable(e);
                rs.onEvent(e, events::add);
            }
            rs.startAsync();
            Hub hub = Gevent.getHub();
            for (int i = 0; i < 3; i++) { // greenlets' events first: they once made the loop's get lost
                Gevent.spawn(() -> Gevent.sleep(1)).join();
            }
            try (BlockingMonitor m = BlockingMonitor.start(hub, Duration.ofMillis(50), r -> { })) {
                Greenlet<Void> spinner = Gevent.spawn(() -> {
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }).setName("jfr-spinner");
                spinner.join();
                Gevent.spawn(() -> {
                    throw new IllegalStateException("a failure (expected by the test)");
                }).setName("jfr-failing").join();
                Gevent.sleep(1);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && !(has(events, "io.gevent4j.GreenletSpawn", "jfr-spinner")
                    && has(events, "io.gevent4j.GreenletExit", "jfr-failing")
                    && has(events, "io.gevent4j.HubBlocked", "jfr-spinner")
                    && events.stream().anyMatch(e -> e.getEventType().getName().equals("io.gevent4j.LoopIteration")))) {
                Thread.sleep(50);
            }
        }
        assertTrue(has(events, "io.gevent4j.GreenletSpawn", "jfr-spinner"), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("io.gevent4j.GreenletExit")
                && String.valueOf(e.getString("greenlet")).contains("jfr-failing")
                && String.valueOf(e.getString("failure")).contains("IllegalStateException")), events.toString());
        assertTrue(has(events, "io.gevent4j.HubBlocked", "jfr-spinner"), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("io.gevent4j.LoopIteration")
                && e.getDuration().toMillis() >= 20), events.toString());
    }

    /** An event of {@code type} whose fields mention {@code name}. */
    private static boolean has(List<RecordedEvent> events, String type, String name) {
        return events.stream().anyMatch(e -> e.getEventType().getName().equals(type) && e.toString().contains(name));
    }
}
