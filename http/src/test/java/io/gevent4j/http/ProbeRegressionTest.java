package io.gevent4j.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regressions for what a smuggling/framing probe and a mutation fuzz run found in the server: each
 * test failed before its fix.
 */
class ProbeRegressionTest {
    static final HttpHandler PATH = (req, resp) -> {
        byte[] body = req.bodyBytes();
        resp.send(req.path() + " " + body.length);
    };

    /** Records ERROR events of every logger while it is open. */
    static final class Errors implements AutoCloseable {
        final ListAppender<ILoggingEvent> events = new ListAppender<>();
        private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

        Errors() {
            events.start();
            root.addAppender(events);
        }

        List<String> errors() {
            return events.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
                    .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()
                            + (e.getThrowableProxy() != null ? " " + e.getThrowableProxy().getClassName() : ""))
                    .toList();
        }

        @Override
        public void close() {
            root.detachAppender(events);
        }
    }

    @Test
    void clientsResettingAfterARejectedOrPartialRequestAreNotErrors() throws Exception {
        try (Errors log = new Errors(); ServerRunner r = ServerRunner.start(PATH)) {
            for (int i = 0; i < 30; i++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), r.port())) {
                    if (i % 4 == 0) {
                        s.setSoLinger(true, 0); // close sends RST at once
                    } // else: a plain close; the server's answer then draws the RST
                    String req = switch (i % 3) {
                        case 0 -> "GET /a b c HTTP/1.1\r\nHost: a\r\n\r\n";                          // rejected
                        case 1 -> "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\npartial"; // partial body
                        default -> "GET / HTTP/1.1\r\nHo";                                           // partial head
                    };
                    s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
                    if (i % 5 == 0) {
                        Thread.sleep(5); // let the server answer first, sometimes
                    }
                }
            }
            for (int i = 0; i < 400 && r.server.connectionCount() > 0; i++) {
                Thread.sleep(10);
            }
            assertEquals(0, r.server.connectionCount(), "every reset connection ended");
            assertEquals(List.of(), log.errors(), "a peer going away is not an error");
        }
    }

    @Test
    void badPercentEscapeInThePathIsA400NotA500() throws Exception {
        try (Errors log = new Errors(); ServerRunner r = ServerRunner.start(PATH)) {
            for (String target : List.of("/%zz", "/a%2", "/%")) {
                try (RawClient c = new RawClient(r.port())) {
                    RawClient.Resp resp = c.send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
                    assertEquals(400, resp.status(), target);
                    assertTrue(resp.body().contains("percent-encoding"), resp.body());
                }
            }
            assertEquals(List.of(), log.errors());
        }
    }

    @Test
    void controlCharactersInChunkedTrailerValuesAreRejected() throws Exception {
        try (ServerRunner r = ServerRunner.start(PATH)) {
            for (String value : List.of("\u000b", "a\u000cb", " \u001f", "x\u007f")) {
                try (RawClient c = new RawClient(r.port())) {
                    RawClient.Resp resp = c.send("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "2\r\nhi\r\n0\r\nX-T: " + value + "\r\n\r\n").read();
                    assertEquals(400, resp.status(), "trailer value " + value.chars().boxed().toList());
                    assertTrue(c.closedByServer());
                }
            }
            try (RawClient c = new RawClient(r.port())) { // a tab and padding stay allowed
                RawClient.Resp resp = c.send("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "2\r\nhi\r\n0\r\nX-T: a\tb \r\n\r\n").read();
                assertEquals(200, resp.status());
            }
        }
    }

    @Test
    void strayCrlfAfterARequestIsIgnoredWithoutAnUnsolicited408() throws Exception {
        // header timeout much shorter than the idle timeout: before the fix the CRLF started a header
        // wait and the client got a 408 after 300 ms, which it would take as the answer to its next request
        try (ServerRunner r = ServerRunner.start(PATH, s -> s.headerTimeout(Duration.ofMillis(300)).idleTimeout(Duration.ofSeconds(30)));
             RawClient c = new RawClient(r.port())) {
            assertEquals("/one 0", c.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\n\r\n").read().body());
            c.send("\r\n");
            Thread.sleep(900);
            c.socket.setSoTimeout(5_000);
            RawClient.Resp next = c.send("\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertEquals(200, next.status(), next.statusLine());
            assertEquals("/two 0", next.body());
            // pipelined requests with empty lines between them
            c.send("GET /3 HTTP/1.1\r\nHost: a\r\n\r\n\r\n\r\nGET /4 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals("/3 0", c.read().body());
            assertEquals("/4 0", c.read().body());
        }
    }

    @Test
    void bytesThatCannotStartARequestAreAnswered400AtOnce() throws Exception {
        // a header timeout far longer than the client's read timeout: waiting for it fails the test
        try (ServerRunner r = ServerRunner.start(PATH, s -> s.headerTimeout(Duration.ofSeconds(60)))) {
            byte[] clientHelloStart = {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, (byte) 0xa1, 0x03, 0x03};
            try (RawClient c = new RawClient(r.port())) {
                c.socket.setSoTimeout(5_000);
                c.socket.getOutputStream().write(clientHelloStart);
                RawClient.Resp resp = c.read();
                assertEquals(400, resp.status());
                assertEquals("close", resp.header("Connection"));
                assertTrue(c.closedByServer());
            }
            try (RawClient c = new RawClient(r.port())) { // a method, then binary in the target
                c.socket.setSoTimeout(5_000);
                c.send("GET /\u0001");
                assertEquals(400, c.read().status());
            }
            // a real TLS client on the plain port fails its handshake quickly instead of hanging
            SSLContext ctx = SSLContext.getDefault();
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), r.port())) {
                s.setSoTimeout(5_000);
                IOException e = assertThrows(IOException.class, s::startHandshake);
                assertTrue(e instanceof SSLException && !(e instanceof SocketTimeoutException), e.toString());
            }
        }
    }
}
