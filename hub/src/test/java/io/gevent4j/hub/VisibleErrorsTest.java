package io.gevent4j.hub;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With only slf4j-api on the class path (what a user's project gets from our poms), SLF4J's no-op
 * fallback would swallow every report: gevent4j then prints what gevent prints to standard error.
 */
class VisibleErrorsTest {

    @Test
    void withoutAnSlf4jProviderFailuresAndTheMonitorGoToStderr() throws Exception {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("logback"))
                .collect(Collectors.joining(File.pathSeparator));
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        File err = File.createTempFile("visible-errors", ".err");
        err.deleteOnExit();
        Process p = new ProcessBuilder(List.of(javaCmd, "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED", "-cp", cp, VisibleErrorsMain.class.getName()))
                .redirectError(err).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not finish");
        String stderr = Files.readString(err.toPath());
        assertEquals(0, p.exitValue(), stderr);
        assertTrue(out.contains("done"), out);
        assertTrue(stderr.contains("No SLF4J providers were found"), "the class path has no provider: " + stderr);
        assertTrue(stderr.contains("java.lang.IllegalStateException: a failure nobody may miss"), stderr);
        assertTrue(stderr.contains("at io.gevent4j.hub.VisibleErrorsMain"), "with its stack: " + stderr);
        assertTrue(stderr.lines().anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT.*<Greenlet .*> failed with "
                + "java.lang.IllegalStateException: a failure nobody may miss")), "gevent's summary line: " + stderr);
        assertTrue(stderr.contains("WARNING hub of thread 'main' blocked for"), "the monitor's report: " + stderr);
    }
}
