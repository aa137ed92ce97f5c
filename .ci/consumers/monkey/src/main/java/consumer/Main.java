package consumer;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.monkey.Monkey;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Depends on gevent4j-monkey alone: patched java.net sockets talking between two greenlets. */
public final class Main {
    public static void main(String[] args) throws Exception {
        if (Main.class.getClassLoader().getResource("io/netty/channel/kqueue/KQueue.class") != null) {
            throw new AssertionError("kqueue classes are on the class path: the exclusion did not work");
        }
        Monkey.patchSocket();
        Greenlet<String> client = Gevent.spawn(() -> {
            try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                Greenlet<?> server = Gevent.spawn(() -> {
                    try (Socket s = ss.accept()) {
                        s.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
                    }
                    return null;
                });
                try (Socket c = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                    String got = new String(c.getInputStream().readNBytes(4), StandardCharsets.US_ASCII);
                    server.get();
                    return got;
                }
            }
        });
        check(Monkey.isPatched(Monkey.SOCKET), "socket not patched");
        check("pong".equals(client.get()), "got " + client.get());
        System.out.println("uses-monkey: OK (patched java.net.Socket in greenlets)");
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
