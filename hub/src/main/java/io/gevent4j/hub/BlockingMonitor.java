package io.gevent4j.hub;

import io.gevent4j.loop.Loop;
import io.gevent4j.loop.internal.Diagnostics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * gevent's monitor thread ({@code max_blocking_time}), on by default: it notices when something holds
 * a hub's thread so that the hub cannot go round its loop - a CPU-bound greenlet, file I/O, a child
 * process read, a native call, a virtual thread pinned to its carrier, or the owner thread running
 * plain code while greenlets wait for their turn - and reports it with the culprit's stack.
 *
 * <h2>Settings</h2>
 * Every hub is watched with the {@linkplain #maxBlockingTime() default limit}: 1 s, or the system
 * property {@value #PROPERTY} (milliseconds; {@code off} or {@code 0} disables), or what
 * {@link #setMaxBlockingTime(Duration)} sets. {@link #start(Hub, Duration, Consumer)} watches one hub
 * with its own limit (the launcher's {@code --max-blocking-time}) until closed.
 *
 * <h2>Reports</h2>
 * One incident - a stretch in which the hub does not go round - is reported when it has lasted the
 * limit, and again at twice, four times, eight times its length ... while it lasts (a back-off, so a
 * hang keeps being reported without flooding). Each report is one log event at WARN through SLF4J
 * (on standard error when no SLF4J provider is bound), printed once, and goes to the
 * {@linkplain #addListener listeners}. It names what the culprit's stack shows it doing (file I/O,
 * a process, a JDK socket, a lock) when it can tell.
 *
 * <h2>How</h2>
 * The loop publishes a progress counter (one opaque store per callback) and whether it polls; the hub
 * publishes whether its owner holds the baton. One daemon thread samples every watched hub every
 * quarter of the smallest limit. The hub pays nothing beyond those stores.
 */
public final class BlockingMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlockingMonitor.class);

    /** System property: the default limit in milliseconds, or {@code off}. */
    public static final String PROPERTY = "gevent4j.maxBlockingTime";
    private static final long DEFAULT_MILLIS = 1000;

    /**
     * One report of a blocking incident.
     *
     * @param hub        the blocked hub
     * @param blockedFor how long it had been blocked when reported
     * @param culprit    the greenlet's virtual thread, the hub's carrier (a callback), or its owner thread
     * @param greenlet   the culprit's greenlet, or null when the culprit is the owner thread or a callback
     * @param what       what the stack shows it doing: "file I/O", "a child process", ... or "running"
     * @param stack      the culprit's stack when reported
     */
    public record Report(Hub hub, Duration blockedFor, Thread culprit, RawGreenlet greenlet, String what,
                         StackTraceElement[] stack) {
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("hub of thread '").append(hub.owner().getName())
                    .append("' blocked for ").append(blockedFor.toMillis()).append(" ms by ")
                    .append(greenlet != null ? greenlet : culprit)
                    .append(" (").append(what).append(')');
            for (int i = 0; i < stack.length; i++) {
                String c = stack[i].getClassName();
                if (i > 0 && (c.equals("io.gevent4j.Greenlet") || c.equals(RawGreenlet.class.getName()))) {
                    // the greenlet's own entry frames: below them is only the JDK starting its thread
                    b.append("\n\t... ").append(stack.length - i).append(" more (the greenlet's start)");
                    break;
                }
                b.append("\n\tat ").append(stack[i]);
            }
            return b.toString();
        }
    }

    private static volatile long defaultNanos = initialDefault();
    private static final CopyOnWriteArrayList<Consumer<Report>> LISTENERS = new CopyOnWriteArrayList<>();
    /** Hubs with an explicit monitor: their limit and listener. Guarded by WATCHER. */
    private static final Map<Hub, BlockingMonitor> EXPLICIT = new IdentityHashMap<>();
    private static final Object WATCHER = new Object();
    private static Thread watcher;

    private final Hub hub;
    private final long maxNanos;
    private final Consumer<Report> listener;
    private volatile boolean closed;

    private BlockingMonitor(Hub hub, Duration maxBlockingTime, Consumer<Report> listener) {
        this.hub = Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(maxBlockingTime, "maxBlockingTime");
        if (maxBlockingTime.isNegative() || maxBlockingTime.isZero()) {
            throw new IllegalArgumentException("maxBlockingTime must be positive: " + maxBlockingTime);
        }
        this.maxNanos = maxBlockingTime.toNanos();
        this.listener = listener;
    }

    private static long initialDefault() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            return TimeUnit.MILLISECONDS.toNanos(DEFAULT_MILLIS);
        }
        if (p.trim().equalsIgnoreCase("off")) {
            return 0;
        }
        try {
            return TimeUnit.MILLISECONDS.toNanos(Math.max(0, Long.parseLong(p.trim())));
        } catch (NumberFormatException e) {
            log.warn("ignoring -D{}={}: not a number of milliseconds or 'off'; using {} ms", PROPERTY, p, DEFAULT_MILLIS);
            return TimeUnit.MILLISECONDS.toNanos(DEFAULT_MILLIS);
        }
    }

    /**
     * The limit every hub is watched with by default; {@link Duration#ZERO} when disabled.
     *
     * @return the limit, or {@code Duration.ZERO} when disabled
     */
    public static Duration maxBlockingTime() {
        return Duration.ofNanos(defaultNanos);
    }

    /**
     * Sets the default limit for every hub; {@link Duration#ZERO} disables the default monitoring.
     *
     * @param limit the limit
     */
    public static void setMaxBlockingTime(Duration limit) {
        Objects.requireNonNull(limit, "limit");
        if (limit.isNegative()) {
            throw new IllegalArgumentException("negative limit: " + limit);
        }
        defaultNanos = limit.toNanos();
        if (defaultNanos > 0) {
            ensureWatcher();
        }
    }

    /**
     * Calls {@code listener} (on the monitor thread) with every report, besides logging it.
     *
     * @param listener the listener
     */
    public static void addListener(Consumer<Report> listener) {
        LISTENERS.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Removes a listener added by {@link #addListener}.
     *
     * @param listener the listener
     * @return true on success
     */
    public static boolean removeListener(Consumer<Report> listener) {
        return LISTENERS.remove(listener);
    }

    /**
     * Watches {@code hub} with its own limit (instead of the default), reporting through SLF4J, until closed.
     *
     * @param hub the hub
     * @param maxBlockingTime the limit
     * @return this
     */
    public static BlockingMonitor start(Hub hub, Duration maxBlockingTime) {
        return start(hub, maxBlockingTime, null);
    }

    /**
     * Watches {@code hub} with its own limit; each report also goes to {@code listener} (on the monitor thread).
     *
     * @param hub the hub
     * @param listener the listener
     * @param maxBlockingTime the limit
     * @return this
     */
    public static BlockingMonitor start(Hub hub, Duration maxBlockingTime, Consumer<Report> listener) {
        BlockingMonitor m = new BlockingMonitor(hub, maxBlockingTime, listener);
        synchronized (WATCHER) {
            EXPLICIT.put(hub, m);
        }
        ensureWatcher();
        return m;
    }

    /** Called by every new hub: starts the monitor thread if the default monitoring is on. */
    static void hubCreated() {
        if (defaultNanos > 0) {
            ensureWatcher();
        }
    }

    private static void ensureWatcher() {
        synchronized (WATCHER) {
            if (watcher == null) {
                watcher = Thread.ofPlatform().daemon().name("gevent4j-monitor").start(BlockingMonitor::watch);
            } else {
                java.util.concurrent.locks.LockSupport.unpark(watcher); // sample with the new limits now
            }
        }
    }

    /** Stops this hub's own monitoring (the hub falls back to the default limit). */
    @Override
    public void close() {
        closed = true;
        synchronized (WATCHER) {
            EXPLICIT.remove(hub, this);
        }
    }

    // ------------------------------------------------------------------ the monitor thread

    /** What the monitor remembers of one hub between samples. */
    private static final class State {
        long lastProgress = -1;
        boolean lastBusy;
        long since;
        long nextReport;
    }

    private static void watch() {
        Map<Hub, State> states = new IdentityHashMap<>();
        while (true) {
            long period = TimeUnit.MILLISECONDS.toNanos(250);
            List<Hub> hubs = Hub.all();
            Map<Hub, BlockingMonitor> explicit;
            synchronized (WATCHER) {
                explicit = new IdentityHashMap<>(EXPLICIT);
            }
            long now = System.nanoTime();
            for (Hub hub : hubs) {
                BlockingMonitor m = explicit.get(hub);
                long limit = m != null ? m.maxNanos : defaultNanos;
                if (limit <= 0 || hub.loop().isDestroyed()) {
                    states.remove(hub);
                    continue;
                }
                period = Math.min(period, Math.max(TimeUnit.MILLISECONDS.toNanos(1), limit / 4));
                sample(hub, states.computeIfAbsent(hub, h -> new State()), limit, m, now);
            }
            states.keySet().retainAll(new java.util.HashSet<>(hubs));
            java.util.concurrent.locks.LockSupport.parkNanos(period); // a change of the limits wakes it early
        }
    }

    private static void sample(Hub hub, State s, long limit, BlockingMonitor m, long now) {
        Loop loop = hub.loop();
        long progress = loop.progress();
        boolean taskRuns = loop.isRunning() && !loop.isPolling() && loop.currentTask() != null;
        boolean ownerStarves = hub.ownerHoldsBatonWithWorkWaiting();
        boolean busy = taskRuns || ownerStarves;
        if (!busy || progress != s.lastProgress || busy != s.lastBusy && !s.lastBusy) {
            s.lastProgress = progress;
            s.lastBusy = busy;
            s.since = now;
            s.nextReport = limit;
            return;
        }
        long blocked = now - s.since;
        if (blocked >= s.nextReport) {
            s.nextReport = Math.max(blocked, s.nextReport) * 2; // report again at twice the length
            Runnable task = loop.currentTask();
            Thread culprit = !taskRuns ? hub.owner() : task == null ? null : VirtualThreads.threadOf(task);
            if (culprit == null) {
                culprit = loop.owner(); // a callback: the thread running the loop
            }
            StackTraceElement[] stack = culprit.getStackTrace();
            report(m, new Report(hub, Duration.ofNanos(blocked), culprit, greenletOf(hub, culprit), classify(stack),
                    stack));
        }
    }

    /** The greenlet whose thread {@code t} is (a racy walk of the hub's list: this is the monitor thread). */
    private static RawGreenlet greenletOf(Hub hub, Thread t) {
        if (t.isVirtual()) {
            for (RawGreenlet g : hub.greenlets()) {
                if (g.thread == t) {
                    return g;
                }
            }
        }
        return null;
    }

    private static void report(BlockingMonitor m, Report r) {
        Diagnostics.warn(log, "{}", r);
        HubEvents.blocked(r);
        if (m != null && m.listener != null && !m.closed) {
            call(m.listener, r);
        }
        for (Consumer<Report> l : LISTENERS) {
            call(l, r);
        }
    }

    private static void call(Consumer<Report> l, Report r) {
        try {
            l.accept(r);
        } catch (RuntimeException e) {
            log.warn("blocking monitor listener failed", e);
        }
    }

    /** What the top of a stack shows the thread doing, for the report. */
    static String classify(StackTraceElement[] stack) {
        for (int i = 0; i < Math.min(stack.length, 24); i++) {
            String c = stack[i].getClassName();
            if (c.startsWith("io.gevent4j.")) {
                break; // our own frames: below are the caller's
            }
            if (c.equals("java.io.FileInputStream") || c.equals("java.io.FileOutputStream")
                    || c.equals("java.io.RandomAccessFile") || c.equals("sun.nio.ch.FileChannelImpl")
                    || c.equals("sun.nio.ch.FileDispatcherImpl") || c.equals("sun.nio.ch.UnixFileDispatcherImpl")
                    || c.equals("java.nio.file.Files") || c.startsWith("sun.nio.fs.")) {
                return "blocking file I/O: " + stack[i].getClassName() + "." + stack[i].getMethodName()
                        + " - use gevent4j's cooperative file API or a ThreadPool";
            }
            if (c.equals("java.lang.ProcessImpl") || c.equals("java.lang.ProcessHandleImpl")
                    || c.equals("java.lang.Process") || c.equals("java.lang.ProcessBuilder")) {
                return "a child process: " + stack[i].getClassName() + "." + stack[i].getMethodName()
                        + " - use gevent4j's Subprocess";
            }
            if (c.startsWith("sun.nio.ch.") && (c.contains("Socket") || c.contains("Net"))) {
                return "a blocking JDK socket: " + stack[i].getClassName() + "." + stack[i].getMethodName();
            }
            if (c.equals("java.lang.Thread") && stack[i].getMethodName().startsWith("sleep")) {
                return "Thread.sleep on a platform thread - use Gevent.sleep or run the code in a greenlet";
            }
        }
        return "running without yielding (CPU-bound code, a native call, or a pinned virtual thread)";
    }

    /** The hubs watched with their own limit now (for tests). */
    static List<Hub> explicitlyWatched() {
        synchronized (WATCHER) {
            return new ArrayList<>(EXPLICIT.keySet());
        }
    }

    @Override
    public String toString() {
        return "BlockingMonitor[" + hub + ", max=" + Duration.ofNanos(maxNanos) + (closed ? ", closed]" : "]");
    }
}
