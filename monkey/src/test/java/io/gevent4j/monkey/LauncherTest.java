package io.gevent4j.monkey;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher and the agent, each in a child JVM as a user runs them. */
class LauncherTest {

    @Test
    void runsAnUnmodifiedMainInAGreenletWithSocketsPatched() throws Exception {
        var r = ChildJvm.run(List.of(), Main.class.getName(), "--verbose", "io.gevent4j.monkey.apps.HelloApp", "a", "b c");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("args=a,b c", "greenlet=true", "patched=true", "answer=42"), r.out().lines().toList());
        assertTrue(r.err().contains("socket: patched"), r.err());
    }

    @Test
    void anExceptionFromMainPrintsItsStackAndExitsWithOne() throws Exception {
        var r = ChildJvm.run(List.of(), Main.class.getName(), "io.gevent4j.monkey.apps.FailingApp");
        assertEquals(1, r.exit(), r.err());
        assertEquals("before", r.out().strip());
        assertTrue(r.err().contains("Exception in thread \"main\" java.lang.IllegalStateException: boom from the app"), r.err());
        assertTrue(r.err().contains("at io.gevent4j.monkey.apps.FailingApp.main(FailingApp.java"), r.err());
    }

    @Test
    void runsAnInstanceMain() throws Exception {
        var r = ChildJvm.run(List.of(), Main.class.getName(), "io.gevent4j.monkey.apps.InstanceMainApp");
        assertEquals(0, r.exit(), r.err());
        assertEquals("instance main ran", r.out().strip());
    }

    @Test
    void usageErrorsExitWithTwo() throws Exception {
        var missing = ChildJvm.run(List.of(), Main.class.getName(), "com.example.NoSuchApp");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("main class not found: com.example.NoSuchApp"), missing.err());
        var none = ChildJvm.run(List.of(), Main.class.getName());
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("usage:"), none.err());
    }

    @Test
    void withoutTheJavaNetFlagTheLauncherSaysWhichFlagIsMissing() throws Exception {
        var r = ChildJvm.run("--add-opens java.base/java.lang=ALL-UNNAMED --enable-native-access=ALL-UNNAMED",
                List.of(), Main.class.getName(), "io.gevent4j.monkey.apps.HelloApp");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--add-opens java.base/java.net=ALL-UNNAMED"), r.err());
        assertEquals("", r.out().strip());
    }

    /** Each distinct report of the monitor, which must appear exactly once (not once per logging route). */
    static List<String> monitorReports(String output) {
        List<String> lines = output.lines().filter(l -> l.contains("hub of thread 'main' blocked for")).toList();
        assertTrue(!lines.isEmpty(), "no blocking report in:\n" + output);
        assertEquals(lines.size(), lines.stream().distinct().count(), "a report was printed twice:\n" + output);
        return lines;
    }

    @Test
    void maxBlockingTimeReportsAGreenletHoldingTheHubWithItsStack() throws Exception {
        var r = ChildJvm.run(List.of(), Main.class.getName(), "--max-blocking-time=100", "io.gevent4j.monkey.apps.BusyApp");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().lines().toList().contains("done true"), r.out());
        // The test class path has an SLF4J binding (logback, to stdout): the report goes through it, once.
        monitorReports(r.out() + r.err());
        assertTrue((r.out() + r.err()).contains("io.gevent4j.monkey.apps.BusyApp.main"), r.out() + r.err());
    }

    /** A busy executor task (a virtual thread the hub adopted) is reported with its own stack. */
    @Test
    void maxBlockingTimeReportsABusyExecutorTaskWithItsStack() throws Exception {
        var r = ChildJvm.run(List.of(), Main.class.getName(), "--max-blocking-time=100",
                "io.gevent4j.monkey.apps.BusyExecutorApp");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().lines().toList().contains("done true"), r.out());
        monitorReports(r.out() + r.err());
        assertTrue((r.out() + r.err()).contains("io.gevent4j.monkey.apps.BusyExecutorApp.spin"), r.out() + r.err());
    }

    @Test
    void theSystemPropertyAlsoStartsTheMonitor() throws Exception {
        var r = ChildJvm.run(List.of("-D" + Main.MAX_BLOCKING_TIME_PROPERTY + "=100"), Main.class.getName(),
                "io.gevent4j.monkey.apps.BusyApp");
        assertEquals(0, r.exit(), r.err());
        monitorReports(r.out() + r.err());
    }

    @Test
    void theJavaAgentPatchesAProgramStartedWithPlainJava(@TempDir Path dir) throws Exception {
        Path agent = dir.resolve("agent.jar");
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(new Attributes.Name("Premain-Class"), Premain.class.getName());
        try (OutputStream o = Files.newOutputStream(agent); JarOutputStream jar = new JarOutputStream(o, m)) {
            jar.flush();
        }
        var r = ChildJvm.run(List.of("-javaagent:" + agent + "=verbose"), "io.gevent4j.monkey.apps.AgentApp");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("patched=true", "mainIsVirtual=false", "answer=7"), r.out().lines().toList());
        assertTrue(r.err().contains("gevent4j.monkey agent: socket: patched"), r.err());
    }
}
