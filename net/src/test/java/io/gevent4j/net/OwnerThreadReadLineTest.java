package io.gevent4j.net;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.loop.Backend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code BufferedReader.readLine()} over a gevent4j socket on the hub's owner thread: readLine waits
 * inside {@code synchronized (lock)}. Before issue 9 it spun at 100 % CPU after the second line,
 * because greenlets parked on the owner's own stack and took its monitors with them.
 */
class OwnerThreadReadLineTest {

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void fourLinesReadOnTheOwnerWhileAGreenletWritesThemSlowly(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            AtomicInteger ticks = new AtomicInteger();
            try (ServerSocket server = ServerSocket.bind(SocketTest.any("127.0.0.1"))) {
                Greenlet<Object> writer = Gevent.spawn(() -> {
                    try (Socket c = server.accept();
                         PrintStream out = new PrintStream(c.getOutputStream(), true, StandardCharsets.UTF_8)) {
                        for (int i = 1; i <= 4; i++) {
                            Gevent.sleep(10); // the owner waits for each line inside readLine's monitor
                            synchronized (out) { // and a greenlet takes monitors of its own meanwhile
                                out.println("line " + i);
                            }
                        }
                    }
                    return null;
                });
                Greenlet<Void> ticker = Gevent.spawn(() -> {
                    while (true) {
                        ticks.incrementAndGet();
                        Gevent.sleep(2);
                    }
                });
                List<String> lines = new ArrayList<>();
                try (Socket s = Socket.connect(server.localAddress());
                     BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                    assertNull(r.readLine());
                }
                assertEquals(List.of("line 1", "line 2", "line 3", "line 4"), lines);
                writer.join();
                assertTrue(writer.successful(), String.valueOf(writer.exception()));
                assertTrue(ticks.get() > 4, "the ticker ran while the owner read: " + ticks.get());
                ticker.kill();
            }
        });
    }
}
