package io.gevent4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user who forgets the JVM flag gets an exception that names it, at the first spawn. */
class MissingJvmFlagTest {
    private static final String FLAG = "--add-opens java.base/java.lang=ALL-UNNAMED";

    @Test
    @Timeout(60)
    void spawnWithoutTheFlagNamesTheFlag() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                NoFlagMain.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("JDK_JAVA_OPTIONS"); // the flag must really be missing
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = pb.start();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Thread reader = Thread.ofPlatform().start(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(buf);
            } catch (java.io.IOException ignored) {
                // process gone
            }
        });
        boolean exited = p.waitFor(45, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly();
        }
        reader.join(5_000);
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(exited, "child JVM hung:\n" + out);
        assertNotEquals(0, p.exitValue(), out);
        assertFalse(out.contains("UNEXPECTED"), out);
        assertTrue(out.contains(FLAG), "the output names the flag:\n" + out);
        // The first line of the failure is our message, not a raw reflection error.
        String first = out.lines().filter(l -> l.contains("Exception") || l.contains("Error"))
                .findFirst().orElse("");
        assertTrue(first.startsWith("Exception in thread \"main\""), out);
        assertFalse(first.contains("InaccessibleObjectException"), "first line: " + first);
        assertTrue(first.contains(FLAG), "first line: " + first);
        assertEquals(1, out.lines().filter(l -> l.startsWith("Exception in thread")).count(), out);
    }
}
