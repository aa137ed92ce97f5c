package io.gevent4j.monkey;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Shared steps of the socket factories. */
final class Factories {
    private Factories() {
    }

    static Socket connect(Socket s, InetSocketAddress remote, InetSocketAddress local) throws IOException {
        try {
            if (local != null) {
                s.bind(local);
            }
            s.connect(remote);
            return s;
        } catch (IOException | RuntimeException e) {
            try {
                s.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    static ServerSocket bind(ServerSocket s, InetSocketAddress local, int backlog) throws IOException {
        try {
            s.bind(local, backlog);
            return s;
        } catch (IOException | RuntimeException e) {
            try {
                s.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }
}
