package io.gevent4j.hub;

import io.gevent4j.loop.Loop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * gevent's monitor thread ({@code max_blocking_time}): a daemon platform thread that notices when one
 * greenlet or callback holds a hub's thread for longer than a limit - a CPU-bound loop, file I/O, a
 * native call, or a virtual thread pinned to its carrier - and reports it with the stack of the
 * culprit, once per blocking episode.
 *
 * <p>How: the loop publishes a progress counter (one opaque store per callback) and whether it is
 * waiting in its poller; the monitor samples both every {@code maxBlockingTime / 4}. When the counter
 * stands still for {@code maxBlockingTime} while the loop runs and does not poll, the callback running
 * is blocking. If that callback is a greenlet's continuation, the report carries the greenlet's
 * (virtual thread's) stack; otherwise the owner thread's.
 *
 * <p>Reports go to SLF4J at WARN and to an optional listener. Monitoring costs the hub nothing beyond
 * the counter; the monitor thread wakes four times per period.
 */
public final class BlockingMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlockingMonitor.class);

    /**
     * One blocking episode.
     *
     * @param hub       the blocked hub
     * @param blockedFor how long it had been blocked when reported
     * @param culprit   the greenlet's virtual thread, or the hub's owner thread
     * @param stack     the culprit's stack when reported
     */
    public record Report(Hub hub, Duration blockedFor, Thread culprit, StackTraceElement[] stack) {
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("hub of thread '").append(hub.owner().getName())
                    .append("' blocked for ").append(blockedFor.toMillis()).append(" ms by ").append(culprit);
            for (StackTraceElement e : stack) {
                b.append("\n\tat ").append(e);
            }
            return b.toString();
        }
    }

    private final Hub hub;
    private final long maxNanos;
    private final Consumer<Report> listener;
    private final Thread thread;
    private volatile boolean closed;

    private BlockingMonitor(Hub hub, Duration maxBlockingTime, Consumer<Report> listener) {
        this.hub = Objects.requireNonNull(hub, "hub");
        if (maxBlockingTime.isNegative() || maxBlockingTime.isZero()) {
            throw new IllegalArgumentException("maxBlockingTime must be positive: " + maxBlockingTime);
        }
        this.maxNanos = maxBlockingTime.toNanos();
        this.listener = listener;
        this.thread = Thread.ofPlatform().daemon().name("gevent4j-monitor-" + hub.owner().getName())
                .unstarted(this::watch);
    }

    /**
     * Starts monitoring {@code hub}, reporting through SLF4J only.
     *
     * @param hub the hub
     * @param maxBlockingTime how long a greenlet may hold the hub's thread before it is reported
     * @return the running monitor, to close
     */
    public static BlockingMonitor start(Hub hub, Duration maxBlockingTime) {
        return start(hub, maxBlockingTime, null);
    }

    /**
     * Starts monitoring {@code hub}; each report also goes to {@code listener} (on the monitor thread).
     *
     * @param hub the hub
     * @param maxBlockingTime how long a greenlet may hold the hub's thread before it is reported
     * @param listener the listener
     * @return the running monitor, to close
     */
    public static BlockingMonitor start(Hub hub, Duration maxBlockingTime, Consumer<Report> listener) {
        BlockingMonitor m = new BlockingMonitor(hub, maxBlockingTime, listener);
        m.thread.start();
        return m;
    }

    private void watch() {
        Loop loop = hub.loop();
        long period = Math.max(1_000_000, maxNanos / 4);
        long lastProgress = -1;
        long stillSince = 0;
        boolean reported = false;
        while (!closed && !loop.isDestroyed()) {
            try {
                Thread.sleep(Duration.ofNanos(period));
            } catch (InterruptedException e) {
                return;
            }
            long p = loop.progress();
            long now = System.nanoTime();
            boolean busy = loop.isRunning() && !loop.isPolling() && loop.currentTask() != null;
            if (!busy || p != lastProgress) {
                lastProgress = p;
                stillSince = now;
                reported = false;
                continue;
            }
            if (!reported && now - stillSince >= maxNanos) {
                reported = true;
                report(loop.currentTask(), Duration.ofNanos(now - stillSince));
            }
        }
    }

    private void report(Runnable task, Duration blockedFor) {
        Thread culprit = greenletOf(task);
        if (culprit == null) {
            culprit = hub.owner();
        }
        Report r = new Report(hub, blockedFor, culprit, culprit.getStackTrace());
        log.warn("{}", r);
        if (listener != null) {
            try {
                listener.accept(r);
            } catch (RuntimeException e) {
                log.warn("blocking monitor listener failed", e);
            }
        }
    }

    /** The virtual thread whose continuation {@code task} runs, if it is one (the JDK binds it in the task). */
    static Thread greenletOf(Runnable task) {
        if (task == null) {
            return null;
        }
        try {
            for (Field f : task.getClass().getDeclaredFields()) {
                if (Thread.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    Thread t = (Thread) f.get(task);
                    if (t != null && t.isVirtual()) {
                        return t;
                    }
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("cannot find the virtual thread of {}", task, e);
        }
        return null;
    }

    /** Stops monitoring. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }

    @Override
    public String toString() {
        return "BlockingMonitor[" + hub + ", max=" + Duration.ofNanos(maxNanos) + (closed ? ", closed]" : "]");
    }
}
