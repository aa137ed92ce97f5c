package io.gevent4j.examples.net;

import io.gevent4j.Gevent;
import io.gevent4j.hub.Hub;
import io.gevent4j.net.Socket;
import io.gevent4j.net.StreamServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NetExamplesTest {
    @AfterEach
    void freshHub() {
        Hub.current().destroy();
    }

    @Test
    void echoServerEchoes() throws Exception {
        StreamServer server = new StreamServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), EchoServer.ECHO).start();
        try (Socket s = Socket.connect(server.address())) {
            s.write("abc".getBytes(StandardCharsets.US_ASCII));
            byte[] b = new byte[3];
            s.readFully(b, 0, 3);
            assertEquals("abc", new String(b, StandardCharsets.US_ASCII));
        }
        server.stop();
    }

    @Test
    void chatRelaysEveryLineToTheOthers() throws Exception {
        StreamServer server = ChatServer.start(0);
        try (Socket a = Socket.connect(server.address());
             Socket b = Socket.connect(server.address());
             Socket c = Socket.connect(server.address())) {
            Gevent.sleep(20); // let the server register all three
            a.write("hi all\n".getBytes(StandardCharsets.UTF_8));
            String expected = a.localAddress().getPort() + ": hi all\n";
            for (Socket other : List.of(b, c)) {
                other.setTimeout(Duration.ofSeconds(5));
                byte[] got = new byte[expected.length()];
                other.readFully(got, 0, got.length);
                assertEquals(expected, new String(got, StandardCharsets.UTF_8));
            }
            a.setTimeout(Duration.ofMillis(50));
            org.junit.jupiter.api.Assertions.assertThrows(java.net.SocketTimeoutException.class,
                    () -> a.read(ByteBuffer.allocate(10)), "the sender does not get its own line");
        }
        server.stop();
    }

    @Test
    void fetcherOpensAThousandConnectionsConcurrently() throws Exception {
        StreamServer server = new StreamServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), (s, a) -> {
            s.getInputStream().read(new byte[4]);
            s.write("hello\n".getBytes(StandardCharsets.US_ASCII));
        }).backlog(2048).start();
        assertEquals(1000, Fetcher.fetchAll("127.0.0.1", server.address().getPort(), 1000, Duration.ofSeconds(20)));
        assertEquals(List.of(server.address().getPort()),
                Fetcher.scan("127.0.0.1", server.address().getPort(), server.address().getPort(), Duration.ofSeconds(2)));
        server.stop();
    }
}
