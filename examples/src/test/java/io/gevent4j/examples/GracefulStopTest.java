package io.gevent4j.examples;

import io.gevent4j.examples.http.HelloWorld;
import io.gevent4j.examples.net.EchoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP and echo examples, run as real programs in a child JVM, stop gracefully on SIGTERM and
 * SIGINT: the signal handler greenlet calls {@code stop(timeout)}, {@code main} returns and prints
 * "stopped", and the JVM exits with status 0 (the JVM's default action would exit with 143 or 130
 * without ever returning from {@code main}).
 */
@Timeout(90)
class GracefulStopTest {

    /** A running example and the lines it printed. */
    private record Child(Process process, BlockingQueue<String> lines, List<String> all) {
        String awaitLine(Pattern p) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (System.nanoTime() < deadline) {
                String l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l != null && p.matcher(l).find()) {
                    return l;
                }
                if (l == null && !process.isAlive() && lines.isEmpty()) {
                    break;
                }
            }
            throw new AssertionError("no line matching " + p + " in " + all);
        }

        void signal(String name) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("sh", "-c", "kill -s " + name + " " + process.pid()).inheritIO().start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, kill.exitValue());
        }

        int awaitExit() throws InterruptedException {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the example did not stop: " + all);
            }
            return process.exitValue();
        }
    }

    private static Child start(Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--enable-native-access")) {
                cmd.add(a); // the JVM flags greenlets need, as this test JVM got them
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        List<String> all = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    all.add(l);
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // the child is gone
            }
        });
        return new Child(p, lines, all);
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void helloWorldStopsGracefullyOnSigterm() throws Exception {
        Child c = start(HelloWorld.class, "0");
        try {
            Matcher m = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/").matcher(c.awaitLine(Pattern.compile("serving on")));
            assertTrue(m.find());
            int port = Integer.parseInt(m.group(1));
            try (Socket idle = new Socket("127.0.0.1", port); Socket s = new Socket("127.0.0.1", port)) {
                OutputStream out = s.getOutputStream();
                out.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String resp = readAll(s.getInputStream());
                assertTrue(resp.startsWith("HTTP/1.1 200") && resp.endsWith("Hello, World!"), resp);
                idle.setSoTimeout(20_000);
                c.signal("TERM");
                assertEquals(-1, idle.getInputStream().read(), "stop() closed the idle keep-alive connection");
            }
            assertEquals(0, c.awaitExit(), "exit status: " + c.all());
            assertNotNull(c.awaitLine(Pattern.compile("^SIGTERM: stopping$")));
            assertNotNull(c.awaitLine(Pattern.compile("^stopped$")));
        } finally {
            c.process().destroyForcibly();
        }
    }

    @Test
    void echoServerStopsGracefullyOnSigint() throws Exception {
        Child c = start(EchoServer.class, "0");
        try {
            Matcher m = Pattern.compile(":(\\d+)$").matcher(c.awaitLine(Pattern.compile("echo server on")));
            assertTrue(m.find());
            int port = Integer.parseInt(m.group(1));
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                byte[] back = s.getInputStream().readNBytes(4);
                assertEquals("ping", new String(back, StandardCharsets.US_ASCII));
                s.setSoTimeout(20_000);
                c.signal("INT");
                // The handler is blocked reading: stop(1 s) waits for it, then kills it and its socket closes.
                assertEquals(-1, s.getInputStream().read());
            }
            assertEquals(0, c.awaitExit(), "exit status: " + c.all());
            assertNotNull(c.awaitLine(Pattern.compile("^SIGINT: stopping$")));
            assertNotNull(c.awaitLine(Pattern.compile("^stopped$")));
        } finally {
            c.process().destroyForcibly();
        }
    }
}
