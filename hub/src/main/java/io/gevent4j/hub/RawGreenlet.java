package io.gevent4j.hub;

import java.util.Objects;
import java.util.function.Function;

/**
 * A raw greenlet, as the {@code greenlet} library defines it: a function with its own stack that runs
 * only when something {@link #switchTo switches} to it, and that gives control back by switching to
 * another greenlet, by blocking, or by ending (then control and its result go to its
 * {@link #parent()}).
 *
 * <p>Every greenlet is a virtual thread scheduled by its {@link Hub}; the hub's owner thread is the
 * hub's <em>main greenlet</em>. {@link #switchTo} makes the target run next, before anything else
 * queued on the hub, and parks the caller until something switches back to it; what that switch
 * passes is what {@code switchTo} returns. The classic program
 * <pre>{@code
 * RawGreenlet[] g = new RawGreenlet[2];
 * g[0] = new RawGreenlet(a -> { print(12); g[1].switchTo(); print(34); return null; });
 * g[1] = new RawGreenlet(a -> { print(56); g[0].switchTo(); print(78); return null; });
 * g[0].switchTo();   // prints 12 56 34, never 78
 * }</pre>
 *
 * <p>States: <em>new</em> (not started) → <em>started</em> (its body began; it is running, runnable or
 * parked) → <em>dead</em> (its run function returned or threw). A greenlet parked in a raw switch, on a
 * {@link Waiter} or anywhere else stays started. An exception that escapes the run function goes to
 * the parent (its pending {@code switchTo} throws it), except {@link GreenletExit}, which ends the
 * greenlet normally with the exception as its result. Switching to a dead greenlet switches to its
 * parent.
 *
 * <p>All methods must be called on the hub's thread (from one of its greenlets or its owner).
 */
public class RawGreenlet {
    private static final Object[] NO_ARGS = {};

    final Hub hub;
    private RawGreenlet parent;
    private final Function<Object[], Object> function;
    private final boolean main;
    /** A virtual thread the hub did not start, adopted at its first turn (see {@link Hub}). */
    private final boolean adopted;
    /** The virtual thread; for the main greenlet, the owner thread. */
    volatile Thread thread;
    private volatile boolean started;
    /** Its body began running (a started greenlet may still wait for its first turn). */
    private volatile boolean begun;
    private volatile boolean dead;

    // Hub-thread state.
    /** Set while this greenlet is suspended in a switch: the waiter the switch back delivers to. */
    private Waiter<Object> switchWaiter;
    private Object[] startArgs = NO_ARGS;
    /** The waiter this greenlet is parked on, if any. */
    Waiter<?> blockedOn;
    /** An exception to throw at the next blocking point (a kill or timeout that found it busy). */
    Throwable pendingThrow;

    /** The main greenlet of {@code hub}. */
    RawGreenlet(Hub hub) {
        this.spawnedBy = null;
        this.spawnStack = null;
        this.hub = hub;
        this.parent = null;
        this.function = null;
        this.thread = hub.owner();
        this.started = true;
        this.main = true;
        this.adopted = false;
    }

    /**
     * A greenlet that will run {@code run} with the arguments of the first switch to it; its parent is
     * the current greenlet.
     *
     * @param run the function to run
     */
    public RawGreenlet(Function<Object[], Object> run) {
        this(run, getcurrent());
    }

    /**
     * A greenlet with an explicit parent (which must belong to the same hub).
     *
     * @param run the function to run
     * @param parent the parent greenlet
     */
    public RawGreenlet(Function<Object[], Object> run, RawGreenlet parent) {
        this(Objects.requireNonNull(parent, "parent").hub, parent, Objects.requireNonNull(run, "run"));
    }

    /**
     * For subclasses that override {@link #run(Object[])}: a greenlet of {@code hub} whose parent is
     * {@code parent}, or none (the hub: when it ends, control simply returns to the hub).
     *
     * @param hub the hub
     * @param parent the parent greenlet
     */
    protected RawGreenlet(Hub hub, RawGreenlet parent) {
        this(hub, parent, null, false);
    }

    private RawGreenlet(Hub hub, RawGreenlet parent, Function<Object[], Object> run) {
        this(hub, parent, run, false);
    }

    private RawGreenlet(Hub hub, RawGreenlet parent, Function<Object[], Object> run, boolean adopted) {
        this.hub = Objects.requireNonNull(hub, "hub");
        if (parent != null && parent.hub != hub) {
            throw new IllegalArgumentException("parent belongs to another hub");
        }
        this.parent = parent;
        this.function = run;
        this.main = false;
        this.adopted = adopted;
        RawGreenlet creator = adopted ? null : Hub.currentGreenlet(); // who made an adopted thread is unknown
        this.spawnedBy = creator != null && creator.hub == hub ? creator
                : !adopted && hub.inHubThread() ? hub.mainGreenlet() : null;
        this.spawnStack = !adopted && SpawnStacks.enabled() ? SpawnStacks.capture() : null;
    }

    /** The greenlet that created this one (gevent's {@code spawning_greenlet}); null if another thread did. */
    private final RawGreenlet spawnedBy;
    /** Where it was created, when {@link SpawnStacks} are captured; else null. */
    private final StackTraceElement[] spawnStack;
    /** The hub's list of greenlets whose body runs (hub thread only; read racily by run info). */
    RawGreenlet liveNext;
    RawGreenlet livePrev;

    /**
     * The greenlet that created this one (gevent's {@code spawning_greenlet}): the greenlet running, or
     * the hub's main greenlet, when it was constructed; null when another thread constructed it.
     *
     * @return this
     */
    public final RawGreenlet spawnedBy() {
        return spawnedBy;
    }

    /**
     * Where this greenlet was created (gevent's {@code spawning_stack}), when spawn stacks are captured
     * ({@code -Dgevent4j.spawnStacks=true} or {@link Hub#captureSpawnStacks(boolean)}; off by default:
     * capturing costs a stack walk per greenlet); else an empty array.
     *
     * @return the stack where it was created, or an empty array
     */
    public final StackTraceElement[] spawnStack() {
        return spawnStack == null ? new StackTraceElement[0] : spawnStack.clone();
    }

    /**
     * The waiter this greenlet is parked on now, or null (running, runnable, or parked in the JDK).
     *
     * @return the waiter, or null
     */
    public final Waiter<?> blockedOn() {
        return blockedOn;
    }

    /**
     * The greenlet running now: inside a greenlet that greenlet (also in a virtual thread the hub adopted,
     * see {@link Hub}), else the main greenlet of this thread's hub.
     *
     * @return the current greenlet
     */
    public static RawGreenlet getcurrent() {
        RawGreenlet g = Hub.currentGreenlet();
        if (g != null) {
            return g;
        }
        return Hub.current().mainGreenlet();
    }

    /** The greenlet of a virtual thread that runs on {@code hub} without the hub having started it. */
    static RawGreenlet adopt(Hub hub, Thread thread) {
        RawGreenlet g = new RawGreenlet(hub, null, null, true);
        g.thread = thread;
        g.started = true;
        g.begun = true;
        return g;
    }

    /** The adopted greenlet's thread ended. */
    final void adoptedThreadEnded() {
        pendingThrow = null;
        dead = true;
    }

    /**
     * True for the greenlet of a virtual thread the hub did not start ({@code Thread.ofVirtual()}, a
     * virtual-thread executor, a structured-concurrency fork inside a greenlet): it has no run
     * function, it cannot be switched to, its outcome goes wherever the JDK sends it (a {@code Future},
     * the thread's uncaught-exception handler), and {@code Thread.interrupt()} ends its waits on the hub.
     *
     * @return whether the hub adopted this greenlet's thread rather than starting it
     */
    public final boolean isAdopted() {
        return adopted;
    }

    /** {@return the hub this greenlet runs on} */
    public final Hub hub() {
        return hub;
    }

    /**
     * Where control and the result go when this greenlet ends; null: the hub itself.
     *
     * @return the parent, or null for the hub itself
     */
    public final RawGreenlet parent() {
        return parent;
    }

    /**
     * Changes the parent.
     *
     * @param newParent the new parent greenlet
     * @throws IllegalArgumentException if that would make a cycle or cross hubs
     */
    public final void setParent(RawGreenlet newParent) {
        for (RawGreenlet p = newParent; p != null; p = p.parent) {
            if (p == this) {
                throw new IllegalArgumentException("cyclic parent chain");
            }
        }
        if (newParent != null && newParent.hub != hub) {
            throw new IllegalArgumentException("parent belongs to another hub");
        }
        this.parent = newParent;
    }

    /** {@return true once the run function returned or threw (never for the main greenlet)} */
    public final boolean dead() {
        return dead;
    }

    /**
     * True once the greenlet was started (switched to or launched), even if its body did not run yet.
     *
     * @return whether the greenlet was started (switched to or launched), even if its body did not run yet
     */
    public final boolean started() {
        return started;
    }

    /**
     * True once the greenlet's body began running (it had its first turn).
     *
     * @return whether the greenlet's body began running (it had its first turn)
     */
    public final boolean begun() {
        return begun || main;
    }

    /**
     * True for the hub's owner thread.
     *
     * @return true on success
     */
    public final boolean isMain() {
        return main;
    }

    /** {@return true while the greenlet is started, not dead (greenlet's {@code bool(g)})} */
    public final boolean isActive() {
        return started && !dead;
    }

    /**
     * {@return the greenlet's body; the default calls the function given to the constructor}
     *
     * @param args the arguments of the first switch
     * @throws Exception whatever the code run throws
     */
    protected Object run(Object[] args) throws Exception {
        if (function == null) {
            throw new UnsupportedOperationException("no run function: override run(Object[])");
        }
        return function.apply(args);
    }

    /**
     * Transfers control to this greenlet (greenlet's {@code switch}): starts it with {@code args} or
     * resumes its pending {@code switchTo} with them; parks the caller until something switches back.
     *
     * @param args the command line
     * @return what the switch back passes: null for no value, the value for one, an {@code Object[]}
     *         for several
     * @throws IllegalStateException if this greenlet is parked somewhere other than a switch (on a
     *                               {@link Waiter} or in a JDK call), or belongs to another hub
     */
    public final Object switchTo(Object... args) {
        return transferTo(args == null ? NO_ARGS : args, null);
    }

    /**
     * Raises {@code error} in this greenlet at the point where it is suspended (greenlet's
     * {@code throw}) and switches to it; a greenlet not started yet dies at once with it, going to
     * its parent.
     *
     * @param error the exception
     * @return what the switch back to the caller passes
     */
    public final Object throwInto(Throwable error) {
        return transferTo(NO_ARGS, Objects.requireNonNull(error, "error"));
    }

    private Object transferTo(Object[] args, Throwable error) {
        hub.checkHubThread();
        RawGreenlet cur = getcurrent();
        if (cur.hub != hub) {
            throw new IllegalStateException("cannot switch to a greenlet of another hub");
        }
        cur.checkPendingThrow(); // a switch is a blocking point: a kill or timeout that found us busy goes off here
        RawGreenlet target = this;
        while (target.dead) {
            target = target.parent != null ? target.parent : hub.mainGreenlet();
        }
        if (target == cur) {
            if (error != null) {
                throw Waiter.sneaky(error);
            }
            return pack(args);
        }
        if (!target.started) {
            synchronized (target) {
                target.started = true;
            }
            target.startArgs = args;
            target.pendingThrow = error;
            hub.startThread(target, true);
        } else if (target.suspendedInSwitch()) {
            target.switchWaiter.deliverNow(pack(args), error);
        } else {
            throw new IllegalStateException("cannot switch to " + target
                    + ": it is not suspended in a switch (it waits on the hub or in a JDK call)");
        }
        return cur.suspend();
    }

    /** Parks the current greenlet in a switch until something switches back to it. */
    private Object suspend() {
        Waiter<Object> w = new Waiter<>(hub, SWITCH_BACK);
        switchWaiter = w;
        try {
            return w.get(); // what the switch back passes, or what it throws in
        } finally {
            switchWaiter = null;
        }
    }

    /** Suspended in a switch, and nothing has switched back yet. */
    private boolean suspendedInSwitch() {
        Waiter<Object> w = switchWaiter;
        return w != null && !w.ready();
    }

    /** What a greenlet suspended in a switch waits for (a LoopExit names it). */
    private static final String SWITCH_BACK = "a switch back to the current greenlet";

    private static Object pack(Object[] args) {
        return args.length == 0 ? null : args.length == 1 ? args[0] : args.clone();
    }

    /**
     * Delivers {@code error} to this greenlet from a hub callback (a kill or a timeout): thrown at once
     * where it is parked on the hub, or at its next blocking point (a JDK blocking call is interrupted)
     * if it is busy or its waiter was already satisfied (it is about to run: the value it was woken
     * with is not lost, and neither is the error).
     */
    final void deliver(Throwable error) {
        if (dead) {
            return;
        }
        if (!started || !begun && !main) {
            pendingThrow = error; // its body never runs (checked when it gets its first turn)
            return;
        }
        Waiter<?> w = blockedOn; // a Waiter wait or a switch
        if (w != null && !w.ready()) {
            w.throwInto(error);
        } else if (isMain()) {
            pendingThrow = error;
            hub.loop().breakLoop();
        } else {
            // Busy, in a JDK blocking call, launched but not yet running, or woken (its waiter or
            // switch already holds a value) but not yet resumed: it gets the error at its next
            // blocking point, never lost.
            pendingThrow = error;
            Thread t = thread;
            if (t != null && t != Thread.currentThread()) {
                t.interrupt();
            }
        }
    }

    /**
     * Takes back {@code error} if it is still waiting for this greenlet's next blocking point (a
     * cancelled {@code Timeout} that had expired while the greenlet was busy or in a JDK call).
     */
    final boolean withdraw(Throwable error) {
        if (pendingThrow != error || error == null) {
            return false;
        }
        pendingThrow = null;
        if (!main && thread == Thread.currentThread()) {
            Thread.interrupted(); // the interrupt that carried it, if still unseen
        }
        return true;
    }

    /** Throws the pending kill or timeout, if any; called at blocking points. */
    final void checkPendingThrow() {
        Throwable t = pendingThrow;
        if (t != null) {
            pendingThrow = null;
            if (!isMain()) {
                Thread.interrupted(); // the interrupt that carried it is consumed with it
            }
            throw Waiter.sneaky(t);
        }
    }

    /**
     * Starts this greenlet's body in FIFO order with the other runnable greenlets (gevent's
     * {@code Greenlet.start}); safe from any thread.
     *
     * @throws IllegalStateException if it was started already
     */
    protected final void launch() {
        launch(false);
    }

    /**
     * Starts this greenlet's body right after the loop callback (or greenlet) running now, before
     * everything else runnable: the start gevent's hub makes when it switches to a new greenlet from
     * a callback. Hub thread only.
     *
     * @throws IllegalStateException if it was started already
     */
    protected final void launchNext() {
        hub.checkHubThread();
        launch(true);
    }

    private void launch(boolean next) {
        synchronized (this) {
            if (started) {
                throw new IllegalStateException(this + " was already started");
            }
            started = true;
        }
        try {
            hub.startThread(this, next);
        } catch (RuntimeException | Error e) {
            started = false;
            throw e;
        }
    }

    /**
     * Ends a greenlet whose body has not had its first turn (never started, or started and still
     * waiting to run), as if its body had died of {@code error} at once: gevent's kill before start. Its
     * body never runs. Hub thread only.
     *
     * @return false if its body had begun (or it is dead already)
     * @param error the exception
     */
    protected final boolean finishUnstarted(Throwable error) {
        hub.checkHubThread();
        synchronized (this) {
            if (begun || dead || main) {
                return false;
            }
            started = true; // a later start() is refused
        }
        dead = true; // when its virtual thread gets its turn, it ends at once
        pendingThrow = null;
        try {
            finished(null, error);
        } catch (Throwable t) {
            hub.handleError(this, t);
        }
        return true;
    }

    /** The virtual thread's code. */
    final void body() {
        ScopedValue.where(Hub.CURRENT, this).run(this::runBody);
    }

    private void runBody() {
        if (dead) {
            return; // killed before its first turn (finishUnstarted): the body never runs
        }
        begun = true;
        hub.live++;
        hub.linkLive(this);
        Object result = null;
        Throwable failure = null;
        try {
            Throwable early = pendingThrow;
            if (early != null) {
                pendingThrow = null;
                Thread.interrupted(); // the interrupt that may have carried it
                failure = early; // killed before it started: the run function never runs
            } else {
                Object[] args = startArgs;
                startArgs = NO_ARGS;
                result = run(args);
            }
        } catch (Throwable t) {
            failure = t;
        }
        // A kill that arrived while the greenlet was finishing, or that surfaced as an interrupt.
        Throwable late = pendingThrow;
        if (late != null) {
            pendingThrow = null;
            Thread.interrupted();
            if (failure instanceof InterruptedException || failure != null && failure.getCause() instanceof InterruptedException) {
                failure = late;
            }
        }
        hub.live--;
        hub.unlinkLive(this);
        if (failure != null && !(failure instanceof GreenletExit)) {
            hub.countFailure();
        }
        HubEvents.exited(this, failure);
        dead = true;
        try {
            finished(result, failure);
        } catch (Throwable t) {
            hub.handleError(this, t);
        }
    }

    /**
     * Called in the dying greenlet once its run function ended. The default passes the result, or
     * the exception ({@link GreenletExit} counts as a result), to the parent with a switch; with no
     * parent an escaping exception is reported to the hub.
     *
     * @param result the result
     * @param failure the exception
     */
    protected void finished(Object result, Throwable failure) {
        if (failure instanceof GreenletExit) {
            result = failure;
            failure = null;
        }
        RawGreenlet p = parent;
        while (p != null && p.dead) {
            p = p.parent;
        }
        if (p == null) {
            if (failure != null) {
                hub.handleError(this, failure);
            }
            return;
        }
        if (p.suspendedInSwitch()) {
            p.switchWaiter.deliverNow(result, failure);
        } else if (failure != null) {
            hub.handleError(this, failure); // the parent is not waiting for us: do not lose the error
        }
    }

    @Override
    public String toString() {
        String state = isMain() ? "main" : dead ? "dead" : started ? "started" : "new";
        return getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(this)) + "["
                + state + (adopted ? ", adopted " + thread : "") + "]";
    }
}
