package io.gevent4j.http;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.WebSocket.Listener;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** WebSocket (RFC 6455) server and client, against the JDK's client, raw frames and each other. */
class WebSocketTest {
    /** Per connection: how the server's WebSocket ended ("code reason" or the exception's code). */
    static final LinkedBlockingQueue<String> ENDINGS = new LinkedBlockingQueue<>();

    static HttpHandler echo(WebSocket.Options options) {
        return (req, resp) -> {
            if (!req.path().equals("/ws")) {
                resp.send(404, "no");
                return;
            }
            try (WebSocket ws = req.upgradeToWebSocket(options)) {
                for (WebSocket.Message m; (m = ws.receive()) != null; ) {
                    if (m.isText()) {
                        ws.send("echo:" + m.text());
                    } else {
                        ws.send(m.data());
                    }
                }
                ENDINGS.add(ws.closeCode() + " " + ws.closeReason());
            } catch (WebSocketException e) {
                ENDINGS.add("error " + e.closeCode());
            }
        };
    }

    static String nextEnding() throws InterruptedException {
        String e = ENDINGS.poll(10, TimeUnit.SECONDS);
        assertTrue(e != null, "the server's WebSocket ended");
        return e;
    }

    /** A JDK WebSocket listener that queues what it gets. */
    static final class Recorder implements Listener {
        final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                events.add("text " + text);
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(java.net.http.WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                events.add("binary " + binary.size());
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(java.net.http.WebSocket ws, ByteBuffer message) {
            events.add("pong " + StandardCharsets.UTF_8.decode(message));
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(java.net.http.WebSocket ws, int statusCode, String reason) {
            events.add("close " + statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(java.net.http.WebSocket ws, Throwable error) {
            events.add("error " + error);
        }

        String next() throws InterruptedException {
            String e = events.poll(10, TimeUnit.SECONDS);
            assertTrue(e != null, "no event from the JDK client");
            return e;
        }
    }

    static java.net.http.WebSocket jdkConnect(int port, Recorder rec, String... protocols) throws Exception {
        java.net.http.WebSocket.Builder b = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(5));
        if (protocols.length > 0) {
            b.subprotocols(protocols[0], java.util.Arrays.copyOfRange(protocols, 1, protocols.length));
        }
        return b.buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), rec).get(10, TimeUnit.SECONDS);
    }

    @Test
    void jdkClientTextFragmentsBinaryPingAndCloseHandshake() throws Exception {
        ENDINGS.clear();
        try (ServerRunner r = ServerRunner.start(echo(new WebSocket.Options().subprotocols("chat.v2", "chat.v1")))) {
            Recorder rec = new Recorder();
            java.net.http.WebSocket ws = jdkConnect(r.port(), rec, "chat.v1", "chat.v2");
            assertEquals("chat.v2", ws.getSubprotocol(), "the server's preference among the offered ones");
            ws.sendText("héllo wörld", true).get(5, TimeUnit.SECONDS);
            assertEquals("text echo:héllo wörld", rec.next());
            ws.sendText("frag", false).get(5, TimeUnit.SECONDS); // one message in three frames
            ws.sendText("men", false).get(5, TimeUnit.SECONDS);
            ws.sendText("ted", true).get(5, TimeUnit.SECONDS);
            assertEquals("text echo:fragmented", rec.next());
            byte[] big = new byte[300_000];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) i;
            }
            ws.sendBinary(ByteBuffer.wrap(big), true).get(5, TimeUnit.SECONDS);
            assertEquals("binary 300000", rec.next());
            ws.sendPing(ByteBuffer.wrap("p1".getBytes(StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
            assertEquals("pong p1", rec.next(), "pings are answered");
            ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
            assertEquals("close 1000 ", rec.next(), "the close code is echoed");
            assertEquals("1000 bye", nextEnding());
        }
    }

    @Test
    void ourClientAgainstOurServerOverWsAndWss() throws Exception {
        ENDINGS.clear();
        try (ServerRunner plain = ServerRunner.start(echo(new WebSocket.Options()));
             ServerRunner tls = ServerRunner.https(TestCerts.LOCAL.server(), echo(new WebSocket.Options()), s -> { })) {
            HttpClientTest.onHub(hub -> {
                try (HttpClient client = HttpClient.create().sslContext(TestCerts.LOCAL.client())) {
                    for (String url : List.of("ws://127.0.0.1:" + plain.port() + "/ws", "wss://localhost:" + tls.port() + "/ws")) {
                        WebSocket ws = client.webSocket(url);
                        ws.send("one");
                        assertEquals("echo:one", ws.receive().text());
                        byte[] data = new byte[70_000]; // 64-bit length, masked in pieces
                        java.util.Arrays.fill(data, (byte) 7);
                        ws.send(data);
                        WebSocket.Message m = ws.receive();
                        assertTrue(!m.isText());
                        assertArrayEquals(data, m.data());
                        ws.ping(new byte[] {1});
                        ws.send("two");
                        assertEquals("echo:two", ws.receive().text(), "the pong was consumed quietly");
                        ws.close(4000, "done");
                        assertEquals(4000, ws.closeCode());
                        assertTrue(!ws.isOpen());
                        assertThrows(IOException.class, () -> ws.send("late"));
                        assertNull(ws.receive());
                    }
                    WebSocketException refused = assertThrows(WebSocketException.class,
                            () -> client.webSocket("ws://127.0.0.1:" + plain.port() + "/nope"));
                    assertEquals(404, refused.status());
                }
            });
            assertEquals("4000 done", nextEnding());
            assertEquals("4000 done", nextEnding());
        }
    }

    @Test
    void idleTimeoutClosesWith1001() throws Exception {
        ENDINGS.clear();
        try (ServerRunner r = ServerRunner.start(echo(new WebSocket.Options().idleTimeout(Duration.ofMillis(300))))) {
            Recorder rec = new Recorder();
            jdkConnect(r.port(), rec);
            assertEquals("close 1001 idle timeout", rec.next());
            assertEquals("1001 idle timeout", nextEnding());
        }
    }

    @Test
    void badHandshakesAreRefused() throws Exception {
        try (ServerRunner r = ServerRunner.start(echo(new WebSocket.Options()))) {
            String base = "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
            try (RawClient c = new RawClient(r.port())) {
                assertEquals(400, c.send(base + "Sec-WebSocket-Version: 13\r\n\r\n").read().status(), "no key");
            }
            try (RawClient c = new RawClient(r.port())) {
                assertEquals(400, c.send(base + "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n").read().status(), "short key");
            }
            try (RawClient c = new RawClient(r.port())) {
                RawClient.Resp resp = c.send(base + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n").read();
                assertEquals(426, resp.status());
                assertEquals("13", resp.header("Sec-WebSocket-Version"));
            }
            try (RawClient c = new RawClient(r.port())) {
                assertEquals(400, c.send("GET /ws HTTP/1.1\r\nHost: a\r\n\r\n").read().status(), "a plain GET");
            }
            try (RawClient c = new RawClient(r.port())) { // the RFC's sample key and accept value
                RawClient.Resp resp = c.send(base + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").readOne(true);
                assertEquals(101, resp.status());
                assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", resp.header("Sec-WebSocket-Accept"));
                assertEquals("websocket", resp.header("Upgrade"));
            }
        }
    }

    // ------------------------------------------------------------------ raw frames

    /** Opens a WebSocket by hand; returns the socket positioned after the 101 head. */
    static Socket rawHandshake(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = s.getInputStream();
        int state = 0;
        StringBuilder head = new StringBuilder();
        while (state < 4) {
            int c = in.read();
            assertTrue(c >= 0, "EOF in the handshake: " + head);
            head.append((char) c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 101 "), head.toString());
        return s;
    }

    static byte[] frame(int b0, byte[] payload, boolean mask) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(b0);
        int len = payload.length;
        int m = mask ? 0x80 : 0;
        if (len < 126) {
            f.write(m | len);
        } else {
            f.write(m | 126);
            f.write(len >> 8);
            f.write(len);
        }
        byte[] key = {0x11, 0x22, 0x33, 0x44};
        if (mask) {
            f.writeBytes(key);
        }
        for (int i = 0; i < len; i++) {
            f.write(mask ? payload[i] ^ key[i & 3] : payload[i]);
        }
        return f.toByteArray();
    }

    /** Reads frames until the server's close frame; returns its code. Then expects EOF. */
    static int closeCodeFromServer(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        while (true) {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            assertEquals(0, b1 & 0x80, "server frames are not masked");
            int len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            }
            byte[] p = in.readNBytes(len);
            if ((b0 & 0x0f) == 8) {
                assertTrue(in.read() < 0, "the server closes the connection after its close frame");
                return ((p[0] & 0xff) << 8) | (p[1] & 0xff);
            }
        }
    }

    @Test
    void protocolViolationsCloseWithTheRightCode() throws Exception {
        ENDINGS.clear();
        record Bad(String name, byte[] bytes, int code) {
        }
        byte[] hi = "hi".getBytes(StandardCharsets.UTF_8);
        List<Bad> cases = new ArrayList<>();
        cases.add(new Bad("unmasked frame from a client", frame(0x81, hi, false), 1002));
        cases.add(new Bad("invalid UTF-8 in text", frame(0x81, new byte[] {(byte) 0xc3, 0x28}, true), 1007));
        cases.add(new Bad("invalid UTF-8 across fragments", concat(frame(0x01, new byte[] {(byte) 0xe2, (byte) 0x82}, true),
                frame(0x80, new byte[] {0x41}, true)), 1007));
        cases.add(new Bad("message over the limit", frame(0x82, new byte[200], true), 1009));
        cases.add(new Bad("fragments over the limit", concat(frame(0x02, new byte[80], true), frame(0x80, new byte[80], true)), 1009));
        cases.add(new Bad("continuation without a message", frame(0x80, hi, true), 1002));
        cases.add(new Bad("new message inside a fragmented one", concat(frame(0x01, hi, true), frame(0x81, hi, true)), 1002));
        cases.add(new Bad("reserved bit set", frame(0xc1, hi, true), 1002));
        cases.add(new Bad("unknown opcode", frame(0x83, hi, true), 1002));
        cases.add(new Bad("fragmented ping", frame(0x09, hi, true), 1002));
        cases.add(new Bad("ping over 125 bytes", frame(0x89, new byte[126], true), 1002));
        cases.add(new Bad("close with a one-byte payload", frame(0x88, new byte[] {3}, true), 1002));
        cases.add(new Bad("close code 1005 on the wire", frame(0x88, new byte[] {0x03, (byte) 0xed}, true), 1002));
        cases.add(new Bad("close reason not UTF-8", frame(0x88, new byte[] {0x03, (byte) 0xe8, (byte) 0xff}, true), 1007));
        try (ServerRunner r = ServerRunner.start(echo(new WebSocket.Options().maxMessageSize(100)))) {
            for (Bad c : cases) {
                try (Socket s = rawHandshake(r.port())) {
                    s.getOutputStream().write(c.bytes());
                    assertEquals(c.code(), closeCodeFromServer(s), c.name());
                }
                assertEquals("error " + c.code(), nextEnding(), c.name());
            }
            try (Socket s = rawHandshake(r.port())) { // control frames between fragments are fine
                s.getOutputStream().write(concat(frame(0x01, "ab".getBytes(StandardCharsets.UTF_8), true),
                        frame(0x89, "x".getBytes(StandardCharsets.UTF_8), true), frame(0x80, "cd".getBytes(StandardCharsets.UTF_8), true),
                        frame(0x88, new byte[] {0x03, (byte) 0xe8}, true)));
                DataInputStream in = new DataInputStream(s.getInputStream());
                assertArrayEquals(new byte[] {(byte) 0x8a, 1, 'x'}, in.readNBytes(3), "pong");
                byte[] echo = in.readNBytes(2 + 9);
                assertEquals("echo:abcd", new String(echo, 2, 9, StandardCharsets.UTF_8));
                assertEquals(1000, closeCodeFromServer(s));
            }
            assertEquals("1000 ", nextEnding());
        }
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    @Test
    void ourClientRefusesMaskedFramesFromAServerBuiltOnUpgrade() throws Exception {
        // a server written on Response.upgrade: answers the handshake by hand, then sends a masked frame
        try (ServerRunner r = ServerRunner.start((req, resp) -> {
            resp.header("Sec-WebSocket-Accept", WebSocket.accept(req.header("Sec-WebSocket-Key")));
            try (UpgradedConnection c = resp.upgrade("websocket")) {
                byte[] f = frame(0x81, "hi".getBytes(StandardCharsets.UTF_8), true);
                c.write(f, 0, f.length);
                byte[] back = new byte[64];
                while (c.read(back, 0, back.length) > 0) {
                    // until the client closes
                }
            }
        })) {
            HttpClientTest.onHub(hub -> {
                try (HttpClient client = HttpClient.create()) {
                    WebSocket ws = client.webSocket("ws://127.0.0.1:" + r.port() + "/");
                    WebSocketException e = assertThrows(WebSocketException.class, ws::receive);
                    assertEquals(1002, e.closeCode());
                    assertTrue(!ws.isOpen());
                }
            });
        }
    }

    @Test
    void manyIdleWebSocketsOnOneHubAllStayServed() throws Exception {
        int n = 300; // the bench IdleWebSockets does 10,000 and reports heap per connection
        try (ServerRunner r = ServerRunner.start(echo(new WebSocket.Options()))) {
            HttpClientTest.onHub(hub -> {
                try (HttpClient client = HttpClient.create()) {
                    List<WebSocket> all = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        all.add(client.webSocket("ws://127.0.0.1:" + r.port() + "/ws"));
                    }
                    assertEquals(n, r.server.connectionCount());
                    Gevent.sleep(200);
                    List<Greenlet<String>> replies = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        WebSocket ws = all.get(i);
                        String text = "m" + i;
                        replies.add(Gevent.spawn(() -> {
                            ws.send(text);
                            return ws.receive().text();
                        }));
                    }
                    Gevent.joinall(replies, Duration.ofSeconds(20));
                    for (int i = 0; i < n; i++) {
                        assertEquals("echo:m" + i, replies.get(i).get());
                    }
                    for (WebSocket ws : all) {
                        ws.close();
                    }
                }
            });
            for (int i = 0; i < 500 && r.server.connectionCount() > 0; i++) {
                Thread.sleep(10);
            }
            assertEquals(0, r.server.connectionCount());
        }
    }
}
