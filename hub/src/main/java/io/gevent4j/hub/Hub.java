package io.gevent4j.hub;

import io.gevent4j.loop.Loop;
import io.gevent4j.loop.RunMode;
import io.gevent4j.loop.Watcher;
import io.gevent4j.loop.internal.Carrier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The hub: one per platform thread, owner of that thread's {@link Loop} and scheduler of its
 * greenlets (gevent's {@code Hub}).
 *
 * <h2>Scheduling</h2>
 * Greenlets are virtual threads whose scheduler is this hub: when the JDK makes one runnable (it was
 * started, unparked, its lock became free, its {@code Thread.sleep} ended) its continuation is queued
 * as a callback on the loop, so greenlets run only on the hub's thread, one at a time, in the order
 * they became runnable, and switch only where they block. JDK blocking calls inside a greenlet park it
 * and let the hub run the others.
 *
 * <h2>The owner thread</h2>
 * The platform thread that owns the hub (the "main greenlet") runs the loop whenever it blocks in a
 * gevent call, until that call is satisfied. If nothing can ever satisfy it (no runnable greenlet, no
 * greenlet blocked outside the hub, no active referenced watcher, nothing pending, no cross-thread wait
 * announced) it gets a {@link LoopExit} instead of hanging. Calling a blocking gevent function inside a
 * loop callback is a {@link BlockingSwitchOutError}.
 *
 * <h2>Threads</h2>
 * {@link #current()} is the calling thread's hub (inside a greenlet: the hub it runs on), created on
 * first use. Other threads talk to a hub only through thread-safe entry points
 * ({@code loop().execute}, {@code runCallbackThreadsafe}, {@link Waiter#switchTo} from another thread,
 * {@code Greenlet.start/kill/join}), which queue work on the loop and wake it.
 */
public final class Hub {
    private static final Logger log = LoggerFactory.getLogger(Hub.class);
    private static final ThreadLocal<Hub> HUBS = new ThreadLocal<>();
    /** The greenlet running now, bound for the whole life of each greenlet's virtual thread. */
    static final ScopedValue<RawGreenlet> CURRENT = ScopedValue.newInstance();

    private final Loop loop;
    private final Thread owner;
    private final RawGreenlet main;
    private volatile ThreadFactory threads;
    /**
     * Always active, normally unreferenced. Referenced only while the owner waits for greenlets that
     * are parked in the JDK (a Thread.sleep, a lock): those are woken from other threads through the
     * loop's thread-safe queue, and the poll must block until then instead of returning at once.
     */
    private final io.gevent4j.loop.AsyncWatcher keepAlive;

    // Loop-thread state.
    /** Greenlets whose body started and did not end. */
    int live;
    /** Of those, the ones parked on the hub itself (a Waiter or a raw switch): only the hub can wake them. */
    int parkedOnHub;
    /** Next executor submission goes first (a direct switch). */
    private boolean priority;
    /** Waits announced by code that will be woken from another thread. */
    private int externalWaits;

    private Hub() {
        Thread t = Thread.currentThread();
        if (t.isVirtual()) {
            throw new IllegalStateException("a hub belongs to a platform thread; " + t
                    + " is a virtual thread that is not a gevent4j greenlet");
        }
        this.owner = t;
        this.loop = new Loop();
        this.loop.setErrorHandler(this::handleError);
        this.main = new RawGreenlet(this);
        this.keepAlive = loop.async();
        this.keepAlive.unref();
        this.keepAlive.start(() -> { });
    }

    /** One blocking poll while greenlets outside the hub's reach may still wake us. */
    private void waitForeignWakeup() {
        keepAlive.ref();
        try {
            loop.run(RunMode.ONCE);
        } finally {
            keepAlive.unref();
        }
    }

    /**
     * {@return the calling thread's hub, created on first use; inside a greenlet, the hub it runs on
     * (gevent's {@code get_hub()})}
     *
     * @throws IllegalStateException when called from a virtual thread that is not a greenlet
     */
    public static Hub current() {
        if (CURRENT.isBound()) {
            return CURRENT.get().hub;
        }
        Hub h = HUBS.get();
        if (h == null || h.loop.isDestroyed()) {
            h = new Hub();
            HUBS.set(h);
        }
        return h;
    }

    /** {@return the calling thread's hub if it has one (inside a greenlet: its hub), else null} */
    public static Hub currentIfAny() {
        if (CURRENT.isBound()) {
            return CURRENT.get().hub;
        }
        Hub h = HUBS.get();
        return h == null || h.loop.isDestroyed() ? null : h;
    }

    /** {@return this hub's event loop} */
    public Loop loop() {
        return loop;
    }

    /** {@return the platform thread that owns this hub} */
    public Thread owner() {
        return owner;
    }

    /** {@return the main greenlet: the owner thread itself} */
    public RawGreenlet mainGreenlet() {
        return main;
    }

    /** {@return true when the caller runs on this hub's thread (in a greenlet of this hub or on the owner)} */
    public boolean inHubThread() {
        return Carrier.current() == owner;
    }

    /** {@return the number of greenlets of this hub that started and have not ended} */
    public int liveGreenlets() {
        return live;
    }

    // ------------------------------------------------------------------ waiting

    /**
     * gevent's {@code hub.wait(watcher)}: starts {@code watcher} with a {@link Waiter} as callback and
     * blocks the calling greenlet until it fires; the watcher is stopped on the way out, also when
     * the wait is interrupted by a kill or a timeout.
     *
     * @param watcher the watcher to wait on
     */
    public void wait(Watcher watcher) {
        Waiter<Object> waiter = new Waiter<>(this);
        watcher.start(waiter.switchNull());
        try {
            waiter.get();
        } finally {
            watcher.stop();
        }
    }

    /**
     * Blocks the calling greenlet for at least {@code nanos} (gevent's {@code sleep}); 0 or less
     * yields to every greenlet that is already runnable and comes back after them.
     *
     * @param nanos how long, in nanoseconds
     */
    public void sleep(long nanos) {
        if (nanos <= 0) {
            Waiter<Object> waiter = new Waiter<>(this);
            loop.execute(waiter.switchNull());
            waiter.get();
            return;
        }
        try (var timer = loop.timer(nanos, 0)) {
            wait(timer);
        }
    }

    /** Blocks until the loop is idle: everything runnable ran and no event is pending. */
    public void idle() {
        try (var w = loop.idle()) {
            wait(w);
        }
    }

    /**
     * Runs the hub until nothing is left to do: no live greenlet and no active referenced watcher.
     * Call it on the owner thread, outside greenlets, to serve until shutdown.
     *
     * @throws IllegalStateException when called from a greenlet or another thread
     */
    public void join() {
        if (current() != this || CURRENT.isBound()) {
            throw new IllegalStateException("Hub.join() runs the loop: call it on the hub's owner thread");
        }
        checkNotInCallback("Hub.join()");
        while (true) {
            loop.run(RunMode.DEFAULT);
            if (live == 0 && !loop.alive()) {
                return;
            }
            if (!loop.alive() && live == parkedOnHub && externalWaits == 0) {
                return; // the remaining greenlets wait for something that will never come
            }
            if (!loop.alive()) {
                waitForeignWakeup();
            }
        }
    }

    /**
     * Announces that the calling code waits for a wake-up from another thread (another hub, a thread
     * pool): until the returned handle is closed, the owner never gets {@link LoopExit}.
     *
     * @return the handle to close when the wait is over
     */
    public AutoCloseable externalWait() {
        checkHubThread();
        externalWaits++;
        return new AutoCloseable() {
            private boolean closed;

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    externalWaits--;
                }
            }
        };
    }

    void checkHubThread() {
        if (Carrier.current() != owner) {
            throw new IllegalStateException("hub of '" + owner.getName() + "' used from thread '"
                    + Thread.currentThread() + "'");
        }
    }

    private void checkNotInCallback(String what) {
        if (loop.isRunning()) {
            throw new BlockingSwitchOutError("Impossible to call blocking function " + what
                    + " in the event loop callback: block in a greenlet instead");
        }
    }

    /**
     * Parks {@code cur} (the calling greenlet) until {@code satisfied}; the owner thread runs the loop
     * meanwhile. {@code onHub}: only this hub can wake the greenlet (counted for {@link LoopExit}).
     */
    void block(RawGreenlet cur, BooleanSupplier satisfied, boolean onHub, Object what) {
        if (cur.isMain()) {
            runLoopUntil(satisfied, what);
            return;
        }
        if (onHub) {
            parkedOnHub++;
        }
        boolean interrupted = false;
        try {
            while (!satisfied.getAsBoolean()) {
                LockSupport.park(this);
                // park returns at once while the interrupt status is set: clear it (and restore it
                // on the way out) or the greenlet would spin here and starve the whole hub
                interrupted |= Thread.interrupted();
            }
        } finally {
            if (onHub) {
                parkedOnHub--;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@link #block} specialised for a {@link Waiter}: no allocation per wait. */
    void block(RawGreenlet cur, Waiter<?> waiter) {
        if (cur.isMain()) {
            runLoopUntil(() -> waiter.satisfied(cur), waiter);
            return;
        }
        parkedOnHub++;
        boolean interrupted = false;
        try {
            while (!waiter.satisfied(cur)) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted(); // see block(): never spin on a set interrupt
            }
        } finally {
            parkedOnHub--;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void runLoopUntil(BooleanSupplier satisfied, Object what) {
        checkNotInCallback(String.valueOf(what));
        while (!satisfied.getAsBoolean()) {
            loop.run(RunMode.DEFAULT); // returns on breakLoop (main resumed) or when nothing is left
            if (satisfied.getAsBoolean()) {
                return;
            }
            if (!loop.alive() && live == parkedOnHub && externalWaits == 0) {
                throw new LoopExit("This operation would block forever: waiting for " + what + " ("
                        + this + ")");
            }
            if (!loop.alive()) {
                waitForeignWakeup(); // a greenlet parked in the JDK or another thread will wake us
            }
        }
    }

    /**
     * Makes {@code g} runnable. {@code first}: it runs before everything else queued (a direct switch).
     * Loop thread only.
     */
    void resume(RawGreenlet g, boolean first) {
        if (g.isMain()) {
            g.mainResumed = true;
            loop.breakLoop();
            return;
        }
        priority = first;
        try {
            LockSupport.unpark(g.thread);
        } finally {
            priority = false;
        }
    }

    /** Starts the virtual thread of {@code g}. */
    void startThread(RawGreenlet g, boolean first) {
        ThreadFactory f = threads;
        if (f == null) {
            synchronized (this) {
                f = threads;
                if (f == null) {
                    f = threads = VirtualThreads.factory(this::schedule);
                }
            }
        }
        Thread t = f.newThread(g::body);
        g.thread = t;
        if (first && inHubThread()) {
            priority = true;
            try {
                t.start();
            } finally {
                priority = false;
            }
        } else {
            t.start();
        }
    }

    /** The greenlets' scheduler: the JDK hands us continuations to run. */
    private void schedule(Runnable continuation) {
        if (priority && Carrier.current() == owner) {
            priority = false;
            loop.executeFirst(continuation);
        } else {
            loop.execute(continuation);
        }
    }

    /**
     * Raises {@code error} in greenlet {@code g} of this hub where it is blocked, or at its next
     * blocking point if it is busy (how kills and timeouts are delivered); a greenlet that has not
     * started dies of it without running. Safe from any thread; from another thread it is queued.
     *
     * @param g the greenlet
     * @param error the exception
     */
    public void throwTo(RawGreenlet g, Throwable error) {
        java.util.Objects.requireNonNull(error, "error");
        if (g.hub != this) {
            throw new IllegalArgumentException(g + " belongs to another hub");
        }
        if (inHubThread()) {
            g.deliver(error);
        } else {
            loop.execute(() -> g.deliver(error));
        }
    }

    /**
     * Takes back {@code error} thrown at {@code g} by {@link #throwTo} if {@code g} has not seen it yet
     * (it was busy or in a JDK call and has not reached a blocking point since); its interrupt goes
     * with it when {@code g} is the caller. Hub thread only.
     *
     * @param g the greenlet
     * @param error the exception
     * @return whether it was still pending
     */
    public boolean withdrawThrow(RawGreenlet g, Throwable error) {
        checkHubThread();
        return g.hub == this && g.withdraw(error);
    }

    // ------------------------------------------------------------------ errors

    /**
     * Reports an error the hub caught (gevent's {@code handle_error}): logged once at ERROR through
     * SLF4J. It never kills the hub.
     *
     * @param context what was running (a watcher, a greenlet, a callback)
     * @param error the exception
     */
    public void handleError(Object context, Throwable error) {
        log.error("{} failed with {}", context, error.toString(), error);
    }

    /**
     * Destroys the hub's loop; the thread gets a new hub on its next {@link #current()}. Owner thread
     * only, outside greenlets.
     */
    public void destroy() {
        checkHubThread();
        loop.destroy();
        if (HUBS.get() == this) {
            HUBS.remove();
        }
    }

    @Override
    public String toString() {
        return "Hub[" + owner.getName() + ", " + loop.backend() + ", live=" + live + ", parkedOnHub="
                + parkedOnHub + ", activeRefs=" + (loop.alive() ? "yes" : "no") + "]";
    }

    /** Nanoseconds in a {@link java.time.Duration}, saturated; null means "never". */
    static long nanos(java.time.Duration d) {
        if (d == null) {
            return -1;
        }
        try {
            return Math.max(0, d.toNanos());
        } catch (ArithmeticException e) {
            return d.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    static long toNanos(long amount, TimeUnit unit) {
        return Math.max(0, unit.toNanos(amount));
    }

    /** Used by {@link Waiter} and others to reach the executor of foreign threads. */
    Executor executor() {
        return loop;
    }
}
