package io.gevent4j.net;

import io.gevent4j.testkit.ProbeProgram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.gevent4j.testkit.ProbeProgram.CLASS_PATH_FLAGS;
import static io.gevent4j.testkit.ProbeProgram.MODULE_PATH_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A program that depends on gevent4j-net alone serves and connects over loopback on the hub's epoll,
 * on the class path and on the module path, without Netty's kqueue jars (a Linux class path once
 * failed with {@code NoClassDefFoundError: io/netty/channel/kqueue/KQueueIoHandle}).
 */
class ModuleLayoutTest {
    static final String PROBE = """
            package probe;

            import io.gevent4j.Gevent;
            import io.gevent4j.Greenlet;
            import io.gevent4j.net.ServerSocket;
            import io.gevent4j.net.Socket;
            import java.net.InetAddress;
            import java.net.InetSocketAddress;
            import java.nio.charset.StandardCharsets;

            public class Main {
                public static void main(String[] args) throws Exception {
                    try (ServerSocket ss = ServerSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                        Greenlet<?> server = Gevent.spawn(() -> {
                            try (Socket s = ss.accept()) {
                                byte[] b = new byte[4];
                                s.readFully(b, 0, 4);
                                s.write(("echo " + new String(b, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII));
                            }
                            return null;
                        });
                        try (Socket c = Socket.connect(ss.localAddress())) {
                            c.write("ping".getBytes(StandardCharsets.US_ASCII));
                            String reply = new String(c.getInputStream().readNBytes(9), StandardCharsets.US_ASCII);
                            server.get();
                            System.out.println("reply=" + reply + " backend=" + ss.hub().loop().backend());
                        }
                    }
                }
            }
            """;

    @TempDir
    static Path dir;
    static ProbeProgram probe;

    @BeforeAll
    static void compile() throws Exception {
        probe = ProbeProgram.compile(dir, "io.gevent4j.net", PROBE);
    }

    @Test
    void socketsWorkOnTheClassPathWithEpollAlone() throws Exception {
        var r = probe.onClassPath(CLASS_PATH_FLAGS);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("reply=echo ping backend=EPOLL"), r.output());
    }

    @Test
    void socketsWorkOnTheModulePath() throws Exception {
        var r = probe.onModulePath(MODULE_PATH_FLAGS);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("reply=echo ping backend=EPOLL"), r.output());
        assertFalse(r.output().contains("WARNING"), r.output());
    }

    @Test
    void theInternalPackageIsNotExported() throws Exception {
        ProbeProgram.assertNotExported(dir.resolve("internal"), "io.gevent4j.net",
                "io.gevent4j.net.internal.Transport");
    }
}
