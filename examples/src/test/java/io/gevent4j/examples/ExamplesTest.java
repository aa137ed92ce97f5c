package io.gevent4j.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The examples print what the seed documents say they print. */
class ExamplesTest {

    private static List<String> lines(java.util.function.Consumer<PrintStream> program) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            program.accept(out);
        }
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void rawSwitchPrints12_56_34() {
        assertEquals(List.of("12", "56", "34"), lines(RawSwitch::run));
    }

    @Test
    void spawnOrderWithoutYieldRunsOneAfterTheOther() {
        assertEquals(List.of("greenlet-1 0", "greenlet-1 1", "greenlet-1 2", "greenlet-2 0", "greenlet-2 1",
                "greenlet-2 2", "greenlet-3 0", "greenlet-3 1", "greenlet-3 2"), lines(out -> SpawnOrder.run(out, false)));
    }

    @Test
    void spawnOrderWithSleepZeroInterleaves() {
        assertEquals(List.of("greenlet-1 0", "greenlet-2 0", "greenlet-3 0", "greenlet-1 1", "greenlet-2 1",
                "greenlet-3 1", "greenlet-1 2", "greenlet-2 2", "greenlet-3 2"), lines(out -> SpawnOrder.run(out, true)));
    }
}
