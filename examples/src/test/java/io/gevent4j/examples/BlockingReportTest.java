package io.gevent4j.examples;

import io.gevent4j.examples.monitor.BlockingReport;
import io.gevent4j.hub.BlockingMonitor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The blocking-report example: blocking calls are reported and stall the ticker; cooperative ones do not. */
class BlockingReportTest {

    @Test
    void blockingCallsAreReportedAndTheCooperativeFileReadKeepsTheTickerTicking(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data");
        Files.write(file, new byte[16 * 1024 * 1024]);
        List<BlockingMonitor.Report> reports = new CopyOnWriteArrayList<>();
        Consumer<BlockingMonitor.Report> l = reports::add;
        BlockingMonitor.addListener(l);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int[] ticks;
        try {
            ticks = BlockingReport.run(new PrintStream(buf, true, StandardCharsets.UTF_8), file);
        } finally {
            BlockingMonitor.removeListener(l);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(ticks[0] <= 1, "the ticker cannot tick while a greenlet spins: " + ticks[0]);
        assertTrue(ticks[2] >= 3, "the ticker ticks during cooperative file reads: " + ticks[2]);
        assertTrue(reports.stream().anyMatch(r -> r.what().startsWith("running without yielding")), reports.toString());
        assertTrue(out.contains("<Greenlet \"child\" started>, spawned by <Greenlet \"parent\" started>"), out);
        assertTrue(out.contains("* Hub of thread '"), out);
    }
}
