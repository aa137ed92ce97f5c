package io.gevent4j.parity;

import io.gevent4j.hub.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gevent's order, checked against gevent itself: every scenario of {@code parity/scenarios.py} runs in
 * real gevent (Debian's {@code python3-gevent}, which {@code .ci/services} installs) and as its Java
 * twin in {@link Scenarios}; the printed lines must be the same. Without gevent, the committed
 * {@code parity/NAME.expected} (gevent 22.10's output) stands in, and a test checks that those files
 * still match gevent wherever it is installed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ParityTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static volatile Boolean geventAvailable;

    static List<String> scenarios() {
        return Scenarios.ALL;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void javaTwinPrintsWhatGeventPrints(String name) throws Exception {
        List<String> expected = hasGevent() ? gevent(name) : committed(name);
        assertEquals(String.join("\n", expected), String.join("\n", java(name)),
                name + (hasGevent() ? " (compared with real gevent)" : " (compared with " + name + ".expected)"));
    }

    @Test
    void committedExpectationsAreGeventsOutput() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(hasGevent(),
                "gevent is not installed for " + PYTHON + " (apt-get install python3-gevent)");
        for (String name : Scenarios.ALL) {
            assertEquals(gevent(name), committed(name), name + ".expected differs from gevent's output");
        }
    }

    /** Runs the Java twin on a fresh platform thread (a fresh hub) and returns what it printed. */
    static List<String> java(String name) throws Exception {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            Hub hub = Hub.current();
            try {
                new Scenarios(lines::add).run(name);
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                hub.destroy();
            }
        }, "parity-" + name);
        t.start();
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(!t.isAlive(), name + " did not finish: " + lines);
        if (failure.get() != null) {
            throw new AssertionError(name + " failed after " + lines, failure.get());
        }
        return new ArrayList<>(lines);
    }

    static List<String> committed(String name) throws IOException {
        try (InputStream in = ParityTest.class.getResourceAsStream("/parity/" + name + ".expected")) {
            assertNotNull(in, "no parity/" + name + ".expected");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    static List<String> gevent(String name) throws Exception {
        Path script = Files.createTempFile("gevent4j-parity", ".py");
        try {
            try (InputStream in = ParityTest.class.getResourceAsStream("/parity/scenarios.py")) {
                Files.write(script, in.readAllBytes());
            }
            Process p = new ProcessBuilder(PYTHON, script.toString(), name)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start(); // gevent's tracebacks go to stderr
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "gevent's " + name + " did not finish");
            assertEquals(0, p.exitValue(), "gevent's " + name + " failed: " + out);
            return out.lines().toList();
        } finally {
            Files.deleteIfExists(script);
        }
    }

    static synchronized boolean hasGevent() {
        if (geventAvailable == null) {
            boolean ok = false;
            if (Files.isExecutable(Path.of(PYTHON))) {
                try {
                    Process p = new ProcessBuilder(PYTHON, "-c", "import gevent").redirectErrorStream(true).start();
                    p.getInputStream().readAllBytes();
                    ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
                } catch (IOException | InterruptedException e) {
                    ok = false;
                }
            }
            geventAvailable = ok;
        }
        return geventAvailable;
    }
}
