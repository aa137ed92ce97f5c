package io.gevent4j.net;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;
import io.gevent4j.hub.Waiter;
import io.gevent4j.loop.internal.Diagnostics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * gevent's {@code StreamServer}: accepts TCP connections and runs {@link Handler#handle} in a new
 * greenlet for each; the connection is closed when the handler returns or throws. A handler's
 * exception is logged (through the hub, SLF4J) and closes only its own connection; a peer that went
 * away (a reset, a broken pipe, an {@link java.io.EOFException}) is not a failure and is logged at DEBUG.
 *
 * <pre>{@code
 * var server = new StreamServer(new InetSocketAddress("127.0.0.1", 6000), (sock, addr) -> {
 *     var buf = ByteBuffer.allocateDirect(4096);
 *     while (sock.read(buf.clear()) > 0) sock.write(buf.flip());
 * });
 * server.serveForever();
 * }</pre>
 *
 * <h2>Several hubs</h2>
 * With {@link #hubs(int) hubs(n)}, n &gt; 1, the server runs n hubs on n new platform threads; each
 * binds its own listening socket to the same port with {@code SO_REUSEPORT} and accepts its own
 * connections, so handlers run on n cores (the kernel spreads connections). With n = 1 (the default)
 * the server runs on the hub of the thread that calls {@link #start()}.
 *
 * <h2>Stopping</h2>
 * {@link #stop(Duration)} stops accepting at once, waits up to the timeout for the running handlers
 * and then kills the ones left with {@link GreenletExit} (their connections close as they unwind).
 */
public final class StreamServer implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(StreamServer.class);
    /** gevent's default {@code stop_timeout}. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(1);

    /** Serves one connection. The socket is closed after it returns. */
    @FunctionalInterface
    public interface Handler {
        /**
         * Serves {@code socket} from {@code address}.
         *
         * @param socket the socket
         * @param address the address
         * @throws Exception logged; closes only this connection
         */
        void handle(Socket socket, InetSocketAddress address) throws Exception;
    }

    /** Serves one TLS connection (see {@link #tls}). */
    @FunctionalInterface
    public interface TlsHandler {
        /**
         * Serves {@code socket} after a finished handshake; it is closed (with close_notify) after.
         *
         * @param socket the socket
         * @param address the address
         * @throws Exception whatever the code run throws
         */
        void handle(SslSocket socket, InetSocketAddress address) throws Exception;
    }

    /** Handshake limit of {@link #tls} servers. */
    public static final Duration TLS_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * {@return a server that speaks TLS with {@code context} (gevent's {@code StreamServer(...,
     * ssl_context=)}): each connection's handshake runs in its own greenlet within {@link
     * #TLS_HANDSHAKE_TIMEOUT}, then the handler gets the {@link SslSocket}} A failed handshake is logged and
     * closes the connection.
     *
     * @param address the address
     * @param context what was running (a watcher, a greenlet, a callback)
     * @param handler the handler
     */
    public static StreamServer tls(InetSocketAddress address, javax.net.ssl.SSLContext context, TlsHandler handler) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(handler, "handler");
        return new StreamServer(address, (sock, addr) -> {
            try (SslSocket s = SslSocket.server(sock, context)) {
                s.handshake(TLS_HANDSHAKE_TIMEOUT);
                handler.handle(s, addr);
            }
        });
    }

    private final InetSocketAddress requested;
    private final Handler handler;
    private int backlog = ServerSocket.DEFAULT_BACKLOG;
    private int maxConnections;
    private int hubs = 1;
    private boolean reusePort;
    private final List<Worker> workers = new ArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final java.util.concurrent.atomic.LongAdder accepted = new java.util.concurrent.atomic.LongAdder();
    private volatile InetSocketAddress bound;
    private volatile boolean started;
    private volatile boolean stopped;
    private volatile Waiter<Object> serving;

    /**
     * A server for {@code address} (port 0: any free port; see {@link #address()}).
     *
     * @param address the address
     * @param handler the handler
     */
    public StreamServer(InetSocketAddress address, Handler handler) {
        this.requested = Objects.requireNonNull(address, "address");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * The listen backlog (default {@value ServerSocket#DEFAULT_BACKLOG}).
     *
     * @param backlog the listen backlog
     * @return this {@code StreamServer}
     */
    public StreamServer backlog(int backlog) {
        checkNotStarted();
        this.backlog = backlog;
        return this;
    }

    /**
     * Limits concurrent handlers per hub (gevent's pool size / spawn limit); further connections wait in
     * the kernel's backlog until a handler ends. 0 (default): no limit.
     *
     * @param max the limit
     * @return this {@code StreamServer}
     */
    public StreamServer maxConnections(int max) {
        checkNotStarted();
        if (max < 0) {
            throw new IllegalArgumentException("negative limit");
        }
        this.maxConnections = max;
        return this;
    }

    /**
     * Runs {@code n} hubs on {@code n} threads with {@code SO_REUSEPORT} (default 1: the caller's hub).
     *
     * @param n the number of hubs
     * @return this {@code StreamServer}
     */
    public StreamServer hubs(int n) {
        checkNotStarted();
        if (n < 1) {
            throw new IllegalArgumentException("hubs must be >= 1");
        }
        this.hubs = n;
        return this;
    }

    /**
     * Sets {@code SO_REUSEPORT} on the listening socket even with one hub.
     *
     * @param on whether to set it
     * @return this {@code StreamServer}
     */
    public StreamServer reusePort(boolean on) {
        checkNotStarted();
        this.reusePort = on;
        return this;
    }

    private void checkNotStarted() {
        if (started) {
            throw new IllegalStateException("server already started");
        }
    }

    /** {@return the bound address, with the real port once started} */
    public InetSocketAddress address() {
        InetSocketAddress b = bound;
        return b != null ? b : requested;
    }

    /** {@return the connections being handled now, over all hubs} */
    public int connectionCount() {
        return connections.get();
    }

    /** {@return the connections accepted since the server was made, over all hubs} */
    public long acceptedCount() {
        return accepted.sum();
    }

    /** {@return true between {@link #start()} and {@link #stop}} */
    public boolean isStarted() {
        return started && !stopped;
    }

    /**
     * Binds and starts accepting in the background (one acceptor greenlet per hub), then returns.
     *
     * @return this {@code StreamServer}
     * @throws IOException if the address cannot be bound
     */
    public synchronized StreamServer start() throws IOException {
        checkNotStarted();
        started = true;
        if (hubs == 1) {
            Worker w = new Worker(Hub.current());
            w.listener = ServerSocket.bind(requested, backlog, reusePort);
            bound = w.listener.localAddress();
            workers.add(w);
            w.startAccepting();
            return this;
        }
        InetSocketAddress addr = requested;
        for (int i = 0; i < hubs; i++) {
            CompletableFuture<InetSocketAddress> boundF = new CompletableFuture<>();
            InetSocketAddress at = addr;
            Worker[] made = new Worker[1];
            Thread t = new Thread(() -> runWorkerThread(at, boundF, made), "gevent4j-server-" + i);
            t.start();
            try {
                addr = boundF.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                stop(Duration.ZERO);
                Throwable c = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
                throw c instanceof IOException io ? io : new IOException("hub " + i + " failed to bind", c);
            }
            made[0].thread = t;
            synchronized (workers) {
                workers.add(made[0]);
            }
            bound = addr;
        }
        return this;
    }

    private void runWorkerThread(InetSocketAddress at, CompletableFuture<InetSocketAddress> boundF, Worker[] made) {
        Hub hub = Hub.current();
        Worker w = new Worker(hub);
        try {
            w.listener = ServerSocket.bind(at, backlog, true);
        } catch (Throwable e) {
            boundF.completeExceptionally(e);
            hub.destroy();
            return;
        }
        made[0] = w;
        w.stopRequest = new Waiter<>(hub);
        w.startAccepting();
        boundF.complete(w.listener.localAddress());
        try (AutoCloseable ignored = hub.externalWait()) {
            Duration timeout = w.stopRequest.get();
            w.stopLocal(timeout);
        } catch (Throwable e) {
            Diagnostics.error(log, e, "server hub {} failed", hub);
        } finally {
            w.stopped.countDown();
            hub.destroy();
        }
    }

    /**
     * Starts if needed and blocks the caller (greenlet or hub owner) until {@link #stop} is called
     * (gevent's {@code serve_forever}).
     *
     * @throws IOException if an I/O error occurs
     */
    public void serveForever() throws IOException {
        if (!started) {
            start();
        }
        if (hubs > 1) {
            for (Worker w : snapshot()) {
                try {
                    w.thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            return;
        }
        Worker w = workers.get(0);
        if (w.localStopDone) {
            return;
        }
        // Also when stop() already ran on another thread: its work is queued on this hub, run it.
        serving = new Waiter<>(w.hub);
        serving.get();
    }

    /** {@link #stop(Duration)} with {@link #DEFAULT_STOP_TIMEOUT}. */
    public void stop() {
        stop(DEFAULT_STOP_TIMEOUT);
    }

    /**
     * Stops accepting (the listening sockets close at once), waits up to {@code timeout} for running
     * handlers to finish, then kills the rest. Returns when all handlers ended. Idempotent.
     *
     * @param timeout how long running handlers may take to finish
     */
    public void stop(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (stopped) {
            return;
        }
        stopped = true;
        for (Worker w : snapshot()) {
            if (w.thread == null) {
                if (w.hub.inHubThread()) {
                    w.stopLocal(timeout);
                } else {
                    CountDownLatch done = w.stopped;
                    w.hub.loop().execute(() -> new Greenlet<>(w.hub, () -> {
                        try {
                            w.stopLocal(timeout);
                        } finally {
                            done.countDown();
                        }
                        return null;
                    }).start());
                    await(done);
                }
            } else {
                w.stopRequest.switchTo(timeout);
            }
        }
        for (Worker w : snapshot()) {
            if (w.thread != null) {
                await(w.stopped);
            }
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<Worker> snapshot() {
        synchronized (workers) {
            return new ArrayList<>(workers);
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "StreamServer[" + address() + ", hubs=" + hubs + ", connections=" + connections.get()
                + (stopped ? ", stopped]" : started ? ", started]" : "]");
    }

    /**
     * True for the errors of a peer that merely went away - a reset, a broken pipe, an end of stream
     * in the middle of a read - which a handler may let escape: they end the connection and are logged
     * at DEBUG, not as a handler failure.
     */
    static boolean peerWentAway(IOException e) {
        if (e instanceof java.io.EOFException) {
            return true;
        }
        String m = e.getMessage();
        return e instanceof SocketException && !(e instanceof java.net.ConnectException) && m != null
                && (m.startsWith("Connection reset") || m.startsWith("Broken pipe"));
    }

    /** One hub's share: its listening socket, acceptor and handlers. Hub thread only. */
    private final class Worker {
        final Hub hub;
        ServerSocket listener;
        volatile Thread thread;
        Waiter<Duration> stopRequest;
        final CountDownLatch stopped = new CountDownLatch(1);
        private Greenlet<Void> acceptor;
        private final LinkedHashSet<Greenlet<Void>> handlers = new LinkedHashSet<>();
        private Waiter<Object> slot;
        private boolean stopping;
        /** stopLocal finished (hub thread). */
        boolean localStopDone;

        Worker(Hub hub) {
            this.hub = hub;
        }

        void startAccepting() {
            acceptor = new Greenlet<Void>(hub, this::acceptLoop).setName("acceptor " + listener.localAddress());
            acceptor.start();
        }

        private Void acceptLoop() {
            while (!stopping) {
                if (maxConnections > 0 && handlers.size() >= maxConnections) {
                    slot = new Waiter<>(hub);
                    try {
                        slot.get();
                    } finally {
                        slot = null;
                    }
                    continue;
                }
                Socket c;
                try {
                    c = listener.accept();
                } catch (SocketException e) {
                    if (listener.isClosed()) {
                        return null;
                    }
                    log.warn("accept on {} failed: {}", listener, e.toString());
                    Gevent.sleep(10);
                    continue;
                } catch (IOException e) {
                    // EMFILE and friends: back off instead of spinning
                    log.warn("accept on {} failed: {}", listener, e.toString());
                    Gevent.sleep(10);
                    continue;
                }
                spawn(c);
            }
            return null;
        }

        private void spawn(Socket c) {
            InetSocketAddress peer = c.remoteAddress();
            connections.incrementAndGet();
            accepted.increment();
            Greenlet<Void> g = new Greenlet<>(hub, () -> {
                try (c) {
                    handler.handle(c, peer);
                } catch (IOException e) {
                    if (!peerWentAway(e)) {
                        throw e;
                    }
                    log.debug("{}: the peer went away: {}", peer, e.toString());
                }
                return null;
            });
            handlers.add(g);
            g.rawlink(() -> {
                c.close(); // also when the greenlet was killed before it started
                handlers.remove(g);
                connections.decrementAndGet();
                Waiter<Object> s = slot;
                if (s != null) {
                    s.switchTo(null);
                }
            });
            g.start();
        }

        /** Stops this hub's share; runs in a greenlet or on the owner of {@link #hub}. */
        void stopLocal(Duration timeout) {
            stopping = true;
            listener.close();
            Waiter<Object> s = slot;
            if (s != null) {
                s.switchTo(null);
            }
            RawGreenlet me = RawGreenlet.getcurrent();
            List<Greenlet<Void>> running = new ArrayList<>(handlers);
            running.remove(me);
            if (!running.isEmpty()) {
                Gevent.joinall(running, timeout);
                List<Greenlet<Void>> left = new ArrayList<>();
                for (Greenlet<Void> g : running) {
                    if (!g.ready()) {
                        left.add(g);
                    }
                }
                if (!left.isEmpty()) {
                    log.debug("{}: killing {} handlers still running after {}", StreamServer.this, left.size(), timeout);
                    Gevent.killall(left, Duration.ofSeconds(5));
                }
            }
            if (acceptor != null && acceptor != me) {
                acceptor.join(Duration.ofSeconds(5));
            }
            // Wake serveForever() here, on the hub thread: woken from another thread it could find the
            // hub idle first and get LoopExit.
            localStopDone = true;
            Waiter<Object> sv = serving;
            if (sv != null && thread == null) {
                sv.switchTo(null);
            }
        }
    }
}
