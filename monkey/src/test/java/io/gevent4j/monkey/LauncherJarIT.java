package io.gevent4j.monkey;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher jar as a user runs it: {@code java -jar gevent4j-monkey-VERSION-launcher.jar ...}, with
 * no JVM flag on the command line (they are in its manifest) and nothing else on the class path but
 * the program's own jars. Runs after {@code package} (failsafe), which builds the jar.
 */
class LauncherJarIT {
    private static final Path LAUNCHER = Path.of(System.getProperty("gevent4j.launcherJar",
            "target/gevent4j-monkey-launcher.jar"));
    private static final Path TEST_CLASSES = Path.of("target", "test-classes");

    record Result(int exit, String out, String err) {
    }

    private static Result java(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(Arrays.asList(args));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not end within 60 s: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** A jar of the test apps' classes (the app classes only: their library is the launcher jar). */
    private static Path appJar(Path dir, String name, String mainClass, String... classes) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (mainClass != null) {
            m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        }
        Path jar = dir.resolve(name);
        try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o, m)) {
            for (String c : classes) {
                String entry = c.replace('.', '/') + ".class";
                j.putNextEntry(new JarEntry(entry));
                j.write(Files.readAllBytes(TEST_CLASSES.resolve(entry)));
                j.closeEntry();
            }
        }
        return jar;
    }

    /** The JVM says nothing about flags, native access or agents: the manifest covered them. */
    private static void noJvmWarnings(Result r) {
        for (String l : r.err().lines().toList()) {
            assertFalse(l.startsWith("WARNING:"), "the JVM warned: " + l + "\n" + r.err());
        }
    }

    @Test
    void runsAProgramGivenByItsClassPathWithTheFlagsFromTheManifest(@TempDir Path dir) throws Exception {
        assertTrue(Files.isRegularFile(LAUNCHER), "no launcher jar at " + LAUNCHER);
        Path app = appJar(dir, "app.jar", null, "io.gevent4j.monkey.apps.HelloApp");
        Result r = java(dir, "-jar", LAUNCHER.toString(), "--verbose", "-cp", app.toString(),
                "io.gevent4j.monkey.apps.HelloApp", "a", "b c");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("args=a,b c", "greenlet=true", "patched=true", "answer=42"), r.out().lines().toList());
        assertTrue(r.err().contains("socket: patched"), r.err());
        noJvmWarnings(r);
    }

    @Test
    void runsAnApplicationJarsMainClass(@TempDir Path dir) throws Exception {
        Path app = appJar(dir, "hello.jar", "io.gevent4j.monkey.apps.HelloApp", "io.gevent4j.monkey.apps.HelloApp");
        Result r = java(dir, "-jar", LAUNCHER.toString(), app.toString(), "x");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("args=x", "greenlet=true", "patched=true", "answer=42"), r.out().lines().toList());
        noJvmWarnings(r);
    }

    /** With an SLF4J binding on the program's class path the report goes through it; without, to stderr: once. */
    @Test
    void eachMonitorReportIsPrintedOnceWithAnSlf4jBindingAndWithout(@TempDir Path dir) throws Exception {
        Path app = appJar(dir, "busy.jar", null, "io.gevent4j.monkey.apps.BusyApp");
        // the test JVM may have logback on its class path or (a modular test run) on its module path
        String paths = System.getProperty("java.class.path", "") + File.pathSeparator
                + System.getProperty("jdk.module.path", "");
        String logback = Arrays.stream(paths.split(File.pathSeparator))
                .filter(e -> e.contains("logback-classic") || e.contains("logback-core"))
                .collect(Collectors.joining(File.pathSeparator));
        assertEquals(2, logback.split(File.pathSeparator).length, "logback jars on the test class path: " + logback);

        Result bound = java(dir, "-jar", LAUNCHER.toString(), "--max-blocking-time=100",
                "-cp", app + File.pathSeparator + logback, "io.gevent4j.monkey.apps.BusyApp");
        assertEquals(0, bound.exit(), bound.err());
        assertTrue(bound.out().contains("done true"), bound.out());
        List<String> viaLogback = LauncherTest.monitorReports(bound.out() + bound.err());
        assertTrue(viaLogback.get(0).contains("WARN io.gevent4j.hub.BlockingMonitor"), viaLogback.toString());

        Result unbound = java(dir, "-jar", LAUNCHER.toString(), "--max-blocking-time=100", "-cp", app.toString(),
                "io.gevent4j.monkey.apps.BusyApp");
        assertEquals(0, unbound.exit(), unbound.err());
        LauncherTest.monitorReports(unbound.err());
        assertTrue(unbound.err().contains("io.gevent4j.monkey.apps.BusyApp.main"), unbound.err());
    }

    @Test
    void withoutTheProgramsClassPathItSaysHowToGiveIt(@TempDir Path dir) throws Exception {
        Result r = java(dir, "-jar", LAUNCHER.toString(), "io.gevent4j.monkey.apps.HelloApp");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("main class not found: io.gevent4j.monkey.apps.HelloApp (give the program's"
                + " class path: java -jar gevent4j-monkey-launcher.jar -cp app.jar"), r.err());
    }

    @Test
    void aClassDirectoryIsRefusedWithTheCommandThatTakesIt(@TempDir Path dir) throws Exception {
        Result r = java(dir, "-jar", LAUNCHER.toString(), "-cp", TEST_CLASSES.toAbsolutePath().toString(),
                "io.gevent4j.monkey.apps.HelloApp");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("is a directory") && r.err().contains("io.gevent4j.monkey.Main"), r.err());
    }
}
