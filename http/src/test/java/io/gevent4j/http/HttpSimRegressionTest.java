package io.gevent4j.http;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.loop.sim.SimFaults;
import io.gevent4j.net.Socket;
import io.gevent4j.sim.Simulation;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bugs the HTTP simulation found, each pinned to the seed that found it and replayed as a small scenario. */
class HttpSimRegressionTest {
    private static final InetSocketAddress ADDRESS = new InetSocketAddress("127.0.0.1", 8081);

    /**
     * Seed 12 of {@link HttpSimTest}: a client pipelined a request after the one the server answered with
     * {@code Connection: close}; the server closed at once, the later request reached a closed socket, and
     * the reset it drew erased the answer the client had not read yet (RFC 9112 section 9.6). Here the
     * first request is HTTP/1.0 (the server closes after it) and a second is pipelined behind it while
     * the answer travels: the answer must arrive whole, then end of stream.
     */
    @Test
    void seed12TheLastAnswerSurvivesAClientThatSendsMoreAfterIt() {
        for (long seed = 12; seed < 12 + 20; seed++) { // a few latencies and windows around the found case
            Simulation.of(seed).faults(SimFaults.NONE).run(() -> {
                HttpServer server = HttpServer.create(ADDRESS, (req, resp) -> resp.send("answer to " + req.path()))
                        .start();
                try (Socket s = Socket.connect(ADDRESS)) {
                    s.write("GET /first HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    Gevent.sleep(Duration.ofNanos(Simulation.random().nextLong(1, 40_000)));
                    s.write("GET /second HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    List<Boolean> close = new ArrayList<>();
                    byte[] body = HttpSimTest.readResponse(in, close, new int[1]);
                    assertNotNull(body, "an answer, not end of stream");
                    assertArrayEquals("answer to /first".getBytes(StandardCharsets.ISO_8859_1), body);
                    assertEquals(List.of(true), close, "the answer says Connection: close");
                    assertEquals(-1, in.read(), "then end of stream, not a reset");
                }
                server.stop();
            });
        }
    }

    /** 2 ms of latency at most, roomy windows, no fault. */
    private static final SimFaults SLOW = new SimFaults(2_000_000, 65536, 65536, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            1_000_000_000_000L);

    /**
     * Seed 299 of {@link HttpSimTest}: stop() began while an answer was being written (its head already
     * out, without {@code Connection: close}); the connection was then closed at once, and the next
     * pipelined request drew a reset that cut the answer short at the client.
     */
    @Test
    void seed299AnAnswerBeingWrittenWhenStopBeginsArrivesWhole() {
        for (long seed = 299; seed < 299 + 20; seed++) {
            Simulation.of(seed).faults(SLOW).run(() -> {
                HttpServer server = HttpServer.create(ADDRESS, (req, resp) -> {
                    try (java.io.OutputStream out = resp.outputStream()) { // streamed: the head goes out first
                        for (int i = 0; i < 10; i++) {
                            out.write(("part " + i + "\n").getBytes(StandardCharsets.ISO_8859_1));
                            out.flush();
                            Gevent.sleep(Duration.ofMillis(1));
                        }
                    }
                }).start();
                try (Socket s = Socket.connect(ADDRESS)) {
                    s.write("GET /first HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    Gevent.sleep(Duration.ofMillis(6)); // the answer is being written
                    Greenlet<Void> stopper = Greenlet.of(() -> server.stop(Duration.ofSeconds(30))).start();
                    s.write("GET /second HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    Gevent.sleep(Duration.ofMillis(30)); // the reset, if any, arrives before we read
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    byte[] body;
                    try {
                        body = HttpSimTest.readResponse(in, new ArrayList<>(), new int[1]);
                    } catch (IOException e) {
                        throw new AssertionError("the answer being written when stop() began was cut: " + e, e);
                    }
                    assertNotNull(body);
                    assertEquals(10, new String(body, StandardCharsets.ISO_8859_1).lines().count());
                    assertEquals(-1, in.read(), "then end of stream, not a reset");
                    stopper.join();
                }
            });
        }
    }

    /**
     * stop() found the connection idle - the answer fully handed to the kernel but not yet read by the
     * client, the next pipelined request in flight: closing it at once answered that request with a reset
     * that erased the unread answer. Idle connections are half-closed instead, and drained.
     */
    @Test
    void anAnswerNotYetReadWhenStopClosesAnIdleConnectionSurvives() {
        for (long seed = 1; seed <= 30; seed++) {
            Simulation.of(seed).faults(SLOW).run(() -> {
                HttpServer server = HttpServer.create(ADDRESS, (req, resp) -> resp.send("answer to " + req.path()))
                        .start();
                try (Socket s = Socket.connect(ADDRESS)) {
                    s.write("GET /first HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    Gevent.sleep(Duration.ofMillis(5)); // answered: the server waits, idle, for the next request
                    s.write("GET /second HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    Greenlet<Void> stopper = Greenlet.of(() -> server.stop(Duration.ofSeconds(30))).start();
                    Gevent.sleep(Duration.ofMillis(30)); // the client reads late
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    byte[] body;
                    try {
                        body = HttpSimTest.readResponse(in, new ArrayList<>(), new int[1]);
                    } catch (IOException e) {
                        throw new AssertionError("an answer already sent was erased by stop(): " + e, e);
                    }
                    assertArrayEquals("answer to /first".getBytes(StandardCharsets.ISO_8859_1), body);
                    byte[] second = HttpSimTest.readResponse(in, new ArrayList<>(), new int[1]);
                    if (second != null) { // the second request may have been read before stop() began
                        assertArrayEquals("answer to /second".getBytes(StandardCharsets.ISO_8859_1), second);
                        assertEquals(-1, in.read());
                    }
                    stopper.join();
                }
            });
        }
    }

    /**
     * The same race on {@code stop()}: requests in flight are answered with {@code Connection: close}
     * while the client has more pipelined behind them; the answers must arrive whole.
     */
    @Test
    void seed12AnswersDuringStopSurviveMorePipelinedRequests() {
        for (long seed = 12; seed < 12 + 20; seed++) {
            Simulation.of(seed).faults(SimFaults.NONE).run(() -> {
                HttpServer server = HttpServer.create(ADDRESS, (req, resp) -> {
                    Gevent.sleep(Duration.ofMillis(5));
                    resp.send("answer to " + req.path());
                }).start();
                Greenlet<Void> stopper = Greenlet.of(() -> {
                    Gevent.sleep(Duration.ofMillis(1));
                    server.stop(Duration.ofSeconds(30));
                }).start();
                try (Socket s = Socket.connect(ADDRESS)) {
                    s.write("GET /first HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    Gevent.sleep(Duration.ofMillis(2)); // the server is stopping now
                    s.write("GET /second HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    List<Boolean> close = new ArrayList<>();
                    byte[] body;
                    try {
                        body = HttpSimTest.readResponse(in, close, new int[1]);
                    } catch (IOException e) {
                        throw new AssertionError("the answer to a request in flight was lost to " + e, e);
                    }
                    assertNotNull(body);
                    assertArrayEquals("answer to /first".getBytes(StandardCharsets.ISO_8859_1), body);
                    assertTrue(close.get(0), "stopping: Connection: close");
                    assertEquals(-1, in.read(), "then end of stream");
                }
                stopper.join();
            });
        }
    }
}
