package io.gevent4j.http;

import io.gevent4j.hub.Hub;
import io.gevent4j.net.Socket;
import io.gevent4j.net.SslSocket;

import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.time.Duration;

/**
 * The byte stream under one HTTP connection, plain TCP or TLS: what {@link HttpConnection}, the
 * client and an upgraded connection read and write. Used by the greenlet that owns the connection;
 * {@link #socket()}{@code .close()} alone may come from elsewhere (the server's stop).
 *
 * <p>{@link Plain} and {@link Tls} are the real ones; the interface is open so that tests can drive an
 * {@link UpgradedConnection} (and so a {@link WebSocket}) from memory, which answers {@link #hub()} and
 * {@link #isClosed()} without a socket.
 */
interface Transport {
    /** Reads at least one byte; -1 at end of stream. */
    int read(byte[] b, int off, int len) throws IOException;

    void write(byte[] b, int off, int len) throws IOException;

    /** Sends {@code count} bytes of {@code file} from {@code position} (zero-copy on a plain native socket). */
    long sendFile(java.nio.channels.FileChannel file, long position, long count) throws IOException;

    /** Ends this side's output (TLS: close_notify first), keeping the input open. */
    void shutdownOutput() throws IOException;

    /** Closes (TLS: close_notify first, best effort). Idempotent. */
    void close();

    /** The TCP socket (for timeouts, addresses and a close from another thread). */
    Socket socket();

    /** The TLS session, or null on plain TCP. */
    SSLSession session();

    default void setTimeout(Duration timeout) {
        socket().setTimeout(timeout);
    }

    /** The hub the connection belongs to. */
    default Hub hub() {
        return socket().hub();
    }

    /** True once closed, here or by another thread. */
    default boolean isClosed() {
        return socket().isClosed();
    }

    static Transport of(Socket s) {
        return new Plain(s);
    }

    static Transport of(SslSocket s) {
        return new Tls(s);
    }

    record Plain(Socket socket) implements Transport {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return socket.read(b, off, len);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            socket.write(b, off, len);
        }

        @Override
        public long sendFile(java.nio.channels.FileChannel file, long position, long count) throws IOException {
            return socket.sendFile(file, position, count);
        }

        @Override
        public void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        @Override
        public void close() {
            socket.close();
        }

        @Override
        public SSLSession session() {
            return null;
        }
    }

    record Tls(SslSocket ssl) implements Transport {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return ssl.read(b, off, len);
        }

        @Override
        public long sendFile(java.nio.channels.FileChannel file, long position, long count) throws IOException {
            return ssl.sendFile(file, position, count);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ssl.write(java.nio.ByteBuffer.wrap(b, off, len));
        }

        @Override
        public void shutdownOutput() throws IOException {
            ssl.shutdownOutput();
        }

        @Override
        public void close() {
            ssl.close();
        }

        @Override
        public Socket socket() {
            return ssl.socket();
        }

        @Override
        public SSLSession session() {
            return ssl.getSession();
        }
    }
}
