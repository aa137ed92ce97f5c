package io.gevent4j.net;

import io.gevent4j.hub.Hub;
import io.gevent4j.loop.Loop;
import io.gevent4j.net.internal.Sock;
import io.gevent4j.net.internal.Transport;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;

/**
 * A cooperative UDP socket: {@link #receive} parks the calling greenlet on the hub's loop until a
 * datagram arrives. Same threading, timeout and close rules as {@link Socket}.
 */
public final class DatagramSocket implements Closeable {
    final IoCore core;

    private DatagramSocket(IoCore core) {
        this.core = core;
    }

    /**
     * {@return a UDP socket bound to {@code local} (port 0: any free port) on the current hub}
     *
     * @param local the local address to bind
     * @throws IOException if an I/O error occurs
     */
    public static DatagramSocket bind(InetSocketAddress local) throws IOException {
        Objects.requireNonNull(local, "local");
        Hub hub = Hub.current();
        Sock s = Transport.datagram(hub.loop(), local.getAddress());
        try {
            s.bind(local);
        } catch (Throwable e) { // a kill or timeout too: never leak the descriptor
            s.close();
            throw e;
        }
        return new DatagramSocket(new IoCore(hub, s));
    }

    /**
     * Receives one datagram into {@code dst} (a datagram longer than the space left is truncated).
     *
     * @param dst the buffer to fill
     * @return the sender's address
     * @throws SocketTimeoutException if none arrives within the timeout
     */
    public InetSocketAddress receive(ByteBuffer dst) throws IOException {
        core.checkOpen();
        while (true) {
            InetSocketAddress from = core.sock.receive(dst);
            if (from != null) {
                return from;
            }
            core.await(Loop.READ, "receive");
        }
    }

    /**
     * Sends {@code src}'s remaining bytes as one datagram to {@code target}, parking if the buffer is full.
     *
     * @param src the bytes to send, from its position to its limit
     * @param target the address to send to
     * @throws IOException if an I/O error occurs
     */
    public void send(ByteBuffer src, InetSocketAddress target) throws IOException {
        core.checkOpen();
        while (!core.sock.send(src, target)) {
            core.await(Loop.WRITE, "send");
        }
    }

    /**
     * Limits every wait (null: none; zero: never wait).
     *
     * @param timeout the limit (null: none; zero: never wait)
     */
    public void setTimeout(Duration timeout) {
        core.timeoutNanos = Socket.nanos(timeout);
    }

    /**
     * Sets a socket option (SO_BROADCAST, SO_RCVBUF, ...).
     *
     * @param <T> the type of the result
     * @param name the option
     * @param value the value
     * @return this socket
     * @throws IOException if an I/O error occurs
     */
    public <T> DatagramSocket setOption(SocketOption<T> name, T value) throws IOException {
        core.checkOpen();
        core.sock.setOption(name, value);
        return this;
    }

    /** {@return the bound address} */
    public InetSocketAddress localAddress() {
        return core.sock.localAddress();
    }

    /** {@return the hub this socket belongs to} */
    public Hub hub() {
        return core.hub;
    }

    /** {@return true after {@link #close()}} */
    public boolean isClosed() {
        return core.isClosed();
    }

    /** Closes; a greenlet blocked in {@link #receive} wakes with {@link java.net.SocketException}. */
    @Override
    public void close() {
        core.close();
    }

    @Override
    public String toString() {
        return "DatagramSocket[" + core + ", " + localAddress() + "]";
    }
}
