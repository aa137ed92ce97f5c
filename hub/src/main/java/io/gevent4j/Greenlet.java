package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;
import io.gevent4j.hub.Waitable;
import io.gevent4j.loop.TimerWatcher;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * gevent's {@code Greenlet}: a task running in its own greenlet on a hub, with a result.
 *
 * <p>Lifecycle: created → {@link #start() started} (runnable; its body begins at its first turn) →
 * running or blocked → ready (dead). It ends with a value (what the task returned) or an exception
 * (which the hub reports once, see {@link Hub#handleError}, and which is kept). A greenlet that dies of
 * a {@link GreenletExit} kill counts as successful, as in gevent; gevent stores the
 * {@code GreenletExit} as its value, which a {@code T}-typed value cannot hold in Java, so here
 * {@link #value()} is null and {@link #killedBy()} returns it. An exception never kills the hub.
 *
 * <h2>Results and exceptions</h2>
 * {@link #get()} returns the value or throws the exception the greenlet died of by the library's one
 * rule: an unchecked exception or error as itself; a checked one wrapped in a
 * {@link CompletionException} (Java cannot rethrow a checked exception that {@code get()} does not
 * declare), unless the caller names the checked type it expects with {@link #get(Class)}, which
 * throws it as itself. {@link #join()} only waits and never throws the greenlet's exception.
 *
 * <h2>Killing</h2>
 * {@link #kill()} raises a {@link GreenletExit} in the greenlet where it is blocked and waits for it to
 * die; {@link #killAsync()} does not wait. As in gevent, a greenlet whose body has not had its first turn
 * never runs at all, and otherwise the kill is delivered by a hub callback queued behind whatever is
 * already runnable: a greenlet that was already woken (it did {@code sleep(0)}, its socket became
 * readable) runs up to its next blocking point first. {@code GreenletExit} is an {@link Error}, so a
 * {@code catch (Exception e)} in the greenlet cannot swallow it.
 *
 * <h2>Links</h2>
 * {@link #rawlink(Runnable)} callbacks and the greenlets waiting in {@link #join()}/{@link #get()} are
 * notified in the order they were added, by one hub callback queued when the greenlet dies (gevent's
 * order). {@link #link(Consumer)} callbacks each run in a new greenlet that starts at once, before the
 * next link is notified - so a link runs before a {@code join()} that was called after it returns.
 * Links added after death still fire.
 *
 * <p>{@link #start()}, kills, {@link #join()}, {@link #get()}, links and the state getters are safe from
 * any thread; joining from another thread waits on that thread's own hub.
 *
 * @param <T> the result type
 */
public class Greenlet<T> extends RawGreenlet implements Waitable {
    private static final AtomicLong IDS = new AtomicLong();

    private final Callable<? extends T> task;
    private final Links links;
    private volatile String name;
    private volatile boolean ready;
    private volatile T value;
    private volatile Throwable exception;
    private volatile GreenletExit killedBy;
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
        this.links = new Links(hub, this);
    }

    /**
     * An unstarted greenlet running a task without a result (which may throw checked exceptions).
     *
     * @param task the code to run
     * @return this
     */
    public static Greenlet<Void> of(ThrowingRunnable<?> task) {
        return new Greenlet<>(callable(task));
    }

    static Callable<Void> callable(ThrowingRunnable<?> task) {
        Objects.requireNonNull(task, "task");
        return () -> {
            task.run();
            return null;
        };
    }

    /**
     * Creates and starts a greenlet (gevent's {@code Greenlet.spawn}).
     *
     * @param <T> the type of the result
     * @param task the code to run
     * @return the greenlet, started
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
        links.checkAndNotify();
    }

    // ------------------------------------------------------------------ links

    /** Calls {@code callback} in a hub callback once the greenlet is ready (soon, if it is). */
    @Override
    public void rawlink(Runnable callback) {
        links.add(callback);
    }

    @Override
    public boolean unlink(Runnable callback) {
        return links.remove(callback);
    }

    /**
     * Runs {@code callback(this)} in a new greenlet when this one is ready.
     *
     * @param callback the code to run
     */
    public void link(Consumer<? super Greenlet<T>> callback) {
        rawlink(new SpawnedLink<>(this, callback, SpawnedLink.ALWAYS));
    }

    /**
     * Like {@link #link} but only if the greenlet ended successfully.
     *
     * @param callback the code to run
     */
    public void linkValue(Consumer<? super Greenlet<T>> callback) {
        rawlink(new SpawnedLink<>(this, callback, SpawnedLink.ON_SUCCESS));
    }

    /**
     * Like {@link #link} but only if the greenlet died of an exception.
     *
     * @param callback the code to run
     */
    public void linkException(Consumer<? super Greenlet<T>> callback) {
        rawlink(new SpawnedLink<>(this, callback, SpawnedLink.ON_FAILURE));
    }

    /**
     * Removes a callback added by {@link #link}, {@link #linkValue} or {@link #linkException}.
     *
     * @param callback the code to run
     * @return whether the callback was still registered
     */
    public boolean unlink(Consumer<? super Greenlet<T>> callback) {
        return links.remove(new SpawnedLink<>(this, callback, SpawnedLink.ALWAYS));
    }

    /** gevent's {@code SpawnedLink}: called by the notification, it starts a greenlet that runs at once. */
    private static final class SpawnedLink<T> implements Runnable {
        static final int ALWAYS = 0;
        static final int ON_SUCCESS = 1;
        static final int ON_FAILURE = 2;
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
            if (mode == ON_SUCCESS && !source.successful() || mode == ON_FAILURE && source.successful()) {
                return;
            }
            new Greenlet<>(source.hub(), () -> {
                callback.accept(source);
                return null;
            }).launchNext();
        }

        /** Equal to any link of the same callback, whatever the mode (so unlink(callback) finds it). */
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

    /** Waits until the greenlet is ready. Never throws the greenlet's exception. */
    public void join() {
        if (!ready) {
            links.await(-1);
        }
    }

    /**
     * Waits until the greenlet is ready or {@code timeout} passed.
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return whether it is ready
     */
    public boolean join(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (ready) {
            return true;
        }
        long nanos = Sync.nanos(true, timeout);
        if (nanos != 0) {
            links.await(nanos);
        }
        return ready;
    }

    /**
     * Waits for the result (null after a {@link GreenletExit} kill); throws the exception the greenlet
     * died of: unchecked as itself, checked wrapped in a {@link CompletionException}.
     *
     * @return the result
     */
    public T get() {
        join();
        return result();
    }

    /**
     * Waits up to {@code timeout} for the result; see {@link #get()}. {@code Duration.ZERO} does not
     * wait (gevent's {@code get(block=False)}).
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return the greenlet's result
     * @throws Timeout if it is not ready in time
     */
    public T get(Duration timeout) {
        if (!join(timeout)) {
            throw new Timeout(timeout);
        }
        return result();
    }

    /**
     * Waits for the result; if the greenlet died of an {@code X}, throws it as itself, so that the caller
     * catches it by its type ({@code g.get(IOException.class)} in a {@code try ... catch (IOException e)});
     * any other exception as {@link #get()} does.
     *
     * @param <X> the checked exception the code may throw
     * @param checked the checked exception type to throw as itself
     * @return the result
     * @throws X what the task throws
     */
    public <X extends Exception> T get(Class<X> checked) throws X {
        join();
        Throwable e = exception;
        if (e != null) {
            throw Rethrow.as(e, checked);
        }
        return value;
    }

    private T result() {
        Throwable e = exception;
        if (e != null) {
            throw Rethrow.unchecked(e);
        }
        return value;
    }

    // ------------------------------------------------------------------ killing

    /** Kills with {@link GreenletExit} and waits for the death. Never throws for the greenlet's sake. */
    public void kill() {
        kill(new GreenletExit(), null);
    }

    /**
     * Kills with {@link GreenletExit} and waits up to {@code timeout} for the death.
     *
     * @param timeout how long to wait at most
     */
    public void kill(Duration timeout) {
        kill(new GreenletExit(), Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Raises {@code exception} in the greenlet and waits for the death.
     *
     * @param exception what to raise
     */
    public void kill(Throwable exception) {
        kill(exception, null);
    }

    /**
     * Raises {@code exception} in the greenlet and waits up to {@code timeout} for the death.
     *
     * @param exception what to raise
     * @param timeout how long to wait at most
     */
    public void kill(Throwable exception, Duration timeout) {
        killAsync(exception);
        if (timeout == null) {
            join();
        } else {
            join(timeout); // a kill or timeout aimed at the caller propagates: it is not ours to swallow
        }
    }

    /** Kills with {@link GreenletExit} without waiting. */
    public void killAsync() {
        killAsync(new GreenletExit());
    }

    /**
     * Raises {@code exception} in the greenlet without waiting: its {@code finally} blocks run. A
     * greenlet whose body has not had its first turn never runs; otherwise the exception is delivered
     * by a hub callback queued behind what is already runnable (gevent's order). Safe from any thread.
     *
     * @param exception what to raise
     */
    public void killAsync(Throwable exception) {
        Objects.requireNonNull(exception, "exception");
        if (ready) {
            return;
        }
        onHub(() -> {
            if (startTimer != null) {
                startTimer.close();
                startTimer = null;
            }
            if (!finishUnstarted(exception)) { // before its first turn it ends at once and never runs
                hub().loop().runCallback(() -> hub().throwTo(this, exception));
            }
        });
    }

    @Override
    public String toString() {
        String state = ready ? (exception != null ? "failed: " + exception : "dead") : started() ? "started" : "new";
        return "<Greenlet \"" + getName() + "\" " + state + ">";
    }
}
