package io.gevent4j.net;

import io.gevent4j.Greenlet;
import io.gevent4j.hub.Hub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * gevent's {@code DatagramServer}: receives datagrams on one UDP socket and runs the handler in a new
 * greenlet for each. A handler's exception is logged and affects nothing else.
 */
public final class DatagramServer implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(DatagramServer.class);
    private static final int MAX_DATAGRAM = 65535;

    /** Handles one datagram; reply with {@code socket.send(..., from)}. */
    @FunctionalInterface
    public interface Handler {
        /**
         * Handles the datagram {@code data} (positioned at its start) from {@code from}.
         *
         * @param socket the socket
         * @param data the datagram received, from its position to its limit
         * @param from the sender's address
         * @throws Exception logged; affects nothing else
         */
        void handle(DatagramSocket socket, ByteBuffer data, InetSocketAddress from) throws Exception;
    }

    private final InetSocketAddress requested;
    private final Handler handler;
    private DatagramSocket socket;
    private Greenlet<Void> receiver;

    /**
     * A server for {@code address} (port 0: any free port).
     *
     * @param address the address
     * @param handler the handler
     */
    public DatagramServer(InetSocketAddress address, Handler handler) {
        this.requested = Objects.requireNonNull(address, "address");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * Binds on the current hub and starts receiving in a background greenlet.
     *
     * @return this {@code DatagramServer}
     * @throws IOException if an I/O error occurs
     */
    public DatagramServer start() throws IOException {
        if (socket != null) {
            throw new IllegalStateException("already started");
        }
        socket = DatagramSocket.bind(requested);
        Hub hub = socket.hub();
        receiver = new Greenlet<>(hub, () -> {
            while (true) {
                ByteBuffer buf = ByteBuffer.allocate(MAX_DATAGRAM);
                InetSocketAddress from;
                try {
                    from = socket.receive(buf);
                } catch (SocketException e) {
                    if (socket.isClosed()) {
                        return null;
                    }
                    log.warn("receive on {} failed: {}", socket, e.toString());
                    continue;
                }
                ByteBuffer data = buf.flip();
                new Greenlet<Void>(hub, () -> {
                    handler.handle(socket, data, from);
                    return null;
                }).start();
            }
        });
        receiver.start();
        return this;
    }

    /** {@return the bound address (real port once started)} */
    public InetSocketAddress address() {
        return socket != null ? socket.localAddress() : requested;
    }

    /**
     * Starts if needed and parks until {@link #stop()}.
     *
     * @throws IOException if an I/O error occurs
     */
    public void serveForever() throws IOException {
        if (socket == null) {
            start();
        }
        receiver.join();
    }

    /** Closes the socket; handlers already running finish on their own. */
    public void stop() {
        if (socket != null) {
            socket.close();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
