package io.gevent4j.hub;

import io.gevent4j.loop.Loop;

import java.util.concurrent.TimeUnit;

/**
 * The one waiting protocol (gevent's {@code Waiter}): a greenlet calls {@link #get()} and parks until
 * something calls {@link #switchTo(Object)} (the value is returned) or {@link #throwInto(Throwable)} (the
 * exception is thrown). A value or exception delivered before {@code get()} is kept, so there is no
 * lost wake-up whichever comes first. Typical use: start a watcher whose callback is the waiter's
 * {@link #switchNull()}, call {@code get()}, stop the watcher in {@code finally}.
 *
 * <p>A waiter is for one waiting greenlet and one delivery: the first {@code switchTo}/{@code throwInto}
 * wins and later ones are ignored. {@code switchTo} and {@code throwInto} may be called from any
 * thread (from another thread they are queued on the hub's loop). While a greenlet is parked in
 * {@code get()}, a kill or {@code Timeout} aimed at it is delivered through {@code throwInto}; if the
 * waiter already holds a delivery the greenlet has not picked up yet, the kill or timeout is kept for
 * the greenlet's next blocking point instead of being lost. {@link #await} only reports that something
 * was delivered: callers whose waiter only ever receives a value must call {@link #get()} after it to
 * let such a kill or timeout out.
 *
 * <p>States: <em>empty</em> → (a greenlet calls get/await) <em>waiting</em> → (switchTo, throwInto,
 * its timeout, or a kill aimed at the waiting greenlet) <em>ready</em> or <em>timed out</em> → (get or
 * await returns) the greenlet goes on; or <em>empty</em> → <em>ready</em> when the delivery comes
 * first. A ready waiter stays ready: a later delivery is ignored, and get() returns the same outcome
 * again.
 *
 * @param <T> the result type
 */
public final class Waiter<T> implements Runnable {
    private final Hub hub;
    private boolean ready;
    private T value;
    private Throwable error;
    private RawGreenlet waiting;
    private boolean timedOut;
    /** What the waiting greenlet waits for, as a {@link LoopExit} and run info name it; null: this waiter. */
    private final Object what;

    /** A waiter on the calling thread's hub. */
    public Waiter() {
        this(Hub.current());
    }

    /**
     * A waiter on {@code hub}.
     *
     * @param hub the hub
     */
    public Waiter(Hub hub) {
        this(hub, null);
    }

    /**
     * A waiter on {@code hub} for something ({@code waitingFor}, a watcher, an event, a queue...): what
     * {@link LoopExit} messages and run info show the waiting greenlet waits for ({@code toString()} is
     * called only then).
     *
     * @param hub the hub
     * @param waitingFor what the waiter waits for
     */
    public Waiter(Hub hub, Object waitingFor) {
        this.hub = java.util.Objects.requireNonNull(hub, "hub");
        this.what = waitingFor;
    }

    /** {@return the hub this waiter belongs to} */
    public Hub hub() {
        return hub;
    }

    /**
     * True while the hub's main greenlet (its owner thread) is the one waiting.
     *
     * @return whether the hub's main greenlet (its owner thread) is the one waiting
     */
    public boolean mainWaiting() {
        RawGreenlet g = waiting;
        return g != null && g.isMain();
    }

    /**
     * True when a value or exception was delivered.
     *
     * @return whether a value or exception was delivered
     */
    public boolean ready() {
        return ready;
    }

    /** {@return true when a value (not an exception) was delivered} */
    public boolean successful() {
        return ready && error == null;
    }

    /** {@return the delivered value, or null} */
    public T value() {
        return value;
    }

    /** {@return the delivered exception, or null} */
    public Throwable exception() {
        return error;
    }

    /** {@return a callback that delivers {@code null}: the usual watcher callback (this waiter itself)} */
    public Runnable switchNull() {
        return this;
    }

    /** Delivers {@code null} (gevent's waiter is callable the same way): {@code switchTo(null)}. */
    @Override
    public void run() {
        switchTo(null);
    }

    /**
     * Wakes the waiting greenlet with {@code value}. Ignored if something was already delivered.
     *
     * @param value the value
     */
    public void switchTo(T value) {
        if (!hub.inHubThread()) {
            hub.loop().execute(() -> switchTo(value));
            return;
        }
        if (ready) {
            return;
        }
        this.value = value;
        ready = true;
        wake();
    }

    /**
     * Wakes the waiting greenlet by throwing {@code error} in it. Ignored if something was already delivered.
     *
     * @param error the exception
     */
    public void throwInto(Throwable error) {
        if (!hub.inHubThread()) {
            hub.loop().execute(() -> throwInto(error));
            return;
        }
        if (ready) {
            return;
        }
        this.error = error;
        ready = true;
        wake();
    }

    /** Resumes the waiting greenlet: from a loop callback at once (next), from a greenlet behind the runnable ones. */
    private void wake() {
        wake(hub.inCallback());
    }

    private void wake(boolean next) {
        RawGreenlet g = waiting;
        if (g != null) {
            hub.resume(g, next);
        }
    }

    /**
     * A raw switch: delivers {@code value} (or {@code error}) and makes the waiting greenlet run next,
     * before everything queued. Hub thread only; ignored if something was delivered already.
     */
    void deliverNow(T value, Throwable error) {
        if (ready) {
            return;
        }
        this.value = value;
        this.error = error;
        ready = true;
        wake(true);
    }

    /**
     * Parks the calling greenlet until a delivery, then returns the value or throws the exception (an
     * exception thrown in is rethrown as is, checked or not).
     *
     * @return the result
     * @throws IllegalStateException if another greenlet is already waiting on this waiter, or the
     *                               caller is not on the hub's thread
     */
    public T get() {
        await(-1);
        if (error != null) {
            throw sneaky(error);
        }
        return value;
    }

    /**
     * Parks the calling greenlet until a delivery or until {@code timeout} passes.
     *
     * @param timeout how long to wait at most
     * @param unit the unit of {@code after} and {@code repeat}
     * @return true if something was delivered (then {@link #get()} returns at once), false on timeout
     */
    public boolean await(long timeout, TimeUnit unit) {
        return await(Math.max(0, unit.toNanos(timeout)));
    }

    /**
     * Parks the calling greenlet until a delivery or until {@code timeout} passes; null waits forever.
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return true if something was delivered, false on timeout
     */
    public boolean await(java.time.Duration timeout) {
        return await(Hub.nanos(timeout));
    }

    /** {@code nanos < 0}: no timeout. */
    boolean await(long nanos) {
        hub.checkHubThread();
        RawGreenlet cur = RawGreenlet.getcurrent();
        cur.checkPendingThrow();
        if (ready) {
            return true;
        }
        if (waiting != null) {
            throw new IllegalStateException("a greenlet is already waiting on this waiter: " + waiting);
        }
        if (nanos == 0) {
            return false;
        }
        Loop loop = hub.loop();
        var timer = nanos > 0 ? loop.timer(nanos, 0) : null;
        timedOut = false;
        if (timer != null) {
            timer.start(() -> {
                timedOut = true;
                wake();
            });
        }
        waiting = cur;
        cur.blockedOn = this;
        try {
            hub.block(cur, this);
        } finally {
            waiting = null;
            cur.blockedOn = null;
            if (timer != null) {
                timer.close();
            }
        }
        if (!ready) {
            cur.checkPendingThrow();
        }
        return ready;
    }

    /** What the parked greenlet waits for: a delivery, its timeout, or a kill aimed at it. */
    boolean satisfied(RawGreenlet cur) {
        return ready || timedOut || cur.pendingThrow != null;
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    @Override
    public String toString() {
        if (what != null && !ready) {
            return String.valueOf(what);
        }
        return "Waiter[" + (ready ? (error != null ? "error=" + error : "value=" + value) : "empty") + "]";
    }
}
