package io.gevent4j.examples.net;

import io.gevent4j.Gevent;
import io.gevent4j.net.StreamServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * gevent's echo server: a greenlet per connection, written as plain blocking code.
 *
 * <pre>
 * java ... io.gevent4j.examples.net.EchoServer [port]      # then: nc 127.0.0.1 6000
 * </pre>
 *
 * <p>Ctrl-C or {@code kill} (SIGINT/SIGTERM) stops it gracefully: a greenlet on the server's hub calls
 * {@link StreamServer#stop(Duration)}, connections get a second to finish, and {@code main} returns.
 */
public final class EchoServer {
    private EchoServer() {
    }

    /** The handler: read, write back, until the client hangs up. */
    static final StreamServer.Handler ECHO = (socket, address) -> {
        ByteBuffer buf = ByteBuffer.allocateDirect(4096);
        while (socket.read(buf.clear()) > 0) {
            socket.write(buf.flip());
        }
    };

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 6000;
        StreamServer server = new StreamServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), ECHO);
        server.start();
        System.out.println("echo server on " + server.address());
        for (String signal : new String[] {"INT", "TERM"}) {
            Gevent.signalHandler(signal, () -> {
                System.out.println("SIG" + signal + ": stopping");
                server.stop(Duration.ofSeconds(1));
            });
        }
        server.serveForever();
        System.out.println("stopped");
    }
}
