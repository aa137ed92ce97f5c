package io.gevent4j.hub;

import io.gevent4j.loop.Loop;
import io.gevent4j.loop.RunMode;
import io.gevent4j.loop.Watcher;
import io.gevent4j.loop.internal.Carrier;
import io.gevent4j.loop.internal.Diagnostics;
import io.gevent4j.loop.internal.LoopOwner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.IdentityHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
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
 * as a callback on the loop, so greenlets run one at a time, in the order they became runnable, and
 * switch only where they block. JDK blocking calls inside a greenlet park it and let the hub run the
 * others.
 *
 * <h2>The owner thread and the carrier thread</h2>
 * The platform thread that owns the hub is its <em>main greenlet</em>. When it blocks in a gevent call,
 * the hub runs until that call is satisfied, and only then does the owner go on - exactly as gevent's
 * main greenlet switches to the hub and back. Greenlets never run on the owner's own stack: the owner
 * may be inside {@code synchronized} blocks (a {@code BufferedReader}, a {@code PrintStream}, any old
 * library), and a virtual thread that parks takes the monitors of the frames beneath it along (JDK 25's
 * lightweight locking keeps them on the carrier's lock stack), which would corrupt them. So the loop
 * and the greenlets run on a dedicated <em>carrier thread</em>, a daemon thread the hub starts with its
 * first greenlet, and the two threads pass a baton: the owner hands the loop to the carrier and parks
 * until its own wait is satisfied; the carrier then hands it back and parks. Exactly one of them runs
 * at any moment, so the rule "one at a time" holds for the owner as for every greenlet. A hub that
 * never had a greenlet (a platform thread waiting on an {@code Event}, say) runs its loop on the owner
 * itself: callbacks alone never freeze a stack.
 *
 * <p>If nothing can ever satisfy the owner's wait (no runnable greenlet, no greenlet blocked outside the
 * hub, no active referenced watcher, nothing pending, no cross-thread wait announced) it gets a
 * {@link LoopExit} instead of hanging. Calling a blocking gevent function inside a loop callback is a
 * {@link BlockingSwitchOutError}. When the owner thread ends, the carrier destroys the loop and ends too
 * (greenlets still parked then are abandoned, and reported).
 *
 * <h2>Adopted virtual threads</h2>
 * Every virtual thread that runs on a hub is one of its greenlets, whoever started it. The JDK gives a
 * virtual thread created inside another one the scheduler of its creator, so {@code Thread.ofVirtual()},
 * {@code Executors.newVirtualThreadPerTaskExecutor()}, structured concurrency's forks and
 * {@code CompletableFuture}s on such an executor, used in a greenlet, make virtual threads that this hub
 * schedules without having started them. The hub <em>adopts</em> each one at its first turn: it gets a
 * {@link RawGreenlet} ({@link RawGreenlet#getcurrent()} inside it, and what {@link #current()} sees),
 * counts among {@link #liveGreenlets()} until its thread ends, waits cooperatively on the hub's loop
 * like any greenlet, and can be reached by {@link #throwTo} and {@code Timeout}s. Unlike a greenlet the
 * hub started, an adopted thread keeps the JDK's interrupt contract: {@code Thread.interrupt()} (an
 * executor's {@code shutdownNow}, {@code Future.cancel(true)}, a cancelled structured scope) ends a wait
 * on the hub with a {@link CancellationException} and leaves the interrupt status set.
 *
 * <h2>Threads</h2>
 * {@link #current()} is the calling thread's hub (inside a greenlet: the hub it runs on), created on
 * first use. The <em>hub thread</em> is whichever of owner and carrier holds the baton;
 * {@link #inHubThread()} tells whether the caller is it. Other threads talk to a hub only through
 * thread-safe entry points ({@code loop().execute}, {@code runCallbackThreadsafe}, {@link Waiter#switchTo}
 * from another thread, {@code Greenlet.start/kill/join}), which queue work on the loop and wake it.
 */
public final class Hub {
    private static final Logger log = LoggerFactory.getLogger(Hub.class);
    private static final ThreadLocal<Hub> HUBS = new ThreadLocal<>();
    /** The greenlet running now, bound for the whole life of each greenlet's virtual thread. */
    static final ScopedValue<RawGreenlet> CURRENT = ScopedValue.newInstance();
    /** How often a carrier waiting for the baton checks that its owner thread is still alive. */
    private static final long OWNER_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * How long a thread waiting for the baton spins before it parks (none on one CPU). Waking a parked
     * thread took 25-55 us on this project's idle 2-core VM, twice per blocking call of the owner; a
     * baton handed back within the spin costs a few hundred nanoseconds.
     */
    private static final long BATON_SPIN_NANOS = Runtime.getRuntime().availableProcessors() > 1
            ? TimeUnit.MICROSECONDS.toNanos(Long.getLong("gevent4j.batonSpinMicros", 20)) : 0;

    private final Loop loop;
    private final Thread owner;
    private final RawGreenlet main;
    /**
     * Always active, normally unreferenced. Referenced only while the owner waits for greenlets that
     * are parked in the JDK (a Thread.sleep, a lock): those are woken from other threads through the
     * loop's thread-safe queue, and the poll must block until then instead of returning at once.
     */
    private final io.gevent4j.loop.AsyncWatcher keepAlive;

    // Hub-thread state.
    /** Greenlets whose body started and did not end. */
    int live;
    /** Of those, the ones parked on the hub itself (a Waiter or a raw switch): only the hub can wake them. */
    int parkedOnHub;
    /** Next executor submission goes first (a direct switch). */
    private boolean priority;
    /** Waits announced by code that will be woken from another thread. */
    private int externalWaits;
    /** The adopted greenlets (see the class comment), by virtual thread. */
    private final IdentityHashMap<Thread, RawGreenlet> adopted = new IdentityHashMap<>();
    /** The adopted greenlet whose continuation runs now, or null. */
    private RawGreenlet runningAdopted;

    // The baton (see the class comment). Written by the thread that holds it, before handing it over.
    /** Set, for good, when the first greenlet is started: from then on greenlets run on the carrier. */
    private volatile boolean carrierMode;
    private volatile Thread carrier;
    /** True while the carrier holds the baton (the owner is parked). */
    private volatile boolean carrierTurn;
    /** The owner's wait the carrier drives: null for {@link #join()}. */
    private BooleanSupplier ownerWait;
    private Object ownerWhat;
    /** What the carrier reports back: null, or why the owner's wait can never be satisfied. */
    private String loopExit;
    private Throwable carrierFailure;

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
        synchronized (ALL) {
            ALL.put(this, Boolean.TRUE);
        }
        BlockingMonitor.hubCreated();
    }

    /** Every hub not yet garbage (weakly held): for run info and the blocking monitor. */
    private static final java.util.Map<Hub, Boolean> ALL = new java.util.WeakHashMap<>();

    /**
     * The hubs of this JVM that are not destroyed.
     *
     * @return the hubs
     */
    public static java.util.List<Hub> all() {
        synchronized (ALL) {
            java.util.List<Hub> out = new java.util.ArrayList<>();
            for (Hub h : ALL.keySet()) {
                if (!h.loop.isDestroyed()) {
                    out.add(h);
                }
            }
            return out;
        }
    }

    /**
     * Whether greenlets record where they were created ({@link RawGreenlet#spawnStack()}); off by
     * default: a stack walk per greenlet. Also {@code -Dgevent4j.spawnStacks=true}.
     *
     * @param on whether to turn it on
     */
    public static void captureSpawnStacks(boolean on) {
        SpawnStacks.enable(on);
    }

    // The hub's greenlets whose body runs: an intrusive list (hub thread only; read racily by run info).
    private RawGreenlet liveHead;
    /** Greenlets started since the hub was made, and those that died of an exception. */
    private volatile long spawned;
    private volatile long failed;

    void linkLive(RawGreenlet g) {
        g.liveNext = liveHead;
        if (liveHead != null) {
            liveHead.livePrev = g;
        }
        liveHead = g;
        spawned++;
        HubEvents.spawned(g);
    }

    void unlinkLive(RawGreenlet g) {
        if (g.livePrev != null) {
            g.livePrev.liveNext = g.liveNext;
        } else if (liveHead == g) {
            liveHead = g.liveNext;
        }
        if (g.liveNext != null) {
            g.liveNext.livePrev = g.livePrev;
        }
        g.livePrev = null; // g.liveNext stays: a racy reader standing on g can go on
    }

    void countFailure() {
        failed++;
    }

    /**
     * The greenlets of this hub whose body runs now, newest first. Exact on the hub's thread; from another
     * thread a best-effort snapshot (what run info shows).
     *
     * @return the greenlets, newest first
     */
    public java.util.List<RawGreenlet> greenlets() {
        java.util.List<RawGreenlet> out = new java.util.ArrayList<>();
        int max = Math.max(16, live) + 1024;
        for (RawGreenlet g = liveHead; g != null && out.size() < max; g = g.liveNext) {
            if (!g.dead()) {
                out.add(g);
            }
        }
        return out;
    }

    /**
     * Counters a service can expose: see {@link HubStats}. Readable from any thread.
     *
     * @return the hub's counters now
     */
    public HubStats stats() {
        return new HubStats(owner.getName(), live, spawned, failed, loop.iteration(), loop.activeWatchers());
    }

    /**
     * True while the owner thread holds the baton (runs its own code) and greenlets or callbacks wait for
     * their turn: the owner blocks the hub (the blocking monitor reports it). Readable from any thread.
     */
    boolean ownerHoldsBatonWithWorkWaiting() {
        return carrierMode && !carrierTurn && workWaitingAtHandBack && !loop.isDestroyed();
    }

    /** Set by the carrier when it hands the baton back: work was left waiting (runnable greenlets, callbacks). */
    private volatile boolean workWaitingAtHandBack;

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
        RawGreenlet g = currentGreenlet();
        if (g != null) {
            return g.hub;
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
        RawGreenlet g = currentGreenlet();
        if (g != null) {
            return g.hub;
        }
        Hub h = HUBS.get();
        return h == null || h.loop.isDestroyed() ? null : h;
    }

    /**
     * The greenlet the calling virtual thread is, or null on a platform thread (the main greenlet is
     * not returned) and on a virtual thread that runs on no hub. A greenlet the hub started has
     * {@link #CURRENT} bound to it for its whole life; virtual threads it creates inherit that binding
     * only through structured concurrency, so the binding counts only on its own thread. An adopted
     * virtual thread is found through the carrier it is mounted on.
     */
    static RawGreenlet currentGreenlet() {
        Thread t = Thread.currentThread();
        if (!t.isVirtual()) {
            return null;
        }
        if (CURRENT.isBound()) {
            RawGreenlet g = CURRENT.get();
            if (g.thread == t) {
                return g;
            }
        }
        if (Carrier.current() instanceof HubCarrier c) {
            RawGreenlet g = c.hub.runningAdopted;
            if (g != null && g.thread == t) {
                return g;
            }
        }
        return null;
    }

    /** {@return this hub's event loop} */
    public Loop loop() {
        return loop;
    }

    /**
     * The platform thread that owns this hub: its main greenlet.
     *
     * @return the owner thread
     */
    public Thread owner() {
        return owner;
    }

    /** {@return the main greenlet: the owner thread itself} */
    public RawGreenlet mainGreenlet() {
        return main;
    }

    /**
     * True when the caller is the hub thread: a greenlet of this hub, a loop callback, or the owner
     * thread while it runs (not parked waiting for its greenlets).
     *
     * @return whether the caller is the hub thread: a greenlet of this hub, a loop callback, or the owner thread while it runs (not parked waiting for its greenlets)
     */
    public boolean inHubThread() {
        return Carrier.current() == loop.owner();
    }

    /** {@return the number of greenlets of this hub that started and have not ended} */
    public int liveGreenlets() {
        return live;
    }

    /**
     * Number of live greenlets that are not parked on the hub: runnable, or parked in the JDK (a lock held
     * by another thread, {@code Thread.sleep}), where only another thread can wake them. Hub thread only.
     *
     * @return the greenlets off hub
     */
    public int greenletsOffHub() {
        return live - parkedOnHub;
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
        Waiter<Object> waiter = new Waiter<>(this, watcher);
        watcher.start(waiter.switchNull());
        try {
            waiter.get();
        } finally {
            watcher.stop();
        }
    }

    /**
     * {@link #wait(Watcher)} for at most {@code timeout} (gevent's {@code wait_on_watcher} with a
     * timeout): the watcher is stopped on the way out, whatever happens.
     *
     * @return true if the watcher fired, false if the time ran out first
     * @throws Error the kill or {@code Timeout} aimed at the caller, or what {@link #cancelWait} throws in
     * @param timeout how long to wait at most
     * @param unit the unit of {@code timeout}
     * @param watcher the watcher
     */
    public boolean wait(Watcher watcher, long timeout, TimeUnit unit) {
        Waiter<Object> waiter = new Waiter<>(this, watcher);
        watcher.start(waiter.switchNull());
        try {
            if (!waiter.await(timeout, unit)) {
                return false;
            }
            waiter.get(); // what was thrown in comes out here
            return true;
        } finally {
            watcher.stop();
        }
    }

    /**
     * Wakes the greenlet blocked in {@link #wait(Watcher)} on {@code watcher} by throwing {@code error}
     * in it (gevent's {@code cancel_wait}, how closing a socket wakes its reader); does nothing if
     * nobody waits on it. Hub thread only.
     *
     * @return whether a waiter was woken
     * @param error the exception
     * @param watcher the watcher
     */
    public boolean cancelWait(Watcher watcher, Throwable error) {
        checkHubThread();
        java.util.Objects.requireNonNull(error, "error");
        if (watcher.isActive() && watcher.callback() instanceof Waiter<?> w && w.hub() == this && !w.ready()) {
            watcher.stop();
            w.throwInto(error);
            return true;
        }
        return false;
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
        if (current() != this || Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("Hub.join() runs the loop: call it on the hub's owner thread");
        }
        checkNotInCallback("Hub.join()");
        ownerBlocks(null, "Hub.join()");
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
        if (!inHubThread()) {
            throw new IllegalStateException("hub of '" + owner.getName() + "' used from thread '"
                    + Thread.currentThread() + "'");
        }
    }

    private void checkNotInCallback(String what) {
        if (loop.isRunning() || Thread.currentThread() != owner) {
            throw new BlockingSwitchOutError("Impossible to call blocking function " + what
                    + " in the event loop callback: block in a greenlet instead");
        }
    }

    /**
     * The one park of every wait: parks {@code cur} (the calling greenlet) until {@code waiter} is
     * satisfied (delivered, timed out, or a kill or timeout aimed at {@code cur}); the main greenlet
     * runs the loop meanwhile (see {@link #ownerBlocks}). A parked greenlet counts as parked on the hub
     * (only the hub can wake it: {@link LoopExit}).
     */
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
                // park returns at once while the interrupt status is set: clear it (and restore it
                // on the way out) or the greenlet would spin here and starve the whole hub
                if (Thread.interrupted()) {
                    interrupted = true;
                    if (cur.isAdopted() && cur.pendingThrow == null) {
                        // the JDK's contract for the threads the hub did not start: an interrupt ends the wait
                        waiter.throwInto(new CancellationException("interrupted while waiting for " + waiter));
                    }
                }
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
        if (!satisfied.getAsBoolean()) {
            ownerBlocks(satisfied, what);
        }
    }

    /**
     * The owner thread waits for {@code satisfied} (null: for the hub to run out of work, {@link #join()}):
     * it runs the loop itself while the hub has never had a greenlet, and hands it to the carrier
     * thread from then on.
     */
    private void ownerBlocks(BooleanSupplier satisfied, Object what) {
        String exit = null;
        if (!carrierMode) {
            exit = drive(satisfied, what);
        }
        if (carrierMode && exit == null && (satisfied == null || !satisfied.getAsBoolean())) {
            exit = handToCarrier(satisfied, what);
        }
        if (exit != null) {
            throw new LoopExit(exit);
        }
    }

    /**
     * Runs the loop on the calling thread (the carrier, or the owner before the first greenlet) until
     * the owner's wait is over; on the owner it stops early when the first greenlet is started.
     *
     * @return null, or why the wait can never be satisfied
     */
    private String drive(BooleanSupplier satisfied, Object what) {
        boolean onOwner = Thread.currentThread() == owner;
        while (satisfied == null || !satisfied.getAsBoolean()) {
            loop.run(RunMode.DEFAULT); // returns on breakLoop (main resumed) or when nothing is left
            if (onOwner && carrierMode) {
                return null; // a greenlet exists now: it must not run on this stack
            }
            if (satisfied == null ? live == 0 && !loop.alive() : satisfied.getAsBoolean()) {
                return null;
            }
            if (!loop.alive() && live == parkedOnHub && externalWaits == 0) {
                return satisfied == null ? null // join(): the rest wait for something that will never come
                        : "This operation would block forever: waiting for " + what + " (" + this + ")";
            }
            if (!loop.alive()) {
                waitForeignWakeup(); // a greenlet parked in the JDK or another thread will wake us
                if (onOwner && carrierMode) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The owner hands the loop to the carrier, parks until the carrier hands it back, and returns its verdict. */
    private String handToCarrier(BooleanSupplier satisfied, Object what) {
        Thread c = carrier;
        if (c == null) {
            c = carrier = new HubCarrier(this);
        }
        ownerWait = satisfied;
        ownerWhat = what;
        loopExit = null;
        carrierFailure = null;
        LoopOwner.set(loop, c);
        carrierTurn = true;
        if (c.getState() == Thread.State.NEW) {
            c.start();
        } else {
            LockSupport.unpark(c);
        }
        boolean interrupted = false;
        spinWhile(true);
        while (carrierTurn) {
            LockSupport.park(this);
            interrupted |= Thread.interrupted(); // the wait is not interruptible: kill or time it out
        }
        if (interrupted) {
            owner.interrupt();
        }
        ownerWait = null;
        ownerWhat = null;
        Throwable failure = carrierFailure;
        if (failure != null) {
            carrierFailure = null;
            throw new IllegalStateException("the hub's carrier thread failed", failure);
        }
        return loopExit;
    }

    /** Spins for at most {@link #BATON_SPIN_NANOS} while {@link #carrierTurn} is {@code turn}. */
    private void spinWhile(boolean turn) {
        if (BATON_SPIN_NANOS == 0 || carrierTurn != turn) {
            return;
        }
        long deadline = System.nanoTime() + BATON_SPIN_NANOS;
        while (carrierTurn == turn && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }
    }

    /** The carrier thread of a hub; adopted virtual threads find their hub through it. */
    private static final class HubCarrier extends Thread {
        final Hub hub;

        HubCarrier(Hub hub) {
            super(null, null, "gevent4j-hub-" + hub.owner.getName(), 0, false);
            this.hub = hub;
            setDaemon(true);
        }

        @Override
        public void run() {
            hub.carrierMain();
        }
    }

    /** The carrier thread: waits for the baton, drives the owner's wait, hands the baton back. */
    private void carrierMain() {
        HUBS.set(this);
        while (true) {
            spinWhile(false);
            while (!carrierTurn) {
                LockSupport.parkNanos(this, OWNER_CHECK_NANOS);
                if (!carrierTurn && (loop.isDestroyed() || !owner.isAlive())) {
                    abandon();
                    return;
                }
            }
            try {
                loopExit = drive(ownerWait, ownerWhat);
            } catch (Throwable t) {
                carrierFailure = t;
            } finally {
                workWaitingAtHandBack = loop.hasPending();
                LoopOwner.set(loop, owner);
                carrierTurn = false;
                LockSupport.unpark(owner);
            }
        }
    }

    /** The owner thread ended (or destroyed the hub): the carrier cleans up and ends. */
    private void abandon() {
        if (loop.isDestroyed()) {
            return;
        }
        LoopOwner.set(loop, Thread.currentThread()); // nobody else will ever run it
        if (live > 0) {
            Diagnostics.warn(log, "thread '{}' ended with {} greenlet(s) still alive on its hub; they are abandoned",
                    owner.getName(), live);
        }
        loop.destroy();
    }

    /**
     * Makes {@code g} runnable. {@code first}: it runs before everything else queued (a direct switch).
     * Loop thread only.
     */
    void resume(RawGreenlet g, boolean first) {
        if (g.isMain()) {
            loop.breakLoop(); // the main greenlet runs once the callback running now returns
            return;
        }
        priority = first;
        try {
            LockSupport.unpark(g.thread);
        } finally {
            priority = false;
        }
    }

    /**
     * Starts the virtual thread of {@code g}. The first greenlet switches the hub to carrier mode; a
     * start from another thread is queued, so that it happens on the hub thread.
     */
    void startThread(RawGreenlet g, boolean first) {
        if (!inHubThread()) {
            loop.execute(() -> startThread(g, first));
            return;
        }
        if (!carrierMode) {
            carrierMode = true;
            loop.breakLoop(); // the owner may be running the loop: stop before the greenlet would run
        }
        Turns turns = new Turns(this, g);
        Thread t = VirtualThreads.newThread(turns, turns);
        g.thread = t;
        if (first) {
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

    /**
     * The body and the scheduler of one greenlet's virtual thread (one object for both), and the
     * scheduler of every virtual thread created inside it (the JDK hands a new virtual thread its
     * creator's scheduler). The first task submitted is the greenlet's own continuation (its start);
     * any other belongs to a virtual thread to adopt.
     */
    private static final class Turns implements Executor, Runnable {
        private final Hub hub;
        private final RawGreenlet greenlet;
        /** The JDK's continuation task of the greenlet's own thread. */
        private volatile Runnable own;

        Turns(Hub hub, RawGreenlet greenlet) {
            this.hub = hub;
            this.greenlet = greenlet;
        }

        @Override
        public void run() {
            greenlet.body();
        }

        @Override
        public void execute(Runnable continuation) {
            Runnable o = own;
            if (continuation == o) {
                hub.schedule(continuation);
            } else if (o == null) {
                own = continuation; // submitted by Thread.start on the hub thread, before anything else
                hub.schedule(continuation);
            } else {
                hub.scheduleAdopted(continuation);
            }
        }
    }

    /**
     * The greenlets' scheduler: the JDK hands us continuations to run. It must never throw: the caller
     * may be a JDK thread (the poller that wakes virtual threads blocked in JDK sockets), which an
     * exception kills, hanging every later virtual-thread socket operation of the JVM. A continuation
     * of a destroyed hub can never run again and is dropped.
     */
    private void schedule(Runnable continuation) {
        if (priority && inHubThread()) {
            priority = false;
            loop.executeNext(continuation);
        } else {
            try {
                loop.execute(continuation);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                log.debug("a greenlet of the destroyed hub of '{}' was woken: dropped", owner.getName());
            }
        }
    }

    /** Schedules a turn of a virtual thread the hub did not start (from any thread). */
    private void scheduleAdopted(Runnable continuation) {
        Thread t = VirtualThreads.threadOf(continuation);
        schedule(t == null ? continuation : new AdoptedTurn(this, t, continuation));
    }

    /**
     * One turn of an adopted virtual thread, as a loop task. It names the thread in a field of type
     * {@code Thread}, where the {@link BlockingMonitor} finds the culprit of a loop task.
     */
    private static final class AdoptedTurn implements Runnable {
        private final Hub hub;
        private final Thread thread;
        private final Runnable continuation;

        AdoptedTurn(Hub hub, Thread thread, Runnable continuation) {
            this.hub = hub;
            this.thread = thread;
            this.continuation = continuation;
        }

        @Override
        public void run() {
            hub.runAdopted(thread, continuation);
        }

        @Override
        public String toString() {
            return "turn of " + thread;
        }
    }

    /** Runs a turn of {@code t}: adopts it at its first, lets it go after its last. Hub thread. */
    private void runAdopted(Thread t, Runnable continuation) {
        RawGreenlet g = adopted.get(t);
        if (g == null) {
            if (!t.isAlive()) {
                continuation.run(); // a stale submission: the JDK ignores it
                return;
            }
            g = RawGreenlet.adopt(this, t);
            adopted.put(t, g);
            live++;
            linkLive(g);
        }
        RawGreenlet outer = runningAdopted;
        runningAdopted = g;
        try {
            continuation.run();
        } finally {
            runningAdopted = outer;
        }
        if (!t.isAlive() && adopted.remove(t) != null) {
            live--;
            unlinkLive(g);
            g.adoptedThreadEnded();
        }
    }

    /**
     * True when the caller is a loop callback of this hub (gevent's hub greenlet running callbacks), not
     * a greenlet nor the owner: a greenlet it wakes through a {@link Waiter} runs right after it, as
     * gevent's {@code waiter.switch} from the hub switches at once.
     */
    boolean inCallback() {
        return loop.isRunning() && !Thread.currentThread().isVirtual() && inHubThread();
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
     * SLF4J, or, when no SLF4J provider is bound, printed to standard error as gevent prints it (the
     * stack, then {@code <time> <greenlet> failed with <exception>}). It never kills the hub.
     *
     * @param context the context
     * @param error the exception
     */
    public void handleError(Object context, Throwable error) {
        Diagnostics.error(log, error, "{} failed with {}", context, error.toString());
    }

    /**
     * Destroys the hub's loop; the thread gets a new hub on its next {@link #current()}. Owner thread
     * only, outside greenlets.
     */
    public void destroy() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("Hub.destroy(): call it on the hub's owner thread, outside greenlets");
        }
        loop.destroy();
        if (HUBS.get() == this) {
            HUBS.remove();
        }
        Thread c = carrier;
        if (c != null) {
            LockSupport.unpark(c); // it sees the loop destroyed and ends
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
