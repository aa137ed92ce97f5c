package consumer;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.net.Socket;
import io.gevent4j.net.StreamServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Depends on gevent4j-net alone: a StreamServer echoing to 20 concurrent clients on loopback. */
public final class Main {
    public static void main(String[] args) throws Exception {
        if (Main.class.getClassLoader().getResource("io/netty/channel/kqueue/KQueue.class") != null) {
            throw new AssertionError("kqueue classes are on the class path: the exclusion did not work");
        }
        StreamServer server = new StreamServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                (socket, peer) -> {
                    byte[] line = socket.getInputStream().readNBytes(6);
                    socket.write(line);
                }).start();
        List<Greenlet<String>> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String msg = String.format("msg%03d", i).substring(0, 6);
            clients.add(Gevent.spawn(() -> {
                try (Socket s = Socket.connect(server.address())) {
                    s.write(msg.getBytes(StandardCharsets.US_ASCII));
                    return new String(s.getInputStream().readNBytes(6), StandardCharsets.US_ASCII);
                }
            }));
        }
        Gevent.joinall(clients);
        for (int i = 0; i < 20; i++) {
            String want = String.format("msg%03d", i).substring(0, 6);
            check(want.equals(clients.get(i).get()), "client " + i + " got " + clients.get(i).get());
        }
        check(io.gevent4j.hub.Hub.current().loop().backend() == io.gevent4j.loop.Backend.EPOLL,
                "backend " + io.gevent4j.hub.Hub.current().loop().backend());
        server.stop();
        System.out.println("uses-net: OK (20 echo clients, epoll, no kqueue jars)");
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
