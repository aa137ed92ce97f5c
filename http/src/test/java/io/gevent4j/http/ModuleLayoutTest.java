package io.gevent4j.http;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A program that depends on gevent4j-http alone serves and fetches a page on the class path and on the
 * module path; the JDK's {@code com.sun.net.httpserver} stays the JDK's (HTTPS included) unless the
 * program opts in to our provider with the JDK's system property.
 */
class ModuleLayoutTest {
    static final String PROBE = """
            package probe;

            import io.gevent4j.http.HttpClient;
            import io.gevent4j.http.HttpServer;
            import java.net.InetAddress;
            import java.net.InetSocketAddress;

            public class Main {
                public static void main(String[] args) throws Exception {
                    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
                    HttpServer server = HttpServer.create(any, (req, resp) ->
                            resp.contentType("text/plain").send("hello " + req.path())).start();
                    try (HttpClient client = HttpClient.create()) {
                        var r = client.get("http://127.0.0.1:" + server.address().getPort() + "/there");
                        System.out.println("status=" + r.status() + " body=" + r.bodyString());
                    } finally {
                        server.stop();
                    }
                    System.out.println("provider=" + com.sun.net.httpserver.spi.HttpServerProvider.provider().getClass().getName());
                    String https;
                    try {
                        com.sun.net.httpserver.HttpsServer.create(any, 0).stop(0);
                        https = "created";
                    } catch (UnsupportedOperationException e) {
                        https = "unsupported";
                    }
                    System.out.println("https=" + https);
                }
            }
            """;
    static final String OPT_IN = "-Dcom.sun.net.httpserver.HttpServerProvider=" + JdkHttpServerProvider.class.getName();

    @TempDir
    static Path dir;
    static ProbeProgram probe;

    @BeforeAll
    static void compile() throws Exception {
        probe = ProbeProgram.compile(dir, "io.gevent4j.http", PROBE);
    }

    @Test
    void servesOnTheClassPathAndLeavesTheJdkServerAlone() throws Exception {
        var r = probe.onClassPath(CLASS_PATH_FLAGS);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("status=200 body=hello /there"), r.output());
        assertTrue(r.output().contains("provider=sun.net.httpserver.DefaultHttpServerProvider"), r.output());
        assertTrue(r.output().contains("https=created"), r.output());
    }

    @Test
    void servesOnTheModulePathAndLeavesTheJdkServerAlone() throws Exception {
        var r = probe.onModulePath(MODULE_PATH_FLAGS);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("status=200 body=hello /there"), r.output());
        assertTrue(r.output().contains("provider=sun.net.httpserver.DefaultHttpServerProvider"), r.output());
        assertTrue(r.output().contains("https=created"), r.output());
    }

    @Test
    void theSystemPropertyOptsIn() throws Exception {
        var cp = new ArrayList<>(CLASS_PATH_FLAGS);
        cp.add(OPT_IN);
        var mp = new ArrayList<>(MODULE_PATH_FLAGS);
        mp.add(OPT_IN);
        for (var r : List.of(probe.onClassPath(cp), probe.onModulePath(mp))) {
            assertEquals(0, r.exit(), r.output());
            assertTrue(r.output().contains("provider=" + JdkHttpServerProvider.class.getName()), r.output());
            assertTrue(r.output().contains("https=created"), r.output()); // HttpsServer through our provider too (issue 14)
        }
    }
}
