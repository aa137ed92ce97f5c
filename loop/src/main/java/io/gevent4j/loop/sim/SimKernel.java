package io.gevent4j.loop.sim;

import io.gevent4j.loop.Loop;
import io.netty.channel.IoHandlerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.NotYetConnectedException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A simulated kernel for deterministic tests: a virtual clock, a file-descriptor table, an in-memory TCP
 * network (listeners, connections with latency, flow-control windows, FIN and RST) and an epoll-like
 * poller, with faults drawn from one seeded generator ({@link SimFaults}). A {@link Loop} on
 * {@link io.gevent4j.loop.Backend#SIM} polls it instead of the OS: its poll never sleeps but moves the
 * clock to the next timer or network event, so a test that would take minutes of timeouts runs in
 * milliseconds, and one seed always replays the same run.
 *
 * <h2>Use</h2>
 * {@link #install(SimKernel)} binds a kernel to the calling platform thread; a loop created on that
 * thread (the thread's hub's loop) then runs on it, and the sockets of {@code io.gevent4j.net} made on
 * that hub become simulated descriptors. One kernel drives one loop. {@code io.gevent4j.sim.Simulation}
 * does all of this for a test and checks the outcome.
 *
 * <h2>Threads</h2>
 * None of its own: it is used by the thread that runs its loop (a hub passes its loop between its owner
 * and carrier threads, one at a time). Nothing here is thread-safe, and a program that involves other
 * threads (a thread pool, a second hub) is outside the simulation.
 *
 * <h2>Model</h2>
 * Descriptors are small integers, the lowest free one first (so numbers are reused at once, as POSIX
 * does). A connect sends a SYN that reaches the listener after the connection's latency; a full accept
 * queue drops it and the client retries after 1, 2, 4... s, up to 6 times (ETIMEDOUT). Each direction
 * has a one-way latency and a window: a write takes at most the window minus what the peer has not
 * read yet, and the room comes back one latency after the peer reads. Closing a socket with unread
 * input, or with {@code SO_LINGER} 0, sends RST instead of FIN; data reaching a closed socket is
 * answered with RST; a reset discards what was not read yet and the next read or write reports
 * "Connection reset by peer" (then reads see end of stream and writes "Broken pipe"). Error messages
 * are those of gevent4j's native sockets.
 *
 * <h2>Failures</h2>
 * When the loop would sleep with no timer and no network event left, nothing can ever happen: the
 * kernel records a {@linkplain #failure() failure} ("hang") and destroys the loop, which makes the
 * loop's {@code run} (and a hub's wait) end. So does a clock that passes the
 * {@linkplain #timeLimit(long) virtual time limit}.
 */
public final class SimKernel {
    private static final ThreadLocal<SimKernel> INSTALLED = new ThreadLocal<>();
    private static final int FIRST_FD = 3;
    private static final int MAX_SYN_ATTEMPTS = 6;
    private static final long SECOND = 1_000_000_000L;
    private static final int DEFAULT_TRACE = 256;

    /** What the kernel did to make life hard, counted. */
    public enum Fault {
        /** A read returned fewer bytes than were ready. */
        SHORT_READ,
        /** A write took fewer bytes than it offered. */
        SHORT_WRITE,
        /** A poll reported ready descriptors in another order. */
        REORDERED_POLL,
        /** Readiness was reported a poll later than it happened. */
        DEFERRED_READY,
        /** A descriptor was reported ready when it was not. */
        SPURIOUS_READY,
        /** A connection was reset. */
        RESET,
        /** A connect was refused. */
        REFUSED_CONNECT,
        /** A non-blocking connect completed at once. */
        IMMEDIATE_CONNECT,
        /** An accept failed with {@code ECONNABORTED}. */
        ACCEPT_ABORTED,
        /** An accept failed with {@code EMFILE}. */
        ACCEPT_EMFILE
    }

    private final long seed;
    private final SimFaults faults;
    private final SplittableRandom rnd;
    private final SplittableRandom scenarioRandom;
    private final long origin;
    private long now;
    private long timeLimit = 3600 * SECOND;

    private final ArrayList<SimSocket> fds = new ArrayList<>();
    private final HashMap<InetSocketAddress, SimSocket> boundAddresses = new HashMap<>();
    private int nextSocketId = 1;
    private int nextEphemeral = 32768;
    private final PriorityQueue<Event> events = new PriorityQueue<>(SimKernel::compareEvents);
    private long nextEventSeq;
    final SimPoller poller;
    private Loop loop;

    private final EnumMap<Fault, Long> faultCounts = new EnumMap<>(Fault.class);
    private long connections;
    private long bytesDelivered;
    private long syscalls;
    private long polls;
    private final SimTrace trace = new SimTrace(DEFAULT_TRACE);
    private String failure;
    /** Greenlets parked where only a real thread can wake them (a JDK lock held by another thread...). */
    private java.util.function.IntSupplier waitingForRealThreads = () -> 0;
    private final java.util.concurrent.Semaphore wakeups = new java.util.concurrent.Semaphore(0);
    private long realWaits;

    /**
     * A kernel whose every decision follows from {@code seed} and {@code faults}.
     *
     * @param faults what to inject, and how often
     * @param seed the seed every decision follows from
     */
    public SimKernel(long seed, SimFaults faults) {
        this.seed = seed;
        this.faults = Objects.requireNonNull(faults, "faults");
        this.rnd = new SplittableRandom(seed);
        this.scenarioRandom = rnd.split();
        this.origin = faults.clockOrigin();
        this.now = origin;
        this.poller = new SimPoller(this);
        for (Fault f : Fault.values()) {
            faultCounts.put(f, 0L);
        }
    }

    // ------------------------------------------------------------------ installation

    /**
     * Binds {@code kernel} to the calling thread: loops created on this thread run on it (null: none).
     *
     * @param kernel the kernel, or null to uninstall
     */
    public static void install(SimKernel kernel) {
        if (kernel == null) {
            INSTALLED.remove();
        } else {
            INSTALLED.set(kernel);
        }
    }

    /**
     * The kernel bound to the calling thread, or null.
     *
     * @return the kernel, or null
     */
    public static SimKernel installed() {
        return INSTALLED.get();
    }

    /**
     * Called by the {@link Loop} that runs on this kernel, once: the poller it drives.
     *
     * @throws IllegalStateException if another loop already runs on this kernel
     * @param loop the loop that will poll this kernel
     * @return the factory of the poller
     */
    public IoHandlerFactory attach(Loop loop) {
        if (this.loop != null) {
            throw new IllegalStateException("a simulated kernel drives one loop; " + this.loop + " already runs on it");
        }
        this.loop = Objects.requireNonNull(loop, "loop");
        return executor -> poller;
    }

    // ------------------------------------------------------------------ identity, clock, outcome

    /**
     * The seed this kernel was made with.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    /**
     * The faults this kernel injects.
     *
     * @return the faults
     */
    public SimFaults faults() {
        return faults;
    }

    /**
     * A generator for the scenario that runs on this kernel, seeded from the kernel's seed but apart from
     * the kernel's own draws (so a scenario's choices do not shift when the kernel draws differently).
     *
     * @return the scenario's own generator
     */
    public SplittableRandom scenarioRandom() {
        return scenarioRandom;
    }

    /**
     * The virtual clock, on {@link System#nanoTime()}'s scale (its origin is {@link SimFaults#clockOrigin()}).
     *
     * @return the virtual time, in nanoseconds
     */
    public long nanoTime() {
        return now;
    }

    /**
     * Virtual nanoseconds since the kernel was made.
     *
     * @return the virtual nanoseconds elapsed
     */
    public long elapsedNanos() {
        return now - origin;
    }

    /**
     * Makes the run fail once the virtual clock passes {@code nanos} after the start (default one hour).
     *
     * @param nanos how long, in nanoseconds
     * @return this
     */
    public SimKernel timeLimit(long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("time limit must be positive");
        }
        this.timeLimit = nanos;
        return this;
    }

    /**
     * Tells the kernel how many greenlets wait for a real thread (its hub's
     * {@code greenletsOffHub()}): while any does, a poll does not move the virtual clock but waits, in
     * real time, for that thread's wake-up. Such a greenlet is outside the simulation (a JDK lock that
     * another thread holds, a thread pool): the run stays correct but may no longer replay exactly.
     *
     * @param count how many of them to wait for
     */
    public void waitingForRealThreads(java.util.function.IntSupplier count) {
        this.waitingForRealThreads = Objects.requireNonNull(count, "count");
    }

    /**
     * Polls that waited in real time for a real thread (see {@link #waitingForRealThreads}).
     *
     * @return the real waits
     */
    public long realWaits() {
        return realWaits;
    }

    boolean greenletsWaitForRealThreads() {
        return waitingForRealThreads.getAsInt() > 0;
    }

    /** A submission from another thread: a poll waiting in real time returns. Any thread. */
    void wakeup() {
        wakeups.release();
    }

    /** Waits up to 10 s of real time for a wake-up from another thread; false if none came. */
    boolean awaitRealWakeup() {
        realWaits++;
        try {
            return wakeups.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Called by the loop after each callback: running code takes (virtual) time too. */
    public void charge() {
        long jitter = faults.cpuJitterNanos();
        now += 1000 + (jitter > 0 ? rnd.nextLong(jitter + 1) : 0);
        trace.tick(now - origin); // the digest covers every callback's time too
    }

    /**
     * Why the run was stopped (a hang or the time limit, with the kernel's state then), or null.
     *
     * @return the failure
     */
    public String failure() {
        return failure;
    }

    /**
     * True once the kernel stopped its loop because of a {@link #failure()}.
     *
     * @return whether the kernel stopped its loop because of a {@link #failure()}
     */
    public boolean halted() {
        return failure != null;
    }

    /**
     * How often each fault was injected.
     *
     * @return the fault counts
     */
    public Map<Fault, Long> faultCounts() {
        return new EnumMap<>(faultCounts);
    }

    /**
     * Faults injected in all.
     *
     * @return the faults injected
     */
    public long faultsInjected() {
        long n = 0;
        for (long c : faultCounts.values()) {
            n += c;
        }
        return n;
    }

    /**
     * Connections established so far.
     *
     * @return the connections
     */
    public long connections() {
        return connections;
    }

    /**
     * Bytes that reached a receive buffer so far.
     *
     * @return the bytes delivered
     */
    public long bytesDelivered() {
        return bytesDelivered;
    }

    /**
     * System calls made so far.
     *
     * @return the syscalls
     */
    public long syscalls() {
        return syscalls;
    }

    /**
     * Polls so far.
     *
     * @return the polls
     */
    public long polls() {
        return polls;
    }

    /**
     * A digest of everything that happened (system calls, network events, readiness reports, with their
     * virtual times): two runs of one seed must give the same digest, or something outside the
     * simulation (a real thread, a real clock, an identity hash order) leaked into it.
     *
     * @return the trace hash
     */
    public long traceHash() {
        return trace.hash();
    }

    /**
     * Keeps the last {@code events} events for {@link #traceTail()} (default 256); call before the run.
     *
     * @param events how many events to keep
     * @return this
     */
    public SimKernel traceCapacity(int events) {
        trace.resize(events);
        return this;
    }

    /**
     * The last events, oldest first, one a line, with their virtual times.
     *
     * @return the trace tail
     */
    public String traceTail() {
        return trace.tail(origin);
    }

    /**
     * The open descriptors, one a line.
     *
     * @return the describe open fds
     */
    public String describeOpenFds() {
        StringBuilder b = new StringBuilder();
        for (SimSocket s : fds) {
            if (s != null) {
                b.append("  ").append(s).append(poller.interestOf(s)).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * Number of open descriptors.
     *
     * @return the open fds
     */
    public int openFds() {
        int n = 0;
        for (SimSocket s : fds) {
            if (s != null) {
                n++;
            }
        }
        return n;
    }

    /**
     * Poller registrations not cancelled yet (a loop with no open watcher has none).
     *
     * @return the registrations
     */
    public int registrations() {
        return poller.registrationCount();
    }

    /**
     * Network events (segments, acknowledgements, handshakes) still in flight.
     *
     * @return the events in flight
     */
    public int eventsInFlight() {
        return events.size();
    }

    // ------------------------------------------------------------------ system calls

    /**
     * socket(2): a new TCP socket's descriptor.
     *
     * @return the socket
     */
    public int socket() {
        syscalls++;
        SimSocket s = new SimSocket(nextSocketId++);
        int fd = allocFd(s);
        trace("socket() = " + fd, s.id, 0);
        return fd;
    }

    /**
     * True when {@code fd} is open.
     *
     * @param fd the simulated descriptor
     * @return whether {@code fd} is open
     */
    public boolean isOpen(int fd) {
        return fd >= 0 && fd < fds.size() && fds.get(fd) != null;
    }

    /**
     * bind(2); port 0 picks a free port.
     *
     * @param address the local address
     * @param fd the simulated descriptor
     * @throws IOException if an I/O error occurs
     */
    public void bind(int fd, InetSocketAddress address) throws IOException {
        syscalls++;
        SimSocket s = file(fd);
        if (s.bound || s.state != SimSocket.State.FRESH) {
            throw new SocketException("bind(..) failed: Invalid argument (already bound)");
        }
        InetAddress a = address.getAddress();
        if (a == null) {
            throw new SocketException("bind(..) failed: unresolved address " + address);
        }
        int port = address.getPort() == 0 ? ephemeralPort(a) : address.getPort();
        InetSocketAddress local = new InetSocketAddress(a, port);
        for (Map.Entry<InetSocketAddress, SimSocket> e : boundAddresses.entrySet()) {
            InetSocketAddress other = e.getKey();
            if (other.getPort() == port && (other.getAddress().equals(a) || other.getAddress().isAnyLocalAddress()
                    || a.isAnyLocalAddress()) && !(s.reusePort && e.getValue().reusePort)) {
                throw new BindException("bind(..) failed: Address already in use");
            }
        }
        bindTo(s, local);
        trace("bind(" + fd + ", " + local + ")", s.id, 0);
    }

    /**
     * listen(2).
     *
     * @param backlog the accept queue's length
     * @param fd the simulated descriptor
     * @throws IOException if an I/O error occurs
     */
    public void listen(int fd, int backlog) throws IOException {
        syscalls++;
        SimSocket s = file(fd);
        if (s.state != SimSocket.State.FRESH && s.state != SimSocket.State.LISTENING) {
            throw new SocketException("listen(..) failed: Invalid argument");
        }
        if (!s.bound) {
            bindTo(s, new InetSocketAddress(InetAddress.getLoopbackAddress(), ephemeralPort(InetAddress.getLoopbackAddress())));
        }
        s.state = SimSocket.State.LISTENING;
        s.backlog = Math.max(1, backlog);
        trace("listen(" + fd + ", " + s.backlog + ")", s.id, 0);
    }

    /**
     * connect(2) on a non-blocking socket.
     *
     * @return true if connected at once, false if in progress (wait for writability, then
     *         {@link #finishConnect})
     *
     * @param fd the simulated descriptor
     * @param remote the address to connect to
     * @throws IOException if an I/O error occurs
     */
    public boolean connect(int fd, InetSocketAddress remote) throws IOException {
        syscalls++;
        SimSocket s = file(fd);
        switch (s.state) {
            case CONNECTING -> throw new SocketException("connect(..) failed: Operation already in progress");
            case CONNECTED -> throw new SocketException("connect(..) failed: Transport endpoint is already connected");
            case LISTENING, DEAD -> throw new SocketException("connect(..) failed: Invalid argument");
            default -> { }
        }
        if (remote.getAddress() == null) {
            throw new SocketException("connect(..) failed: unresolved address " + remote);
        }
        if (!s.bound) {
            InetAddress lo = remote.getAddress() instanceof Inet6Address ? InetAddress.getByName("::1")
                    : InetAddress.getByName("127.0.0.1");
            bindTo(s, new InetSocketAddress(lo, ephemeralPort(lo)));
        }
        s.remote = remote;
        s.state = SimSocket.State.CONNECTING;
        s.latency = drawLatency();
        s.lastArrival = now;
        if (chance(faults.refuseConnect())) {
            count(Fault.REFUSED_CONNECT);
            trace("connect(" + fd + ", " + remote + ") = EINPROGRESS [fault: will be refused]", s.id, 0);
            schedule(arrival(s), "RST (refused) -> sock#" + s.id, () -> refused(s));
            return false;
        }
        SimSocket l = listenerFor(remote);
        if (l != null && l.acceptQueue.size() < l.backlog && chance(faults.immediateConnect())) {
            count(Fault.IMMEDIATE_CONNECT);
            SimSocket srv = serverEnd(s, l);
            established(s, srv);
            trace("connect(" + fd + ", " + remote + ") = 0 (at once)", s.id, 0);
            return true;
        }
        trace("connect(" + fd + ", " + remote + ") = EINPROGRESS", s.id, 0);
        schedule(arrival(s), "SYN sock#" + s.id + " -> " + remote, () -> synArrives(s));
        return false;
    }

    /**
     * Completes a connect: true once established, false while in progress.
     *
     * @throws ConnectException if it was refused or timed out
     * @param fd the simulated descriptor
     * @return whether established, false while in progress
     */
    public boolean finishConnect(int fd) throws IOException {
        syscalls++;
        SimSocket s = file(fd);
        if (s.state == SimSocket.State.CONNECTED) {
            return true;
        }
        if (s.state != SimSocket.State.CONNECTING) {
            throw new SocketException("finishConnect(..) failed: Transport endpoint is not connected");
        }
        int err = s.error;
        if (err == SimSocket.NO_ERROR) {
            return false;
        }
        s.error = SimSocket.NO_ERROR;
        s.state = SimSocket.State.DEAD;
        trace("finishConnect(" + fd + ") = " + (err == SimSocket.REFUSED ? "ECONNREFUSED" : "ETIMEDOUT"), s.id, err);
        throw new ConnectException(err == SimSocket.REFUSED ? "Connection refused" : "Connection timed out");
    }

    /**
     * accept(2) on a non-blocking listener.
     *
     * @return the new connection's descriptor, or -1 if none is waiting
     * @param fd the simulated descriptor
     * @throws IOException if an I/O error occurs
     */
    public int accept(int fd) throws IOException {
        syscalls++;
        SimSocket l = file(fd);
        if (l.state != SimSocket.State.LISTENING) {
            throw new SocketException("accept(..) failed: Invalid argument");
        }
        if (l.acceptQueue.isEmpty()) {
            return -1;
        }
        if (chance(faults.failAccept())) {
            if (rnd.nextBoolean()) {
                count(Fault.ACCEPT_ABORTED);
                SimSocket c = l.acceptQueue.poll();
                trace("accept(" + fd + ") = ECONNABORTED [fault: sock#" + c.id + " lost]", l.id, 0);
                c.closed = true;
                sendRst(c);
                throw new SocketException("accept(..) failed: Software caused connection abort");
            }
            count(Fault.ACCEPT_EMFILE);
            trace("accept(" + fd + ") = EMFILE [fault]", l.id, 0);
            throw new IOException("accept(..) failed: Too many open files");
        }
        SimSocket c = l.acceptQueue.poll();
        int nfd = allocFd(c);
        trace("accept(" + fd + ") = " + nfd + " (sock#" + c.id + " from " + c.remote + ")", c.id, 0);
        return nfd;
    }

    /**
     * read(2) into {@code dst}: bytes read, 0 if none are ready (EAGAIN), -1 at end of stream.
     *
     * @param dst where the bytes go
     * @param fd the simulated descriptor
     * @return the number of bytes read, or -1 at the end
     * @throws IOException if an I/O error occurs
     */
    public int read(int fd, ByteBuffer dst) throws IOException {
        syscalls++;
        SimSocket s = file(fd);
        if (!dst.hasRemaining()) {
            return 0;
        }
        switch (s.state) {
            case CONNECTING:
                return 0;
            case CONNECTED:
                break;
            case DEAD:
                return -1;
            default:
                throw new SocketException("read(..) failed: Transport endpoint is not connected");
        }
        if (s.error == SimSocket.RESET) {
            s.error = SimSocket.NO_ERROR;
            trace("read(" + fd + ") = ECONNRESET", s.id, 0);
            throw new SocketException("Connection reset by peer");
        }
        if (s.resetSeen || s.inputShut) {
            return -1;
        }
        int avail = s.recv.size();
        if (avail == 0) {
            if (s.finReceived) {
                trace("read(" + fd + ") = EOF", s.id, 0);
                return -1;
            }
            return 0;
        }
        int n = Math.min(avail, dst.remaining());
        if (n > 1 && chance(faults.shortRead())) {
            count(Fault.SHORT_READ);
            n = 1 + rnd.nextInt(n - 1);
        }
        s.recv.take(dst, n);
        trace("read", fd, n, s.id);
        acknowledge(s, n);
        return n;
    }

    /**
     * write(2) from {@code src}: bytes taken, 0 if the window is full (EAGAIN).
     *
     * @param fd the simulated descriptor
     * @param src the bytes to send
     * @return the number of bytes written
     * @throws IOException if an I/O error occurs
     */
    public int write(int fd, ByteBuffer src) throws IOException {
        syscalls++;
        SimSocket s = file(fd);
        if (!src.hasRemaining()) {
            return 0;
        }
        switch (s.state) {
            case CONNECTING:
                return 0;
            case CONNECTED:
                break;
            case DEAD:
                throw new SocketException("Broken pipe (the peer closed the connection)");
            default:
                throw new NotYetConnectedException();
        }
        if (s.error == SimSocket.RESET) {
            s.error = SimSocket.NO_ERROR;
            trace("write(" + fd + ") = ECONNRESET", s.id, 0);
            throw new SocketException("Connection reset by peer");
        }
        if (s.resetSeen || s.outputShut) {
            trace("write(" + fd + ") = EPIPE", s.id, 0);
            throw new SocketException("Broken pipe (the peer closed the connection)");
        }
        long room = s.credit;
        if (room <= 0) {
            return 0;
        }
        int n = (int) Math.min(room, src.remaining());
        if (n > 1 && chance(faults.shortWrite())) {
            count(Fault.SHORT_WRITE);
            n = 1 + rnd.nextInt(n - 1);
        }
        s.credit -= n;
        trace("write", fd, n, s.id);
        Segment seg = s.tail;
        if (seg != null && !seg.arrived && seg.sentAt == now) {
            seg.append(src, n); // written in the same instant: travels in the same segment
        } else {
            Segment fresh = new Segment(now, src, n);
            s.tail = fresh;
            SimSocket to = s.peer;
            schedule(arrival(s), null, () -> {
                fresh.arrived = true;
                dataArrives(to, fresh.bytes());
            });
        }
        return n;
    }

    /**
     * shutdown(2) of the output: the peer reads end of stream after what is in flight.
     *
     * @param fd the simulated descriptor
     * @throws IOException if an I/O error occurs
     */
    public void shutdownOutput(int fd) throws IOException {
        syscalls++;
        SimSocket s = file(fd);
        if (s.state != SimSocket.State.CONNECTED || s.resetSeen) {
            throw new NotYetConnectedException();
        }
        if (!s.outputShut) {
            s.outputShut = true;
            trace("shutdown(" + fd + ", SHUT_WR)", s.id, 0);
            sendFin(s);
        }
    }

    /**
     * shutdown(2) of the input: reads see end of stream, what arrives is dropped.
     *
     * @param fd the simulated descriptor
     * @throws IOException if an I/O error occurs
     */
    public void shutdownInput(int fd) throws IOException {
        syscalls++;
        SimSocket s = file(fd);
        if (s.state != SimSocket.State.CONNECTED || s.resetSeen) {
            throw new NotYetConnectedException();
        }
        if (!s.inputShut) {
            s.inputShut = true;
            int dropped = s.recv.size();
            s.recv.clear();
            if (dropped > 0) {
                acknowledge(s, dropped);
            }
            trace("shutdown(" + fd + ", SHUT_RD)", s.id, 0);
        }
    }

    /**
     * close(2): the descriptor is free at once; the connection ends with FIN, or RST if input was unread.
     *
     * @param fd the simulated descriptor
     * @throws IOException if an I/O error occurs
     */
    public void close(int fd) throws IOException {
        syscalls++;
        SimSocket s = file(fd);
        fds.set(fd, null);
        s.fd = -1;
        s.closed = true;
        poller.fileClosed(s);
        switch (s.state) {
            case LISTENING -> {
                trace("close(" + fd + ") listener, " + s.acceptQueue.size() + " queued connection(s) reset", s.id, 0);
                for (SimSocket c : s.acceptQueue) {
                    c.closed = true;
                    sendRst(c);
                }
                s.acceptQueue.clear();
            }
            case CONNECTED -> {
                if (s.resetSeen) {
                    trace("close(" + fd + ")", s.id, 0);
                } else if (!s.recv.isEmpty() || s.linger == 0) {
                    trace("close(" + fd + ") with " + s.recv.size() + " unread byte(s)"
                            + (s.linger == 0 ? ", SO_LINGER 0" : "") + ": RST", s.id, 0);
                    sendRst(s);
                } else {
                    trace("close(" + fd + ")", s.id, 0);
                    if (!s.outputShut) {
                        s.outputShut = true;
                        sendFin(s);
                    }
                }
            }
            default -> trace("close(" + fd + ")", s.id, 0);
        }
        if (s.bound) {
            boundAddresses.remove(s.local);
            s.bound = false;
        }
    }

    /**
     * getsockname(2).
     *
     * @param fd the simulated descriptor
     * @return the local address
     */
    public InetSocketAddress localAddress(int fd) {
        SimSocket s = fileOrNull(fd);
        return s == null ? null : s.local;
    }

    /**
     * getpeername(2): null unless connected (or connecting).
     *
     * @param fd the simulated descriptor
     * @return the remote address
     */
    public InetSocketAddress remoteAddress(int fd) {
        SimSocket s = fileOrNull(fd);
        return s == null || s.state == SimSocket.State.FRESH || s.state == SimSocket.State.LISTENING ? null : s.remote;
    }

    /**
     * setsockopt(2) for the TCP options gevent4j's sockets use. {@code SO_LINGER} 0 makes
     * {@link #close} send RST.
     *
     * @throws UnsupportedOperationException for another option
     * @param <T> the result type
     * @param fd the simulated descriptor
     * @param name the name
     * @param value the value
     * @throws IOException if an I/O error occurs
     */
    public <T> void setOption(int fd, SocketOption<T> name, T value) throws IOException {
        syscalls++;
        file(fd).setOption(name, value);
    }

    /**
     * getsockopt(2); see {@link #setOption}.
     *
     * @param <T> the result type
     * @param fd the simulated descriptor
     * @param name the name
     * @return the result
     * @throws IOException if an I/O error occurs
     */
    public <T> T getOption(int fd, SocketOption<T> name) throws IOException {
        syscalls++;
        return file(fd).getOption(name);
    }

    /**
     * A one-line description of descriptor {@code fd} (for messages).
     *
     * @param fd the simulated descriptor
     * @return a one-line description of the descriptor
     */
    public String describe(int fd) {
        SimSocket s = fileOrNull(fd);
        return s == null ? "fd " + fd + " (closed)" : s.toString();
    }

    // ------------------------------------------------------------------ the network

    private void synArrives(SimSocket s) {
        if (s.closed || s.state != SimSocket.State.CONNECTING) {
            return; // the client gave up
        }
        SimSocket l = listenerFor(s.remote);
        if (l == null) {
            trace("SYN sock#" + s.id + ": nothing listens on " + s.remote + ", RST", s.id, 0);
            schedule(now + s.latency, "RST (refused) -> sock#" + s.id, () -> refused(s));
            return;
        }
        if (l.acceptQueue.size() >= l.backlog) {
            s.synAttempts++;
            if (s.synAttempts > MAX_SYN_ATTEMPTS) {
                trace("SYN sock#" + s.id + ": accept queue full, giving up (ETIMEDOUT)", s.id, 0);
                s.error = SimSocket.TIMED_OUT;
                return;
            }
            long backoff = SECOND << (s.synAttempts - 1);
            trace("SYN sock#" + s.id + ": accept queue full, dropped; retry in " + (backoff / SECOND) + " s", s.id, 0);
            schedule(now + backoff + s.latency, "SYN sock#" + s.id + " (retry) -> " + s.remote, () -> synArrives(s));
            return;
        }
        SimSocket srv = serverEnd(s, l);
        schedule(arrival(srv), "SYN-ACK sock#" + srv.id + " -> sock#" + s.id, () -> {
            if (s.closed || s.state != SimSocket.State.CONNECTING) {
                // the client closed its socket meanwhile: its kernel answers the SYN-ACK with RST
                s.peer = srv;
                srv.peer = s;
                rstArrives(srv);
                return;
            }
            established(s, srv);
        });
    }

    /** The server's end of a new connection, queued on listener {@code l}. */
    private SimSocket serverEnd(SimSocket client, SimSocket l) {
        SimSocket srv = new SimSocket(nextSocketId++);
        srv.state = SimSocket.State.CONNECTED;
        srv.local = new InetSocketAddress(client.remote.getAddress(), l.local.getPort());
        srv.remote = client.local;
        srv.latency = drawLatency();
        srv.lastArrival = now;
        srv.peer = client;
        srv.credit = drawWindow();
        srv.noDelay = l.noDelay;
        l.acceptQueue.add(srv);
        trace("sock#" + srv.id + " queued on listener sock#" + l.id + " for sock#" + client.id, srv.id, 0);
        return srv;
    }

    private void established(SimSocket client, SimSocket srv) {
        client.state = SimSocket.State.CONNECTED;
        client.peer = srv;
        srv.peer = client;
        client.credit = drawWindow();
        if (now - client.lastArrival > 0) {
            client.lastArrival = now;
        }
        connections++;
        trace("sock#" + client.id + " connected to sock#" + srv.id, client.id, 0);
        if (chance(faults.reset())) {
            long at = now + rnd.nextLong(Math.max(1, faults.resetWithinNanos()));
            SimSocket victim = rnd.nextBoolean() ? client : srv;
            schedule(at, null, () -> injectReset(victim));
        }
    }

    private void injectReset(SimSocket s) {
        if (s.resetSeen || s.closed && s.peer.closed) {
            return;
        }
        count(Fault.RESET);
        trace("RST injected on sock#" + s.id + " and sock#" + s.peer.id + " [fault]", s.id, 0);
        SimSocket p = s.peer;
        rstArrives(s);
        schedule(now + s.latency, null, () -> rstArrives(p));
    }

    private void refused(SimSocket s) {
        if (!s.closed && s.state == SimSocket.State.CONNECTING) {
            s.error = SimSocket.REFUSED;
            trace("sock#" + s.id + " refused", s.id, 0);
        }
    }

    private void dataArrives(SimSocket to, byte[] data) {
        if (to.closed && to.fd < 0 && to.state == SimSocket.State.CONNECTED && !to.resetSeen) {
            // the application closed this socket: data reaching it is answered with RST
            trace(data.length + " byte(s) reach closed sock#" + to.id + ": RST", to.id, data.length);
            sendRst(to);
            return;
        }
        if (to.resetSeen || to.state != SimSocket.State.CONNECTED) {
            return;
        }
        if (to.inputShut) {
            acknowledge(to, data.length);
            return;
        }
        to.recv.add(data);
        bytesDelivered += data.length;
        trace("arrive", to.id, data.length, to.id);
    }

    private void sendFin(SimSocket s) {
        SimSocket to = s.peer;
        schedule(arrival(s), "FIN sock#" + s.id + " -> sock#" + to.id, () -> {
            if (!to.closed && !to.resetSeen) {
                to.finReceived = true;
            }
        });
    }

    private void sendRst(SimSocket s) {
        if (s.rstSent || s.peer == null) {
            return;
        }
        s.rstSent = true;
        s.resetSeen = true;
        s.recv.clear();
        SimSocket to = s.peer;
        schedule(arrival(s), "RST sock#" + s.id + " -> sock#" + to.id, () -> rstArrives(to));
    }

    private void rstArrives(SimSocket s) {
        if (s.resetSeen) {
            return;
        }
        s.resetSeen = true;
        s.rstSent = true; // a reset connection answers nothing more
        s.recv.clear();
        if (!s.closed) {
            s.error = SimSocket.RESET;
        }
        trace("sock#" + s.id + " reset", s.id, 0);
    }

    private SimSocket listenerFor(InetSocketAddress remote) {
        SimSocket s = boundAddresses.get(remote);
        if (s == null) {
            InetAddress any = remote.getAddress() instanceof Inet6Address ? anyV6() : anyV4();
            s = boundAddresses.get(new InetSocketAddress(any, remote.getPort()));
        }
        return s != null && s.state == SimSocket.State.LISTENING && !s.closed ? s : null;
    }

    private static InetAddress anyV4() {
        return InetAddress.ofLiteral("0.0.0.0");
    }

    private static InetAddress anyV6() {
        return InetAddress.ofLiteral("::");
    }

    /** Room for {@code n} more bytes reaches {@code receiver}'s peer one latency from now (reads at one instant share it). */
    private void acknowledge(SimSocket receiver, long n) {
        long[] ack = receiver.pendingAck;
        if (ack != null && receiver.ackSentAt == now) {
            ack[0] += n;
            return;
        }
        long[] fresh = {n};
        receiver.pendingAck = fresh;
        receiver.ackSentAt = now;
        SimSocket sender = receiver.peer;
        schedule(now + receiver.latency, null, () -> {
            sender.credit += fresh[0];
            if (receiver.pendingAck == fresh) {
                receiver.pendingAck = null;
            }
        });
    }

    /** Bytes sent by one endpoint in one instant, in flight together. */
    static final class Segment {
        final long sentAt;
        private byte[] data;
        private int size;
        boolean arrived;

        Segment(long sentAt, ByteBuffer src, int n) {
            this.sentAt = sentAt;
            this.data = new byte[Math.max(n, 64)];
            append(src, n);
        }

        void append(ByteBuffer src, int n) {
            if (size + n > data.length) {
                data = java.util.Arrays.copyOf(data, Math.max(data.length * 2, size + n));
            }
            src.get(data, size, n);
            size += n;
        }

        byte[] bytes() {
            return size == data.length ? data : java.util.Arrays.copyOf(data, size);
        }
    }

    // ------------------------------------------------------------------ events and the clock

    private record Event(long time, long seq, String what, Runnable action) {
    }

    private static int compareEvents(Event a, Event b) {
        long d = a.time - b.time;
        return d < 0 ? -1 : d > 0 ? 1 : Long.compare(a.seq, b.seq);
    }

    private void schedule(long time, String what, Runnable action) {
        events.add(new Event(time, nextEventSeq++, what, action));
    }

    /** When a segment sent now by {@code s} arrives: after its latency plus jitter, never before the one sent before it. */
    private long arrival(SimSocket s) {
        long t = now + s.latency + (s.latency > 1 ? rnd.nextLong(s.latency / 2 + 1) : 0);
        if (t - s.lastArrival < 0) {
            t = s.lastArrival;
        }
        s.lastArrival = t;
        return t;
    }

    /** Runs the network events that are due. */
    void deliverDue() {
        Event e;
        while ((e = events.peek()) != null && e.time - now <= 0) {
            events.poll();
            if (e.what != null) {
                trace(e.what, 0, 0);
            }
            e.action.run();
        }
    }

    /** True when a network event is in flight; {@link #nextEventTime()} is then valid. */
    boolean hasEvents() {
        return !events.isEmpty();
    }

    long nextEventTime() {
        return events.peek().time;
    }

    void advanceTo(long t) {
        if (t - now > 0) {
            now = t;
        }
    }

    boolean beyondLimit(long t) {
        return t - origin - timeLimit > 0;
    }

    /** Stops the run: records why and destroys the loop (its run ends, and so does a hub's wait). */
    void halt(String why) {
        if (failure != null) {
            return;
        }
        failure = why + "\nopen descriptors:\n" + describeOpenFds() + "network events in flight: " + events.size()
                + "\nlast events:\n" + traceTail();
        trace("HALT: " + why, 0, 0);
        Loop l = loop;
        if (l != null && !l.isDestroyed()) {
            l.execute(l::destroy);
        }
    }

    long timeLimitNanos() {
        return timeLimit;
    }

    boolean chance(double p) {
        return p > 0 && rnd.nextDouble() < p;
    }

    SplittableRandom rnd() {
        return rnd;
    }

    void count(Fault f) {
        faultCounts.merge(f, 1L, Long::sum);
    }

    void polled() {
        polls++;
    }

    void trace(String op, int arg, long n, int id) {
        trace.op(now - origin, now, op, arg, n, id);
    }

    void trace(String what, int id, long n) {
        trace.add(now - origin, now, what, id, n);
    }

    private long drawLatency() {
        long max = faults.maxLatencyNanos();
        return max == 0 ? 0 : rnd.nextLong(max + 1);
    }

    private long drawWindow() {
        int min = faults.minWindow();
        int max = faults.maxWindow();
        return min == max ? min : min + rnd.nextInt(max - min + 1);
    }

    // ------------------------------------------------------------------ descriptors and addresses

    private int allocFd(SimSocket s) {
        for (int fd = FIRST_FD; fd < fds.size(); fd++) {
            if (fds.get(fd) == null) {
                fds.set(fd, s);
                s.fd = fd;
                return fd;
            }
        }
        while (fds.size() < FIRST_FD) {
            fds.add(null);
        }
        fds.add(s);
        s.fd = fds.size() - 1;
        return s.fd;
    }

    SimSocket fileOrNull(int fd) {
        return fd >= 0 && fd < fds.size() ? fds.get(fd) : null;
    }

    private SimSocket file(int fd) throws IOException {
        SimSocket s = fileOrNull(fd);
        if (s == null) {
            throw new SocketException("Bad file descriptor (fd " + fd + ")");
        }
        if (failure != null) {
            throw new SocketException("the simulation was halted: " + failure.lines().findFirst().orElse(""));
        }
        return s;
    }

    private void bindTo(SimSocket s, InetSocketAddress local) {
        s.local = local;
        s.bound = true;
        boundAddresses.put(local, s);
    }

    private int ephemeralPort(InetAddress a) {
        for (int i = 0; i < 28232; i++) {
            int p = nextEphemeral++;
            if (nextEphemeral > 60999) {
                nextEphemeral = 32768;
            }
            boolean used = false;
            for (InetSocketAddress b : boundAddresses.keySet()) {
                if (b.getPort() == p) {
                    used = true;
                    break;
                }
            }
            if (!used) {
                return p;
            }
        }
        throw new IllegalStateException("no free simulated port");
    }

    /**
     * A summary of the run: seed, virtual time, traffic and faults.
     *
     * @return the summary
     */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", seed);
        m.put("virtualMillis", elapsedNanos() / 1_000_000.0);
        m.put("connections", connections);
        m.put("bytes", bytesDelivered);
        m.put("syscalls", syscalls);
        m.put("polls", polls);
        m.put("faults", faultsInjected());
        m.put("realWaits", realWaits);
        return m;
    }

    List<SimSocket> openSockets() {
        List<SimSocket> l = new ArrayList<>();
        for (SimSocket s : fds) {
            if (s != null) {
                l.add(s);
            }
        }
        return l;
    }

    @Override
    public String toString() {
        return "SimKernel[seed=" + seed + ", t=" + elapsedNanos() / 1e6 + " ms, fds=" + openFds() + "]";
    }
}
