package io.gevent4j.monkey;

import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;
import java.io.IOException;
import java.net.InetAddress;
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
        } catch (Throwable e) { // a kill or timeout during connect too: never leak the socket
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
        } catch (Throwable e) { // a kill or timeout too: never leak the socket
            try {
                s.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** A {@link SocketFactory} whose connecting overloads all start from its {@link #createSocket()}. */
    abstract static class Connecting extends SocketFactory {
        @Override
        public abstract Socket createSocket() throws IOException;

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return connect(createSocket(), new InetSocketAddress(host, port), null);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return connect(createSocket(), new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return connect(createSocket(), new InetSocketAddress(host, port), null);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return connect(createSocket(), new InetSocketAddress(address, port),
                    new InetSocketAddress(localAddress, localPort));
        }
    }

    /** A {@link ServerSocketFactory} whose binding overloads all start from its {@link #createServerSocket()}. */
    abstract static class Binding extends ServerSocketFactory {
        @Override
        public abstract ServerSocket createServerSocket() throws IOException;

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return bind(createServerSocket(), new InetSocketAddress(port), 50);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return bind(createServerSocket(), new InetSocketAddress(port), backlog);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
            return bind(createServerSocket(), new InetSocketAddress(ifAddress, port), backlog);
        }
    }
}
