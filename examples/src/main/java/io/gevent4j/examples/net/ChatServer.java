package io.gevent4j.examples.net;

import io.gevent4j.net.Socket;
import io.gevent4j.net.StreamServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A chat server: every line a client sends goes to all the other clients. All handlers run on one
 * hub, one at a time, so the set of clients needs no lock.
 *
 * <pre>
 * java ... io.gevent4j.examples.net.ChatServer [port]      # then several: nc 127.0.0.1 6001
 * </pre>
 */
public final class ChatServer {
    private final Set<Socket> clients = new LinkedHashSet<>();

    /** Serves one client until it hangs up. */
    void handle(Socket socket, InetSocketAddress address) throws IOException {
        clients.add(socket);
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                byte[] msg = (address.getPort() + ": " + line + "\n").getBytes(StandardCharsets.UTF_8);
                for (Socket other : List.copyOf(clients)) {
                    if (other != socket) {
                        try {
                            other.write(msg);
                        } catch (IOException gone) {
                            clients.remove(other); // its own handler will see the error and end
                        }
                    }
                }
            }
        } finally {
            clients.remove(socket);
        }
    }

    /** Starts a chat server on {@code port} (0: any) of the current hub. */
    public static StreamServer start(int port) throws IOException {
        ChatServer chat = new ChatServer();
        return new StreamServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), chat::handle).start();
    }

    public static void main(String[] args) throws Exception {
        StreamServer server = start(args.length > 0 ? Integer.parseInt(args[0]) : 6001);
        System.out.println("chat server on " + server.address());
        server.serveForever();
    }
}
