package io.gevent4j.net;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.loop.Backend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatagramTest {
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void datagramServerAnswersUdpOnIpv4AndIpv6(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            for (String ip : new String[] {"127.0.0.1", "::1"}) {
                InetSocketAddress any = new InetSocketAddress(InetAddress.getByName(ip), 0);
                DatagramServer server = new DatagramServer(any, (sock, data, from) -> {
                    String s = StandardCharsets.UTF_8.decode(data).toString();
                    sock.send(ByteBuffer.wrap(s.toUpperCase().getBytes(StandardCharsets.UTF_8)), from);
                }).start();
                try (DatagramSocket client = DatagramSocket.bind(any)) {
                    client.setTimeout(Duration.ofSeconds(5));
                    client.send(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)), server.address());
                    ByteBuffer in = ByteBuffer.allocateDirect(100);
                    InetSocketAddress from = client.receive(in);
                    assertEquals(server.address().getPort(), from.getPort());
                    assertEquals("HELLO", StandardCharsets.UTF_8.decode(in.flip()).toString());
                } finally {
                    server.stop();
                }
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void receiveTimesOutAndCloseWakesReceiver(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            int regs = hub.loop().ioSourceCount();
            DatagramSocket s = DatagramSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            s.setTimeout(Duration.ofMillis(30));
            assertThrows(SocketTimeoutException.class, () -> s.receive(ByteBuffer.allocate(10)));
            s.setTimeout(null);
            Greenlet<Throwable> g = Greenlet.spawn(() -> SocketTest.catching(() -> s.receive(ByteBuffer.allocate(10))));
            Gevent.sleep(10);
            s.close();
            assertInstanceOf(SocketException.class, g.get(Duration.ofSeconds(5)));
            assertEquals(regs, hub.loop().ioSourceCount());
        });
    }
}
