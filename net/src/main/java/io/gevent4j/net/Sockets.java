package io.gevent4j.net;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.Waiter;
import io.gevent4j.loop.IoWatcher;
import io.gevent4j.loop.Loop;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.SelectableChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** gevent's module-level socket helpers: {@code create_connection}, {@code wait_read}, {@code select}. */
public final class Sockets {
    private Sockets() {
    }

    /**
     * {@link #createConnection(String, int, Duration, InetSocketAddress)} without timeout or source.
     *
     * @param host a host name or a literal address
     * @param port the port
     * @return the connected socket
     * @throws IOException if an I/O error occurs
     */
    public static Socket createConnection(String host, int port) throws IOException {
        return createConnection(host, port, null, null);
    }

    /**
     * Resolves {@code host} without blocking the hub ({@link Dns}) and connects to its addresses in
     * order until one accepts (gevent's {@code create_connection}).
     *
     * @param host a host name or a literal address
     * @param port the port
     * @param timeout limit of the resolution and of each connection attempt, and the socket's timeout
     *                afterwards; null: none
     * @param source  local address to bind, or null
     * @return the connected socket
     * @throws IOException the error of the last address tried
     */
    public static Socket createConnection(String host, int port, Duration timeout, InetSocketAddress source)
            throws IOException {
        InetAddress[] addrs = Dns.resolve(host, timeout == null ? Dns.DEFAULT_TIMEOUT : timeout);
        IOException last = null;
        for (InetAddress a : addrs) {
            try {
                return Socket.connect(new InetSocketAddress(a, port), timeout, source);
            } catch (IOException e) {
                if (last != null) {
                    e.addSuppressed(last);
                }
                last = e;
            }
        }
        throw last != null ? last : new java.net.UnknownHostException(host);
    }

    /**
     * Parks until file descriptor {@code fd} is readable (gevent's {@code wait_read}); epoll/kqueue
     * backends only.
     *
     * @param fd the file descriptor
     * @param timeout null: no limit
     * @throws SocketTimeoutException if it does not become readable in time
     */
    public static void waitRead(int fd, Duration timeout) throws SocketTimeoutException {
        Loop loop = Hub.current().loop();
        try (IoWatcher w = loop.io(fd, Loop.READ)) {
            waitOn(w, timeout, "fd " + fd + " readable");
        }
    }

    /**
     * Parks until {@code fd} is writable; see {@link #waitRead(int, Duration)}.
     *
     * @param fd the file descriptor
     * @param timeout how long to wait at most (null: no limit)
     * @throws SocketTimeoutException if the timeout passes first
     */
    public static void waitWrite(int fd, Duration timeout) throws SocketTimeoutException {
        Loop loop = Hub.current().loop();
        try (IoWatcher w = loop.io(fd, Loop.WRITE)) {
            waitOn(w, timeout, "fd " + fd + " writable");
        }
    }

    /**
     * Parks until the non-blocking {@code channel} is readable (NIO backend).
     *
     * @param channel the channel
     * @param timeout how long to wait at most (null: no limit)
     * @throws SocketTimeoutException if the timeout passes first
     */
    public static void waitRead(SelectableChannel channel, Duration timeout) throws SocketTimeoutException {
        try (IoWatcher w = Hub.current().loop().io(channel, Loop.READ)) {
            waitOn(w, timeout, channel + " readable");
        }
    }

    /**
     * Parks until the non-blocking {@code channel} is writable (NIO backend).
     *
     * @param channel the channel
     * @param timeout how long to wait at most (null: no limit)
     * @throws SocketTimeoutException if the timeout passes first
     */
    public static void waitWrite(SelectableChannel channel, Duration timeout) throws SocketTimeoutException {
        try (IoWatcher w = Hub.current().loop().io(channel, Loop.WRITE)) {
            waitOn(w, timeout, channel + " writable");
        }
    }

    private static void waitOn(IoWatcher w, Duration timeout, String what) throws SocketTimeoutException {
        Hub hub = Hub.current();
        long nanos = Socket.nanos(timeout);
        if (nanos < 0) {
            hub.wait(w);
        } else if (!hub.wait(w, nanos, TimeUnit.NANOSECONDS)) {
            throw new SocketTimeoutException("waiting for " + what + " timed out");
        }
    }

    /**
     * What {@link #select} found ready.
     *
     * @param readable the sockets ready to read
     * @param writable the sockets ready to write
     */
    public record Selected(List<Socket> readable, List<Socket> writable) {
        /** {@return true when nothing was ready (the timeout passed)} */
        public boolean isEmpty() {
            return readable.isEmpty() && writable.isEmpty();
        }
    }

    /**
     * Parks until at least one of the sockets is readable or writable, or {@code timeout} passes
     * (gevent's {@code select.select}); an empty result means the timeout passed. A socket closed
     * while the caller waits wakes it with a {@link java.net.SocketException}.
     *
     * @param readers the sockets to watch for reading
     * @param writers the sockets to watch for writing
     * @param timeout null: no limit
     * @return the sockets that are ready
     * @throws IOException if an I/O error occurs
     */
    public static Selected select(Collection<Socket> readers, Collection<Socket> writers, Duration timeout)
            throws IOException {
        Hub hub = Hub.current();
        Waiter<Object> waiter = new Waiter<>(hub);
        List<Socket> r = new ArrayList<>();
        List<Socket> w = new ArrayList<>();
        List<Object[]> regs = new ArrayList<>();
        try {
            for (Socket s : readers) {
                IoWatcher iw = s.core.extra(Loop.READ, waiter);
                regs.add(new Object[] {s, iw});
                iw.start(() -> {
                    iw.stop();
                    r.add(s);
                    waiter.switchTo(null);
                });
            }
            for (Socket s : writers) {
                IoWatcher iw = s.core.extra(Loop.WRITE, waiter);
                regs.add(new Object[] {s, iw});
                iw.start(() -> {
                    iw.stop();
                    w.add(s);
                    waiter.switchTo(null);
                });
            }
            long nanos = Socket.nanos(timeout);
            if (nanos < 0) {
                waiter.get();
            } else if (waiter.await(nanos, TimeUnit.NANOSECONDS)) {
                waiter.get();
            }
        } finally {
            for (Object[] reg : regs) {
                ((Socket) reg[0]).core.dropExtra((IoWatcher) reg[1]);
            }
        }
        return new Selected(r, w);
    }
}
