package io.gevent4j.loop;

import io.gevent4j.loop.internal.Carrier;
import io.gevent4j.loop.internal.Diagnostics;
import io.gevent4j.loop.internal.LoopOwner;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.util.concurrent.ThreadAwareExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.SelectableChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A libev-like event loop (the shape of gevent's {@code loop} object) over one of Netty 4.2's
 * {@link IoHandler}s: epoll on Linux (io_uring when asked for), kqueue on macOS, NIO elsewhere (see
 * {@link Backend}).
 *
 * <h2>Threads</h2>
 * A loop belongs to the thread that created it, its <em>owner</em>. Everything except
 * {@link #execute(Runnable)}, {@link #runCallbackThreadsafe(Runnable)}, {@link #breakLoop()},
 * {@link AsyncWatcher#send()} and {@link Callback#stop()} must be called on the owner; a virtual thread
 * mounted on the owner (a greenlet of the hub that owns the loop) counts as the owner.
 *
 * <h2>One iteration</h2>
 * As in libev: run what is pending (callbacks and fired watchers, in the order they became pending,
 * then what other threads submitted); fire prepare watchers; apply changes of I/O interest; poll
 * for I/O, blocking until the earliest timer only if a referenced watcher is active, nothing is
 * pending, no idle watcher is active and the loop was not asked to break; update {@link #now()};
 * fire due timers; fire idle watchers if nothing else became pending; fire check watchers; run what
 * is pending. Pending work runs in batches of at most about a millisecond so that busy callbacks
 * cannot starve I/O and timers.
 *
 * <h2>Why not {@code ManualIoEventLoop}</h2>
 * Netty's {@code ManualIoEventLoop} decides "am I on the loop thread" with {@code Thread.currentThread()},
 * which inside a greenlet is the virtual thread, never the owner: every call a greenlet made would take
 * the foreign-thread path (a task queue plus an eventfd write). The loop therefore drives the
 * {@code IoHandler} itself, with an executor that recognizes virtual threads mounted on the owner, and
 * follows Netty's wake-up protocol (the handler publishes its deadline before asking
 * {@link IoHandlerContext#canBlock()}, and {@link IoHandler#wakeup()} after a foreign submission
 * interrupts the poll), so that no wake-up is lost.
 *
 * <h2>Errors</h2>
 * An exception thrown by a callback is given to the {@link #setErrorHandler error handler} (by default
 * logged through SLF4J) and never stops the loop.
 */
public final class Loop implements Executor, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Loop.class);

    /** I/O event mask: readable (or a connection to accept, or EOF, or an error). */
    public static final int READ = 1;
    /** I/O event mask: writable (or a connect finished, or an error). */
    public static final int WRITE = 2;

    /** Longest stretch of pending callbacks run back to back before I/O and timers are polled. */
    private static final long BATCH_NANOS = TimeUnit.MICROSECONDS.toNanos(1000);
    /** Longest single poll while a timer is pending (a far timer is polled for again after it). */
    private static final long MAX_POLL_NANOS = TimeUnit.DAYS.toNanos(1);

    private final Backend backend;
    /** The simulated kernel of a {@link Backend#SIM} loop, else null. */
    private final io.gevent4j.loop.sim.SimKernel sim;
    /**
     * The platform thread that may use the loop now. It is the creating thread unless its hub passes
     * the loop between the creating thread and the hub's carrier thread (see {@link LoopOwner}); the
     * one that hands over writes the next owner before releasing the other, so a thread always sees
     * itself as the owner exactly while it may run.
     */
    private volatile Thread owner;
    private final IoHandler handler;
    private final Context context = new Context();

    // Loop-thread state.
    final TimerHeap timers = new TimerHeap();
    final ArrayList<IdleWatcher> idles = new ArrayList<>();
    final ArrayList<PrepareWatcher> prepares = new ArrayList<>();
    final ArrayList<CheckWatcher> checks = new ArrayList<>();
    final ArrayList<IoSource> ioChanges = new ArrayList<>();
    private final Map<Object, IoSource> ioSources;
    int activeRefs;
    /** Active watchers by kind ({@link Watcher#KINDS}); written on the loop thread, read racily. */
    final int[] activeByKind = new int[Watcher.KINDS.length];
    private final ArrayDeque<Runnable> pending = new ArrayDeque<>();
    /** Given to {@link #executeNext} by the running callback; moved to the front of pending after it. */
    private final ArrayList<Runnable> next = new ArrayList<>(4);
    private boolean breakRequested;
    private volatile boolean running;
    private boolean pollMayBlock;
    private long now;
    private long iterations;
    /** Written by the loop thread with opaque stores; read by watchdogs. */
    private long progress;
    private boolean polling;
    private Runnable currentTask;
    private static final java.lang.invoke.VarHandle CURRENT_TASK;
    private static final java.lang.invoke.VarHandle PROGRESS;
    private static final java.lang.invoke.VarHandle POLLING;

    static {
        try {
            var l = java.lang.invoke.MethodHandles.lookup();
            PROGRESS = l.findVarHandle(Loop.class, "progress", long.class);
            POLLING = l.findVarHandle(Loop.class, "polling", boolean.class);
            CURRENT_TASK = l.findVarHandle(Loop.class, "currentTask", Runnable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // Shared with other threads.
    private final ConcurrentLinkedQueue<Runnable> foreign = new ConcurrentLinkedQueue<>();
    private volatile boolean destroyed;
    private volatile BiConsumer<Object, Throwable> errorHandler = Loop::logError;

    /** A loop on the {@link Backend#auto() best backend} owned by the calling thread. */
    public Loop() {
        this(Backend.auto());
    }

    /**
     * A loop on the given backend owned by the calling thread.
     *
     * @param backend the backend
     * @throws IllegalStateException if the backend does not load on this machine
     */
    public Loop(Backend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
        if (!backend.isAvailable()) {
            throw new IllegalStateException(backend + " is not available on this machine");
        }
        this.owner = Carrier.current();
        this.sim = backend == Backend.SIM ? io.gevent4j.loop.sim.SimKernel.installed() : null;
        this.ioSources = backend == Backend.NIO ? new IdentityHashMap<>() : new HashMap<>();
        IoHandlerFactory factory = backend == Backend.SIM ? sim.attach(this) : backend.ioHandlerFactory();
        this.handler = factory.newHandler(new OwnerExecutor());
        if (backend == Backend.IO_URING) {
            UringRing.initialize(handler); // see UringRing: the ring must not be bound to this thread
        } else {
            this.handler.initialize();
        }
        this.now = nanoTime();
    }

    /** {@return the kernel poller this loop uses} */
    public Backend backend() {
        return backend;
    }

    /**
     * The platform thread that owns this loop now: the creating thread, or, for the loop of a hub whose
     * greenlets run on a carrier thread, whichever of the hub's owner and carrier runs at the moment.
     *
     * @return the owner thread
     */
    public Thread owner() {
        return owner;
    }

    static {
        LoopOwner.install((loop, thread) -> loop.owner = Objects.requireNonNull(thread, "thread"));
    }

    /**
     * True when the caller runs on the owner thread (directly or as a virtual thread mounted on it).
     *
     * @return whether the caller runs on the owner thread (directly or as a virtual thread mounted on it)
     */
    public boolean inLoopThread() {
        return Carrier.current() == owner;
    }

    void checkThread() {
        if (Carrier.current() != owner) {
            throw new IllegalStateException("loop of thread '" + owner.getName()
                    + "' used from thread '" + Thread.currentThread() + "': only async().send(), execute(), "
                    + "runCallbackThreadsafe() and breakLoop() may be called from other threads");
        }
    }

    void checkOpen() {
        if (destroyed) {
            throw new IllegalStateException("loop is destroyed");
        }
    }

    // ---------------------------------------------------------------- watchers

    /**
     * {@return a timer firing {@code after} from its start and then every {@code repeat} (0: once)}
     *
     * @param after the delay before the first expiry
     * @param repeat the interval after that (0: once)
     * @param unit the unit of {@code after} and {@code repeat}
     * @throws IllegalArgumentException on a negative delay
     */
    public TimerWatcher timer(long after, long repeat, TimeUnit unit) {
        return timer(unit.toNanos(after), unit.toNanos(repeat));
    }

    /**
     * {@return a timer with delays in nanoseconds; see {@link #timer(long, long, TimeUnit)}}
     *
     * @param afterNanos the delay before the first expiry, in nanoseconds
     * @param repeatNanos the interval after that (0: once), in nanoseconds
     */
    public TimerWatcher timer(long afterNanos, long repeatNanos) {
        checkThread();
        checkOpen();
        return new TimerWatcher(this, afterNanos, repeatNanos);
    }

    /**
     * {@return an I/O watcher on a file descriptor for {@link #READ}, {@link #WRITE} or both} Several
     * watchers may watch one descriptor. The loop never closes the descriptor; close the watchers before
     * closing the descriptor.
     *
     * @param fd the file descriptor
     * @param events {@link io.gevent4j.loop.Loop#READ}, {@link io.gevent4j.loop.Loop#WRITE} or both
     * @throws UnsupportedOperationException on the NIO backend, which watches channels instead
     * @throws IllegalArgumentException on a negative descriptor or an empty or unknown event mask
     */
    public IoWatcher io(int fd, int events) {
        checkThread();
        checkOpen();
        if (!backend.usesFileDescriptors()) {
            throw new UnsupportedOperationException("the " + backend
                    + " loop watches SelectableChannels, not file descriptors: use io(SelectableChannel, events)");
        }
        if (fd < 0) {
            throw new IllegalArgumentException("negative file descriptor: " + fd);
        }
        checkEvents(events);
        IoSource src = ioSources.computeIfAbsent(fd, k -> IoSource.forFd(this, fd));
        return src.newWatcher(events);
    }

    /**
     * {@return an I/O watcher on a non-blocking NIO channel (NIO backend only)} The loop never closes the channel.
     *
     * @param channel the channel
     * @param events {@link io.gevent4j.loop.Loop#READ}, {@link io.gevent4j.loop.Loop#WRITE} or both
     * @throws UnsupportedOperationException on the native backends, which watch file descriptors
     * @throws IllegalArgumentException if the channel is blocking, or the event mask is empty or unknown
     */
    public IoWatcher io(SelectableChannel channel, int events) {
        checkThread();
        checkOpen();
        Objects.requireNonNull(channel, "channel");
        if (backend.usesFileDescriptors()) {
            throw new UnsupportedOperationException("the " + backend
                    + " loop watches file descriptors: use io(fd, events), or -D" + Backend.PROPERTY + "=nio");
        }
        if (channel.isBlocking()) {
            throw new IllegalArgumentException("channel must be in non-blocking mode: " + channel);
        }
        checkEvents(events);
        IoSource src = ioSources.computeIfAbsent(channel, k -> IoSource.forChannel(this, channel));
        return src.newWatcher(events);
    }

    private static void checkEvents(int events) {
        if (events == 0 || (events & ~(READ | WRITE)) != 0) {
            throw new IllegalArgumentException("event mask must be READ, WRITE or READ|WRITE, got " + events);
        }
    }

    /**
     * Completion-based I/O on file descriptor {@code fd}: reads and writes submitted to the kernel, each
     * completing with a callback (io_uring backend only). The object is shared with the descriptor's
     * {@link IoWatcher}s (one kernel registration); {@link CompletionIo#close()} it before closing the
     * descriptor.
     *
     * @param fd the socket's descriptor
     * @return the descriptor's completion I/O
     * @throws UnsupportedOperationException if the backend is not {@link Backend#IO_URING}
     * @throws IllegalArgumentException on a negative descriptor
     */
    public CompletionIo completionIo(int fd) {
        checkThread();
        checkOpen();
        if (backend != Backend.IO_URING) {
            throw new UnsupportedOperationException("completion I/O needs the io_uring loop, this one is " + backend);
        }
        if (fd < 0) {
            throw new IllegalArgumentException("negative file descriptor: " + fd);
        }
        IoSource.UringSource src = (IoSource.UringSource) ioSources.computeIfAbsent(fd, k -> IoSource.forFd(this, fd));
        return src.completionIo();
    }

    void forgetSource(IoSource src) {
        ioSources.remove(src.key());
    }

    /** {@return the number of descriptors or channels with at least one open watcher (for leak checks)} */
    public int ioSourceCount() {
        checkThread();
        int n = 0;
        for (IoSource s : ioSources.values()) {
            if (s.inUse()) {
                n++;
            }
        }
        return n;
    }

    /** {@return a watcher run once per iteration in which nothing else was pending} */
    public IdleWatcher idle() {
        checkThread();
        checkOpen();
        return new IdleWatcher(this);
    }

    /** {@return a watcher run at the start of every iteration, before the poll} */
    public PrepareWatcher prepare() {
        checkThread();
        checkOpen();
        return new PrepareWatcher(this);
    }

    /** {@return a watcher run at the end of every iteration, after the poll} */
    public CheckWatcher check() {
        checkThread();
        checkOpen();
        return new CheckWatcher(this);
    }

    /** {@return a watcher that other threads can trigger with {@link AsyncWatcher#send()}} */
    public AsyncWatcher async() {
        checkThread();
        checkOpen();
        return new AsyncWatcher(this);
    }

    // ---------------------------------------------------------------- callbacks

    /**
     * Queues {@code task} to run on the loop's thread behind everything already pending (gevent's
     * {@code run_callback}). A pending callback keeps {@link #run()} running.
     *
     * @param task the code to run
     * @return a handle that can cancel the callback before it runs
     */
    public Callback runCallback(Runnable task) {
        checkThread();
        checkOpen();
        Callback cb = new Callback(Objects.requireNonNull(task, "task"));
        pending.add(cb.dispatch);
        return cb;
    }

    /**
     * {@return like {@link #runCallback(Runnable)} but callable from any thread: wakes the loop if it sleeps
     * in its poll} Tasks from one thread run in the order that thread submitted them.
     *
     * @param task the code to run
     * @throws java.util.concurrent.RejectedExecutionException if the loop is destroyed
     */
    public Callback runCallbackThreadsafe(Runnable task) {
        Callback cb = new Callback(Objects.requireNonNull(task, "task"));
        execute(cb.dispatch);
        return cb;
    }

    /**
     * Runs {@code task} on the loop's thread, as {@link #runCallbackThreadsafe(Runnable)} without a
     * cancellation handle (no allocation on the loop's own thread). Safe from any thread.
     *
     * @throws java.util.concurrent.RejectedExecutionException if the loop is destroyed
     */
    @Override
    public void execute(Runnable task) {
        if (Carrier.current() == owner) {
            if (destroyed) {
                throw new java.util.concurrent.RejectedExecutionException("loop is destroyed");
            }
            pending.add(task);
        } else {
            submit(task);
        }
    }

    /**
     * Runs {@code task} right after the callback that is running now, before everything else that is
     * pending (a direct switch, as greenlet's {@code switch}); tasks given this way by one callback run
     * in the order given. Outside callbacks they run first when the loop next runs. Loop thread only.
     *
     * @param task the code to run
     */
    public void executeNext(Runnable task) {
        checkThread();
        checkOpen();
        next.add(Objects.requireNonNull(task, "task"));
    }

    /**
     * True when {@link #executeNext} queued tasks that have not been moved ahead of the pending ones yet.
     *
     * @return whether {@link #executeNext} queued tasks that have not been moved ahead of the pending ones yet
     */
    public boolean hasNext() {
        return !next.isEmpty();
    }

    /** Moves the tasks given to {@link #executeNext} to the front of the pending ones, in order. */
    private void spliceNext() {
        for (int i = next.size() - 1; i >= 0; i--) {
            pending.addFirst(next.get(i));
        }
        next.clear();
    }

    /** Queues from the loop thread (watcher events). */
    void queue(Runnable task) {
        pending.add(task);
    }

    /** Queues from any thread and wakes the poll. */
    void submit(Runnable task) {
        if (destroyed) {
            throw new java.util.concurrent.RejectedExecutionException("loop is destroyed");
        }
        foreign.offer(task);
        handler.wakeup();
    }

    /** {@return true when callbacks or watcher events are waiting to run} */
    public boolean hasPending() {
        return !pending.isEmpty() || !next.isEmpty() || !foreign.isEmpty();
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs until no referenced watcher is active and nothing is pending, or {@link #breakLoop()}.
     *
     * @return whether the loop is still alive (false when it ran out of work)
     */
    public boolean run() {
        return run(RunMode.DEFAULT);
    }

    /**
     * Runs the loop (libev's {@code ev_run}).
     *
     * @param mode how long to run
     * @return true if referenced watchers are still active or work is pending (the loop is "alive")
     * @throws IllegalStateException if called from another thread, on a destroyed loop, or while the
     *                               loop is already running
     */
    public boolean run(RunMode mode) {
        checkThread();
        checkOpen();
        if (running) {
            throw new IllegalStateException("loop is already running: run() is not reentrant");
        }
        running = true;
        LoopIterationEvent event = iterationEvent(); // the work before the first poll counts too
        try {
            do {
                iterations++;
                runPending();
                if (breakRequested || destroyed) {
                    break;
                }
                if (mode == RunMode.DEFAULT && !alive()) {
                    break;
                }
                if (!prepares.isEmpty()) {
                    fireAll(prepares);
                    runPending();
                    if (breakRequested || destroyed) {
                        break;
                    }
                }
                applyIoChanges();
                if (event != null) {
                    event.finish(this, progress);
                }
                pollMayBlock = mode != RunMode.NOWAIT;
                poll();
                pollMayBlock = false;
                event = iterationEvent();
                now = nanoTime();
                expireTimers();
                if (!idles.isEmpty() && pending.isEmpty() && next.isEmpty() && foreign.isEmpty()) {
                    fireAll(idles);
                }
                if (!checks.isEmpty()) {
                    fireAll(checks);
                }
                runPending();
            } while (mode == RunMode.DEFAULT && !breakRequested && !destroyed);
        } finally {
            running = false;
            breakRequested = false;
            if (event != null) {
                event.finish(this, progress);
            }
        }
        return !destroyed && alive();
    }

    /**
     * A started {@link LoopIterationEvent} while JFR records it, else null. Before JFR has started in the
     * JVM the event class is not touched: its first use initializes JFR's metadata (~300 ms here).
     */
    private LoopIterationEvent iterationEvent() {
        return jdk.jfr.FlightRecorder.isInitialized() ? LoopIterationEvent.begin(progress) : null;
    }

    /** {@return true when a referenced watcher is active or work is pending} */
    public boolean alive() {
        return activeRefs > 0 || !pending.isEmpty() || !next.isEmpty() || !foreign.isEmpty();
    }

    /** {@return true while {@link #run} executes on the owner thread} */
    public boolean isRunning() {
        return running;
    }

    /**
     * The active watchers by kind ({@code timer}, {@code io}, {@code idle}, {@code prepare},
     * {@code check}, {@code async}), zeros left out. Readable from any thread (a best-effort snapshot).
     *
     * @return the counts by kind
     */
    public java.util.Map<String, Integer> activeWatchers() {
        java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < activeByKind.length; i++) {
            int n = activeByKind[i];
            if (n > 0) {
                out.put(Watcher.KINDS[i], n);
            }
        }
        return out;
    }

    /**
     * Number of loop iterations so far (libev's {@code ev_iteration}).
     *
     * @return the number of iterations so far
     */
    public long iteration() {
        return iterations;
    }

    /**
     * Makes the running {@link #run} return after the callback that is running now. Safe from any
     * thread (from another thread it takes effect when the loop next runs pending work). On the
     * owner thread while no {@code run} is running it does nothing.
     */
    public void breakLoop() {
        if (Carrier.current() == owner) {
            if (running) { // a stale break must not cut the next run() short (libev resets it too)
                breakRequested = true;
            }
        } else if (!destroyed) {
            submit(() -> breakRequested = true);
        }
    }

    /**
     * {@return the loop's cached time in nanoseconds ({@link #nanoTime()} scale), updated once per
     * iteration after the poll (libev's {@code ev_now})}
     */
    public long now() {
        return now;
    }

    /**
     * Refreshes {@link #now()} from the clock.
     *
     * @return the new {@link #now()}
     */
    public long updateNow() {
        return now = nanoTime();
    }

    /**
     * The loop's clock: {@link System#nanoTime()}, except on {@link Backend#SIM}, where it is the
     * simulated kernel's virtual clock. Timers run on it; code that computes a deadline for a wait on
     * this loop (a timeout spread over several waits) must read it too, or a simulated run would mix
     * two clocks. Safe from any thread.
     *
     * @return the loop's time, in nanoseconds
     */
    public long nanoTime() {
        return sim == null ? System.nanoTime() : sim.nanoTime();
    }

    /**
     * The simulated kernel this loop polls ({@link Backend#SIM}), or null for a real kernel.
     *
     * @return the sim
     */
    public io.gevent4j.loop.sim.SimKernel sim() {
        return sim;
    }

    private void fireAll(ArrayList<? extends Watcher> list) {
        // A callback may stop watchers: fire a snapshot.
        Watcher[] snapshot = list.toArray(new Watcher[0]);
        for (Watcher w : snapshot) {
            if (w.isActive()) {
                w.fire();
            }
        }
    }

    private void expireTimers() {
        TimerWatcher t;
        long n = now;
        while ((t = timers.peek()) != null && t.deadline - n <= 0) {
            timers.poll();
            t.expire(n);
        }
    }

    /** Runs pending work for at most about {@link #BATCH_NANOS}, stopping early on {@link #breakLoop()}. */
    private void runPending() {
        drainForeign();
        if (!next.isEmpty()) {
            spliceNext();
        }
        long start = 0;
        int count = 0;
        Runnable task;
        while ((task = pending.poll()) != null) {
            CURRENT_TASK.setOpaque(this, task);
            try {
                task.run();
            } catch (Throwable t) {
                reportError(task, t);
            }
            if (!next.isEmpty()) {
                spliceNext();
            }
            if (sim != null) {
                sim.charge(); // simulated time passes while code runs
            }
            CURRENT_TASK.setOpaque(this, (Runnable) null);
            PROGRESS.setOpaque(this, progress + 1);
            if (breakRequested) {
                return;
            }
            if (pending.isEmpty()) {
                drainForeign();
            }
            if ((++count & 63) == 0) {
                long n = nanoTime();
                if (start == 0) {
                    start = n;
                } else if (n - start > BATCH_NANOS) {
                    return;
                }
            }
        }
    }

    private void drainForeign() {
        Runnable r;
        while ((r = foreign.poll()) != null) {
            pending.add(r);
        }
    }

    private void poll() {
        POLLING.setOpaque(this, true);
        try {
            handler.run(context);
        } catch (Throwable t) {
            reportError(handler, t);
        } finally {
            POLLING.setOpaque(this, false);
        }
    }

    /**
     * {@return a counter of callbacks run so far, readable from any thread (eventually up to date): a
     * watchdog that sees it stand still while the loop is not {@link #isPolling() polling} knows that one
     * callback, or one greenlet, holds the loop's thread}
     */
    public long progress() {
        return (long) PROGRESS.getOpaque(this);
    }

    /** {@return the callback running now, or null; readable from any thread (eventually up to date)} */
    public Runnable currentTask() {
        return (Runnable) CURRENT_TASK.getOpaque(this);
    }

    /** {@return true while the loop waits in its poller; readable from any thread (eventually up to date)} */
    public boolean isPolling() {
        return (boolean) POLLING.getOpaque(this);
    }

    private void applyIoChanges() {
        if (ioChanges.isEmpty()) {
            return;
        }
        IoSource[] changed = ioChanges.toArray(new IoSource[0]);
        ioChanges.clear();
        for (IoSource s : changed) {
            s.applyInterest();
        }
    }

    // ---------------------------------------------------------------- errors

    /**
     * Sets who hears about exceptions that escape callbacks: it gets the callback (or watcher) and the
     * exception. The default logs them at ERROR through SLF4J. The handler must not throw.
     *
     * @param handler the handler
     */
    public void setErrorHandler(BiConsumer<Object, Throwable> handler) {
        this.errorHandler = Objects.requireNonNull(handler, "handler");
    }

    void reportError(Object where, Throwable t) {
        try {
            errorHandler.accept(where, t);
        } catch (Throwable t2) {
            t2.addSuppressed(t);
            log.error("error handler of {} failed", this, t2);
        }
    }

    private static void logError(Object where, Throwable t) {
        Diagnostics.error(log, t, "exception in loop callback {}", where);
    }

    // ---------------------------------------------------------------- lifecycle

    /** {@return true after {@link #destroy()}} */
    public boolean isDestroyed() {
        return destroyed;
    }

    /**
     * Releases the poller and drops all pending work; the loop cannot be used afterwards. Idempotent.
     * Must be called on the owner thread, not while {@link #run} is on the stack of a callback that
     * expects to continue.
     */
    public void destroy() {
        checkThread();
        if (destroyed) {
            return;
        }
        destroyed = true;
        for (IoSource s : ioSources.values().toArray(new IoSource[0])) {
            s.cancelRegistration();
        }
        ioSources.clear();
        ioChanges.clear();
        timers.clear();
        pending.clear();
        next.clear();
        foreign.clear();
        try {
            handler.prepareToDestroy();
            handler.destroy();
        } catch (Throwable t) {
            log.warn("failed to destroy {} poller", backend, t);
        }
    }

    /** Same as {@link #destroy()}. */
    @Override
    public void close() {
        destroy();
    }

    IoHandler handler() {
        return handler;
    }

    @Override
    public String toString() {
        return "Loop[" + backend + ", owner=" + owner.getName() + ", activeRefs=" + activeRefs
                + ", pending=" + pending.size() + (destroyed ? ", destroyed]" : "]");
    }

    /**
     * Netty's io_uring handler registers its ring's descriptor with the kernel for the thread that
     * initializes it ({@code IORING_REGISTER_RING_FDS}) and then enters the ring by that per-thread
     * index. A hub's loop runs on two threads in turn (its owner, then its carrier), and from the other
     * thread the index means nothing ({@code io_uring_enter} fails with {@code EINVAL}). So the loop
     * makes the handler enter by the ring's plain descriptor, which every thread may use (the kernel
     * then looks the descriptor up on each enter: a few nanoseconds).
     */
    private static final class UringRing {
        private static final int IORING_ENTER_REGISTERED_RING = 16;

        /**
         * Initializes the handler on a short-lived thread: the ring descriptor Netty registers there goes
         * away with that thread. Registered on the owner instead, it would keep the ring alive after the
         * loop is destroyed until the owner thread ends - and with it reads still armed on buffers that
         * the loop no longer owns.
         */
        static void initialize(IoHandler handler) {
            Throwable[] failure = new Throwable[1];
            Thread t = Thread.ofPlatform().name("gevent4j-io_uring-setup").start(() -> {
                try {
                    handler.initialize();
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            boolean interrupted = false;
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure[0] != null) {
                throw new IllegalStateException("io_uring handler failed to initialize", failure[0]);
            }
            enterByPlainFd(handler);
        }

        static void enterByPlainFd(IoHandler handler) {
            try {
                var ringField = handler.getClass().getDeclaredField("ringBuffer");
                ringField.setAccessible(true);
                Object ring = ringField.get(handler);
                var sqField = ring.getClass().getDeclaredField("ioUringSubmissionQueue");
                sqField.setAccessible(true);
                Object sq = sqField.get(ring);
                Class<?> c = sq.getClass();
                var ringFd = c.getDeclaredField("ringFd");
                var enterRingFd = c.getDeclaredField("enterRingFd");
                var enterFlags = c.getDeclaredField("enterFlags");
                ringFd.setAccessible(true);
                enterRingFd.setAccessible(true);
                enterFlags.setAccessible(true);
                enterRingFd.setInt(sq, ringFd.getInt(sq));
                enterFlags.setInt(sq, enterFlags.getInt(sq) & ~IORING_ENTER_REGISTERED_RING);
            } catch (ReflectiveOperationException | RuntimeException e) {
                try {
                    handler.prepareToDestroy();
                    handler.destroy();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw new IllegalStateException("cannot run this Netty version's io_uring handler on a hub (its insides"
                        + " changed); use -D" + Backend.PROPERTY + "=epoll", e);
            }
        }
    }

    /** What Netty's handler asks before and while it polls. */
    private final class Context implements IoHandlerContext {
        @Override
        public boolean canBlock() {
            // As libev: block only while a referenced watcher is active. Without one nothing could
            // end the wait (run(ONCE) on an idle loop, or a prepare watcher that stopped the last
            // referenced watcher after the alive() check) and the poll would sleep forever.
            return pollMayBlock && activeRefs > 0 && pending.isEmpty() && next.isEmpty() && foreign.isEmpty()
                    && idles.isEmpty()
                    && !breakRequested;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            TimerWatcher t = timers.peek();
            // At most a day: io_uring's handler turns the delay into a timespec whose seconds it clamps to
            // an int, so a far timer (TimerWatcher.MAX_DELAY is 73 years) would make an invalid one.
            return t == null ? Long.MAX_VALUE : Math.min(MAX_POLL_NANOS, Math.max(0, t.deadline - currentTimeNanos));
        }

        @Override
        public long deadlineNanos() {
            TimerWatcher t = timers.peek();
            return t == null ? -1 : (t.deadline == -1 ? 0 : t.deadline); // -1 means "no deadline" to Netty
        }
    }

    /** The executor Netty's handler checks threads against and posts its own tasks to. */
    private final class OwnerExecutor implements ThreadAwareExecutor {
        @Override
        public boolean isExecutorThread(Thread thread) {
            return thread == owner || (thread == Thread.currentThread() && Carrier.current() == owner);
        }

        @Override
        public void execute(Runnable command) {
            Loop.this.execute(command);
        }
    }
}
