package io.gevent4j.monkey;

import io.gevent4j.testkit.ProbeProgram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.gevent4j.testkit.ProbeProgram.CLASS_PATH_FLAGS;
import static io.gevent4j.testkit.ProbeProgram.MODULE_PATH_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A program that depends on gevent4j-monkey alone patches {@code java.net.Socket} and talks over it in
 * greenlets, on the class path and on the module path; with {@code java.net} opened to the wrong
 * target the error names the right one.
 */
class ModuleLayoutTest {
    static final String PROBE = """
            package probe;

            import io.gevent4j.Gevent;
            import io.gevent4j.Greenlet;
            import io.gevent4j.monkey.Monkey;
            import java.net.InetAddress;
            import java.net.ServerSocket;
            import java.net.Socket;
            import java.nio.charset.StandardCharsets;

            public class Main {
                public static void main(String[] args) throws Exception {
                    Monkey.patchSocket();
                    Greenlet<String> g = Gevent.spawn(() -> {
                        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                            Greenlet<?> server = Gevent.spawn(() -> {
                                try (Socket s = ss.accept()) {
                                    s.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
                                }
                                return null;
                            });
                            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                                String got = new String(c.getInputStream().readNBytes(2), StandardCharsets.US_ASCII);
                                server.get();
                                return got;
                            }
                        }
                    });
                    System.out.println("patched=" + Monkey.isPatched(Monkey.SOCKET) + " got=" + g.get());
                }
            }
            """;

    @TempDir
    static Path dir;
    static ProbeProgram probe;

    @BeforeAll
    static void compile() throws Exception {
        probe = ProbeProgram.compile(dir, "io.gevent4j.monkey", PROBE);
    }

    private static List<String> with(List<String> flags, String... more) {
        var all = new ArrayList<>(flags);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void patchedSocketsWorkOnTheClassPath() throws Exception {
        var r = probe.onClassPath(with(CLASS_PATH_FLAGS, "--add-opens", "java.base/java.net=ALL-UNNAMED"));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("patched=true got=hi"), r.output());
    }

    @Test
    void patchedSocketsWorkOnTheModulePath() throws Exception {
        var r = probe.onModulePath(with(MODULE_PATH_FLAGS, "--add-opens", "java.base/java.net=io.gevent4j.monkey"));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("patched=true got=hi"), r.output());
    }

    @Test
    void theClassPathFlagOnTheModulePathGetsAnErrorNamingTheMonkeyModule() throws Exception {
        var r = probe.onModulePath(with(MODULE_PATH_FLAGS, "--add-opens", "java.base/java.net=ALL-UNNAMED"));
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("needs the JVM flag --add-opens java.base/java.net=io.gevent4j.monkey "),
                r.output());
    }
}
