package io.gevent4j.http;

import io.gevent4j.hub.Hub;

import javax.net.ssl.SSLSession;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * The raw connection a handler takes over after answering {@code 101 Switching Protocols}
 * ({@link Response#upgrade(String)}): plain TCP or TLS, with any bytes the client sent after its
 * request delivered first. From here on the bytes are the new protocol's; the HTTP server only closes
 * the connection when the handler returns (and kills the handler after {@link HttpServer#stop}'s
 * grace time). {@link WebSocket} is built on it; other protocols can be too.
 *
 * <p>Reads and writes park the calling greenlet; one reader and one writer at a time, from greenlets
 * of the connection's hub (as on {@link io.gevent4j.net.Socket}). There is no timeout unless
 * {@link #setTimeout(Duration)} sets one. {@link #close()} may be called from anywhere.
 */
public final class UpgradedConnection implements Closeable {
    private final Transport transport;
    private final InetSocketAddress remote;
    private byte[] pending;
    private int pendingPos;
    private InputStream in;
    private OutputStream out;

    UpgradedConnection(Transport transport, byte[] pending, InetSocketAddress remote) {
        this.transport = transport;
        this.pending = pending != null && pending.length > 0 ? pending : null;
        this.remote = remote;
        transport.setTimeout(null);
    }

    /**
     * Reads at least one byte into {@code b[off, off+len)}; -1 at end of stream.
     *
     * @param b the bytes
     * @param len the number of bytes
     * @param off the offset of the first byte
     * @return the number of bytes read, or -1 at the end
     * @throws IOException if an I/O error occurs
     */
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (pending != null) {
            int n = Math.min(len, pending.length - pendingPos);
            System.arraycopy(pending, pendingPos, b, off, n);
            pendingPos += n;
            if (pendingPos == pending.length) {
                pending = null;
            }
            return n;
        }
        return transport.read(b, off, len);
    }

    /**
     * Writes all of {@code b[off, off+len)}.
     *
     * @param b the bytes
     * @param len the number of bytes
     * @param off the offset of the first byte
     * @throws IOException if an I/O error occurs
     */
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        transport.write(b, off, len);
    }

    /**
     * A stream view of {@link #read}; closing it closes the connection.
     *
     * @return the result
     */
    public InputStream getInputStream() {
        if (in == null) {
            in = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return UpgradedConnection.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return UpgradedConnection.this.read(b, off, len);
                }

                @Override
                public void close() {
                    UpgradedConnection.this.close();
                }
            };
        }
        return in;
    }

    /**
     * A stream view of {@link #write} (unbuffered); closing it closes the connection.
     *
     * @return the result
     */
    public OutputStream getOutputStream() {
        if (out == null) {
            out = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    UpgradedConnection.this.write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    UpgradedConnection.this.write(b, off, len);
                }

                @Override
                public void close() {
                    UpgradedConnection.this.close();
                }
            };
        }
        return out;
    }

    /**
     * Limit of each wait in a read or write (null: none, the default); past it {@link java.net.SocketTimeoutException}.
     *
     * @param timeout how long to wait at most
     */
    public void setTimeout(Duration timeout) {
        transport.setTimeout(timeout);
    }

    /**
     * Ends this side's output (TLS: close_notify first); reading goes on.
     *
     * @throws IOException if an I/O error occurs
     */
    public void shutdownOutput() throws IOException {
        transport.shutdownOutput();
    }

    /**
     * The peer's address.
     *
     * @return the remote address
     */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /**
     * The local address.
     *
     * @return the local address
     */
    public InetSocketAddress localAddress() {
        return transport.socket().localAddress();
    }

    /**
     * The TLS session, or null on plain TCP.
     *
     * @return the ssl session
     */
    public SSLSession sslSession() {
        return transport.session();
    }

    /**
     * The hub the connection belongs to.
     *
     * @return the hub
     */
    public Hub hub() {
        return transport.hub();
    }

    /**
     * True once closed (by either {@link #close()} or the server).
     *
     * @return whether closed (by either {@link #close()} or the server)
     */
    public boolean isClosed() {
        return transport.isClosed();
    }

    /**
     * Closes the connection (TLS: close_notify first when called from the connection's hub).
     * Idempotent; from another thread only the TCP socket is closed.
     */
    @Override
    public void close() {
        if (transport.hub().inHubThread()) {
            transport.close();
        } else {
            transport.socket().close();
        }
    }

    @Override
    public String toString() {
        return "UpgradedConnection[" + remote + (transport.session() != null ? ", TLS" : "") + "]";
    }
}
