package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;
import io.gevent4j.hub.Waitable;
import io.gevent4j.hub.Waiter;
import io.gevent4j.loop.TimerWatcher;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * gevent's {@code Greenlet}: a task running in its own greenlet on a hub, with a result.
 *
 * <p>Lifecycle: created → {@link #start() started} (runnable, then running or blocked) → ready
 * (dead). It ends with a value (what the task returned) or an exception (which the hub logs once and
 * stores). A greenlet that dies of a {@link GreenletExit} kill counts as successful, as in gevent;
 * gevent stores the {@code GreenletExit} as its value, which a {@code T}-typed value cannot hold in
 * Java, so here {@link #value()} is null and {@link #killedBy()} returns the {@code GreenletExit}.
 * An exception never kills the hub. A greenlet killed before it started never runs its task.
 *
 * <p>Links: {@link #rawlink(Runnable)} callbacks run in a hub callback once the greenlet is ready, in
 * the order added; {@link #link(Consumer)} callbacks each run in a new greenlet. Links added after
 * death still fire.
 *
 * <p>{@link #start()}, {@link #kill()}, {@link #join()}, {@link #get()}, links and the state getters
 * are safe from any thread; joining from another thread waits on that thread's own hub.
 *
 * @param <T> the result type
 */
public class Greenlet<T> extends RawGreenlet implements Waitable {
    private static final AtomicLong IDS = new AtomicLong();

    private final Callable<? extends T> task;
    private volatile String name;
    private volatile boolean ready;
    private volatile T value;
    private volatile Throwable exception;
    private volatile GreenletExit killedBy;
    /** Allocated by the first link: most greenlets never get one. */
    private volatile CopyOnWriteArrayList<Runnable> links;
    private TimerWatcher startTimer;

    /**
     * A greenlet of the current thread's hub that will run {@code task}; call {@link #start()}.
     *
     * @param task the code to run
     */
    public Greenlet(Callable<? extends T> task) {
        this(Hub.current(), task);
    }

    /**
     * A greenlet of {@code hub} that will run {@code task}.
     *
     * @param hub the hub
     * @param task the code to run
     */
    public Greenlet(Hub hub, Callable<? extends T> task) {
        super(hub, null);
        this.task = Objects.requireNonNull(task, "task");
    }

    /**
     * {@return a greenlet running a task without a result}
     *
     * @param task the code to run
     */
    public static Greenlet<Void> of(Runnable task) {
        Objects.requireNonNull(task, "task");
        return new Greenlet<>(() -> {
            task.run();
            return null;
        });
    }

    /**
     * Creates and starts a greenlet (gevent's {@code Greenlet.spawn}).
     *
     * @param <T> the type of the result
     * @param task the code to run
     * @return the started greenlet
     */
    public static <T> Greenlet<T> spawn(Callable<? extends T> task) {
        Greenlet<T> g = new Greenlet<>(task);
        g.start();
        return g;
    }

    @Override
    protected Object run(Object[] args) throws Exception {
        return task.call();
    }

    /**
     * Schedules the greenlet to run: it runs after the greenlets that are already runnable.
     *
     * @throws IllegalStateException if it was started already
     * @return this
     */
    public Greenlet<T> start() {
        launch();
        return this;
    }

    /**
     * Schedules the greenlet to start after {@code delay} (gevent's {@code start_later}). Safe from any
     * thread; killing it before then cancels the start.
     *
     * @param delay how long to wait before it starts
     * @return this
     */
    public Greenlet<T> startLater(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative delay: " + delay);
        }
        onHub(() -> {
            if (started() || startTimer != null) {
                throw new IllegalStateException(this + " was already started");
            }
            TimerWatcher t = hub().loop().timer(delay.toNanos(), 0);
            startTimer = t;
            t.start(() -> {
                startTimer = null;
                t.close();
                if (!started()) {
                    launch();
                }
            });
        });
        return this;
    }

    private void onHub(Runnable r) {
        if (hub().inHubThread()) {
            r.run();
        } else {
            hub().loop().execute(r);
        }
    }

    /** {@return the greenlet's name (default {@code Greenlet-N})} */
    public String getName() {
        String n = name;
        if (n == null) {
            n = name = "Greenlet-" + IDS.incrementAndGet();
        }
        return n;
    }

    /**
     * Sets the greenlet's name.
     *
     * @param name the new name
     * @return this greenlet
     */
    public Greenlet<T> setName(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    // ------------------------------------------------------------------ state

    /** True once the greenlet ended (or was killed before it started). */
    @Override
    public boolean ready() {
        return ready;
    }

    /** {@return true when it ended without an exception (a {@link GreenletExit} kill counts as success)} */
    public boolean successful() {
        return ready && exception == null;
    }

    /** {@return the result, or null before the end, after a failure or after a kill} */
    public T value() {
        return value;
    }

    /** {@return the {@link GreenletExit} that ended it (a successful death), or null} */
    public GreenletExit killedBy() {
        return killedBy;
    }

    /** {@return the exception it died of, or null} */
    public Throwable exception() {
        return exception;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void finished(Object result, Throwable failure) {
        if (failure instanceof GreenletExit exit) {
            killedBy = exit;
        } else if (failure != null) {
            exception = failure;
            hub().handleError(this, failure);
        } else {
            value = (T) result;
        }
        ready = true;
        if (startTimer != null) {
            startTimer.close();
            startTimer = null;
        }
        CopyOnWriteArrayList<Runnable> l = links;
        if (l != null && !l.isEmpty()) {
            hub().loop().execute(this::notifyLinks);
        }
    }

    private CopyOnWriteArrayList<Runnable> links() {
        CopyOnWriteArrayList<Runnable> l = links;
        if (l == null) {
            synchronized (this) {
                l = links;
                if (l == null) {
                    l = links = new CopyOnWriteArrayList<>();
                }
            }
        }
        return l;
    }

    private void notifyLinks() {
        CopyOnWriteArrayList<Runnable> links = links();
        for (Runnable r : links) {
            if (links.remove(r)) {
                try {
                    r.run();
                } catch (Throwable t) {
                    hub().handleError(r, t);
                }
            }
        }
    }

    // ------------------------------------------------------------------ links

    /** Runs {@code callback} in a hub callback when the greenlet is ready (at once-ish if it is). */
    @Override
    public void rawlink(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        CopyOnWriteArrayList<Runnable> links = links();
        links.add(callback);
        if (ready && links.remove(callback)) {
            hub().loop().execute(() -> {
                try {
                    callback.run();
                } catch (Throwable t) {
                    hub().handleError(callback, t);
                }
            });
        }
    }

    @Override
    public boolean unlink(Runnable callback) {
        CopyOnWriteArrayList<Runnable> l = links;
        return l != null && l.remove(callback);
    }

    /**
     * Runs {@code callback(this)} in a new greenlet when this one is ready.
     *
     * @param callback the code to run
     */
    public void link(Consumer<? super Greenlet<T>> callback) {
        rawlink(new SpawnedLink<>(this, callback, 0));
    }

    /**
     * Like {@link #link} but only if the greenlet ended successfully.
     *
     * @param callback the code to run
     */
    public void linkValue(Consumer<? super Greenlet<T>> callback) {
        rawlink(new SpawnedLink<>(this, callback, 1));
    }

    /**
     * Like {@link #link} but only if the greenlet died of an exception.
     *
     * @param callback the code to run
     */
    public void linkException(Consumer<? super Greenlet<T>> callback) {
        rawlink(new SpawnedLink<>(this, callback, 2));
    }

    /**
     * Removes a callback added by {@link #link}, {@link #linkValue} or {@link #linkException}.
     *
     * @param callback the code to run
     * @return whether the callback was still registered
     */
    public boolean unlink(Consumer<? super Greenlet<T>> callback) {
        CopyOnWriteArrayList<Runnable> l = links;
        return l != null && l.remove(new SpawnedLink<>(this, callback, 0));
    }

    private static final class SpawnedLink<T> implements Runnable {
        final Greenlet<T> source;
        final Consumer<? super Greenlet<T>> callback;
        final int mode;

        SpawnedLink(Greenlet<T> source, Consumer<? super Greenlet<T>> callback, int mode) {
            this.source = source;
            this.callback = Objects.requireNonNull(callback, "callback");
            this.mode = mode;
        }

        @Override
        public void run() {
            if (mode == 1 && !source.successful() || mode == 2 && source.successful()) {
                return;
            }
            new Greenlet<>(source.hub(), () -> {
                callback.accept(source);
                return null;
            }).start();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SpawnedLink<?> s && s.callback == callback;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(callback);
        }
    }

    // ------------------------------------------------------------------ waiting

    /** Waits until the greenlet is ready. */
    public void join() {
        join(null);
    }

    /**
     * Waits until the greenlet is ready or {@code timeout} passed (null: no limit).
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return whether it is ready
     */
    public boolean join(Duration timeout) {
        if (ready) {
            return true;
        }
        Hub here = Hub.current();
        Waiter<Object> waiter = new Waiter<>(here);
        Runnable link = waiter.switchNull();
        AutoCloseable external = here != hub() ? here.externalWait() : null;
        rawlink(link);
        try {
            // Re-check: if it died since the check above, the link goes through its hub's loop, which
            // may not run again soon (its owner may be blocked in a JDK call waiting for us).
            if (!ready && waiter.await(timeout)) {
                waiter.get(); // the link delivers null; anything else is a kill or timeout thrown at us
            }
        } finally {
            unlink(link);
            if (external != null) {
                try {
                    external.close();
                } catch (Exception ignored) {
                    // cannot fail
                }
            }
        }
        return ready;
    }

    /**
     * Waits for the result (null after a {@link GreenletExit} kill); rethrows the exception the greenlet died of.
     *
     * @return the greenlet's result
     */
    public T get() {
        return get(null);
    }

    /**
     * Waits up to {@code timeout} for the result; rethrows the exception the greenlet died of.
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return the greenlet's result
     * @throws Timeout if it is not ready in time
     */
    public T get(Duration timeout) {
        if (!join(timeout)) {
            throw new Timeout(timeout);
        }
        Throwable e = exception;
        if (e != null) {
            throw Gevent.sneaky(e);
        }
        return value;
    }

    // ------------------------------------------------------------------ killing

    /** Kills with {@link GreenletExit} and waits for the death. */
    public void kill() {
        kill(new GreenletExit(), true, null);
    }

    /**
     * Raises {@code exception} in the greenlet at its blocking point (its {@code finally} blocks run);
     * a greenlet not started yet never runs. With {@code block}, waits up to {@code timeout} (null: no
     * limit) for it to die. Never throws, whatever happens to the greenlet.
     *
     * @param exception the exception
     * @param block whether to wait until the greenlet is dead
     * @param timeout how long to wait with {@code block} (null: no limit)
     */
    public void kill(Throwable exception, boolean block, Duration timeout) {
        Objects.requireNonNull(exception, "exception");
        if (ready) {
            return;
        }
        onHub(() -> {
            if (startTimer != null) {
                startTimer.close();
                startTimer = null;
            }
            if (!finishUnstarted(exception)) {
                // At once, not from a later callback: a greenlet spawned but not yet running must
                // find the kill before its task starts (then it never runs).
                hub().throwTo(this, exception);
            }
        });
        if (block) {
            try {
                join(timeout);
            } catch (Timeout | GreenletExit e) {
                throw e; // the caller's own timeout or kill: not ours to swallow
            } catch (RuntimeException ignored) {
                // kill() never throws for the target's sake
            }
        }
    }

    @Override
    public String toString() {
        String state = ready ? (exception != null ? "failed: " + exception : "dead") : started() ? "started" : "new";
        return "<Greenlet \"" + getName() + "\" " + state + ">";
    }
}
