package io.gevent4j.examples.monkey;

import io.gevent4j.monkey.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The unmodified blocking server, run by the launcher in a child JVM, serves many clients at once. */
class GreetingServerTest {

    @Test
    @Timeout(60)
    void servesManyClientsAtOnceOnOneHubThread() throws Exception {
        int n = 20;
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(Arrays.asList(Main.JVM_FLAGS.split(" ")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                GreetingServer.class.getName(), "0", String.valueOf(n)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        ExecutorService clients = Executors.newFixedThreadPool(n);
        try {
            var stdout = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = stdout.readLine();
            Matcher m = Pattern.compile("listening on (\\d+)").matcher(String.valueOf(first));
            assertTrue(m.matches(), first);
            int port = Integer.parseInt(m.group(1));
            CountDownLatch allConnected = new CountDownLatch(n);
            List<Future<String>> replies = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = "client-" + i;
                replies.add(clients.submit(() -> {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                         var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                         var out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
                        allConnected.countDown();
                        allConnected.await();
                        out.println(name);
                        return in.readLine();
                    }
                }));
            }
            int maxInService = 0;
            Pattern reply = Pattern.compile("hello (client-\\d+) \\((\\d+) in service\\)");
            for (int i = 0; i < n; i++) {
                String r = replies.get(i).get(30, TimeUnit.SECONDS);
                Matcher rm = reply.matcher(String.valueOf(r));
                assertTrue(rm.matches(), r);
                assertEquals("client-" + i, rm.group(1));
                maxInService = Math.max(maxInService, Integer.parseInt(rm.group(2)));
            }
            assertTrue(maxInService > 1, "the clients were served one at a time: " + maxInService);
            assertEquals("served " + n + " clients", stdout.readLine());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        } finally {
            clients.shutdownNow();
            p.destroyForcibly();
        }
    }
}
