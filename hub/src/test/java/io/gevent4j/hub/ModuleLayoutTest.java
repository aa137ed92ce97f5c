package io.gevent4j.hub;

import io.gevent4j.testkit.ProbeProgram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.gevent4j.testkit.ProbeProgram.CLASS_PATH_FLAGS;
import static io.gevent4j.testkit.ProbeProgram.MODULE_PATH_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A program that depends on gevent4j-hub alone runs greenlets on the class path and on the module
 * path; with the flag missing or given for the wrong path, the error names the flag as it must be
 * written for that path.
 */
class ModuleLayoutTest {
    static final String PROBE = """
            package probe;

            import io.gevent4j.Gevent;
            import io.gevent4j.Greenlet;
            import java.util.List;

            public class Main {
                public static void main(String[] args) throws Exception {
                    StringBuffer order = new StringBuffer();
                    Greenlet<?> a = Gevent.spawn(() -> { order.append("a1 "); Gevent.sleep(20); order.append("a2 "); });
                    Greenlet<?> b = Gevent.spawn(() -> { order.append("b1 "); Gevent.sleep(10); order.append("b2 "); });
                    Gevent.joinall(List.of(a, b));
                    System.out.println("order=" + order.toString().trim() + " named="
                            + Gevent.class.getModule().isNamed());
                }
            }
            """;

    @TempDir
    static Path dir;
    static ProbeProgram probe;

    @BeforeAll
    static void compile() throws Exception {
        probe = ProbeProgram.compile(dir, "io.gevent4j.hub", PROBE);
    }

    @Test
    void greenletsRunOnTheClassPath() throws Exception {
        var r = probe.onClassPath(CLASS_PATH_FLAGS);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("order=a1 b1 b2 a2 named=false"), r.output());
    }

    @Test
    void greenletsRunOnTheModulePath() throws Exception {
        var r = probe.onModulePath(MODULE_PATH_FLAGS);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("order=a1 b1 b2 a2 named=true"), r.output());
        assertFalse(r.output().contains("WARNING"), r.output());
    }

    @Test
    void withoutTheFlagTheClassPathErrorNamesAllUnnamed() throws Exception {
        var r = probe.onClassPath("--enable-native-access=ALL-UNNAMED");
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("needs the JVM flag: --add-opens java.base/java.lang=ALL-UNNAMED "),
                r.output());
    }

    @Test
    void theClassPathFlagOnTheModulePathGetsAnErrorNamingOurModules() throws Exception {
        var r = probe.onModulePath("--add-opens", "java.base/java.lang=ALL-UNNAMED");
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains(
                "needs the JVM flag: --add-opens java.base/java.lang=io.gevent4j.hub,io.gevent4j.loop "), r.output());
    }

    @Test
    void openingJavaLangToTheHubAloneNamesTheLoopToo() throws Exception {
        var r = probe.onModulePath("--add-opens", "java.base/java.lang=io.gevent4j.hub");
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("needs the JVM flag: --add-opens java.base/java.lang=io.gevent4j.loop "),
                r.output());
        assertFalse(r.output().contains("used from thread"), "not the misleading ownership error:\n" + r.output());
    }
}
