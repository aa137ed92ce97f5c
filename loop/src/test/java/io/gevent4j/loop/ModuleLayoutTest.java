package io.gevent4j.loop;

import io.gevent4j.testkit.ProbeProgram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A program that depends on gevent4j-loop alone runs on the class path and on the module path, with
 * Netty's epoll jars and without its kqueue jars, and cannot reach the loop's internal package.
 */
class ModuleLayoutTest {
    static final String PROBE = """
            package probe;

            import io.gevent4j.loop.Loop;
            import java.util.concurrent.TimeUnit;

            public class Main {
                public static void main(String[] args) throws Exception {
                    boolean kqueue;
                    try {
                        Class.forName("io.netty.channel.kqueue.KQueue");
                        kqueue = true;
                    } catch (ClassNotFoundException e) {
                        kqueue = false;
                    }
                    try (Loop loop = new Loop()) {
                        int[] fired = {0};
                        loop.timer(5, 0, TimeUnit.MILLISECONDS).start(() -> fired[0]++);
                        loop.run();
                        System.out.println("backend=" + loop.backend() + " fired=" + fired[0] + " kqueue=" + kqueue
                                + " named=" + Loop.class.getModule().isNamed());
                    }
                }
            }
            """;

    @TempDir
    static Path dir;
    static ProbeProgram probe;

    @BeforeAll
    static void compile() throws Exception {
        probe = ProbeProgram.compile(dir, "io.gevent4j.loop", PROBE);
    }

    @Test
    void runsOnTheClassPathWithEpollAlone() throws Exception {
        var r = probe.onClassPath("--enable-native-access=ALL-UNNAMED");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("backend=EPOLL fired=1 kqueue=false named=false"), r.output());
        assertFalse(r.output().contains("WARNING"), "no JVM warning with the documented flags:\n" + r.output());
    }

    @Test
    void runsOnTheModulePathWithEpollAlone() throws Exception {
        var r = probe.onModulePath("--add-modules", "ALL-MODULE-PATH", "--enable-native-access=io.netty.common");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("backend=EPOLL fired=1 kqueue=false named=true"), r.output());
        assertFalse(r.output().contains("WARNING"), "no JVM warning with the documented flags:\n" + r.output());
    }

    @Test
    void theInternalPackageIsNotExported() throws Exception {
        ProbeProgram.assertNotExported(dir.resolve("internal"), "io.gevent4j.loop",
                "io.gevent4j.loop.internal.Carrier");
    }
}
