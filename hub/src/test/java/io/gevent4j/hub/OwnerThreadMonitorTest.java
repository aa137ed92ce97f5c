package io.gevent4j.hub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The owner thread may hold monitors while it waits in gevent calls: greenlets never run on its stack
 * (issue 9). Before the carrier thread, these scenarios spun forever, broke mutual exclusion or crashed
 * the JVM in {@code Thaw::thaw_slow}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OwnerThreadMonitorTest {

    static String[] scenarios() {
        return OwnerMonitors.ALL;
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void holdsOnTheOwnerThread(String scenario) {
        assertNull(OwnerMonitors.run(scenario));
    }

    @Test
    void holdsInTheInterpreter() throws Exception {
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(javaCmd, "-Xint"));
        cmd.addAll(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), OwnerMonitors.class.getName()));
        File log = File.createTempFile("owner-monitors", ".log");
        log.deleteOnExit();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        boolean done = p.waitFor(50, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
            p.waitFor();
        }
        String out = java.nio.file.Files.readString(log.toPath(), StandardCharsets.UTF_8);
        assertTrue(done, "-Xint run did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        for (String s : OwnerMonitors.ALL) {
            assertTrue(out.contains(s + ": ok"), out);
        }
    }
}
