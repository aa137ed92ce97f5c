package io.gevent4j;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.Waitable;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A value or an exception that will arrive later (gevent's {@code AsyncResult}): an {@link Event} that
 * carries a result.
 *
 * <p>States: <em>pending</em> → <em>ready</em>, either <em>successful</em> ({@link #set(Object)}) or
 * <em>failed</em> ({@link #setException(Throwable)}). Every greenlet waiting in {@link #get()} or
 * {@link #await()} is woken, oldest first. As in gevent, setting a ready result again replaces its
 * value or exception (waiters that already returned keep what they got); a
 * {@link #toCompletableFuture() CompletableFuture} view keeps the first outcome.
 *
 * <p>{@link #get()} returns the value or throws the exception by the library's one rule: an unchecked
 * exception or error as itself, a checked one wrapped in a {@link CompletionException};
 * {@link #get(Class)} throws a checked exception of the named type as itself, so that
 * {@code catch (IOException e)} compiles. {@link #get(Duration)} throws {@link Timeout} when the time
 * runs out; {@link #await(Duration)} returns whether it became ready and never throws for the time. {@link #rawlink(Runnable)} callbacks
 * (used by {@link Gevent#await} and {@link Gevent#iwait}) are one-shot and run in a callback on the hub
 * the result belongs to.
 *
 * <p>Thread-safety: all methods may be called from any thread; a thread that waits runs its own hub
 * meanwhile. A result completed by another thread ({@link ThreadPool#spawn}, {@link #from}) keeps its
 * hub alive until it is ready, so waiting for it never ends in {@link io.gevent4j.hub.LoopExit}. A kill or
 * {@link Timeout} aimed at a waiting greenlet is raised from the wait and leaves the result unchanged.
 *
 * @param <T> the value type
 */
public final class AsyncResult<T> implements Waitable {
    final Links links;
    private volatile boolean ready;
    private volatile T value;
    private volatile Throwable exception;
    private CompletableFuture<T> future;
    /** Held on the hub while another thread is expected to complete this result. */
    private AutoCloseable keepAlive;

    /** A pending result belonging to the current thread's hub. */
    public AsyncResult() {
        this(Hub.current());
    }

    /**
     * A pending result belonging to {@code hub}.
     *
     * @param hub the hub
     */
    public AsyncResult(Hub hub) {
        this.links = new Links(hub, this);
    }

    /**
     * {@return a result completed by {@code stage}; while the stage is pending, the current hub counts it as
     * an external wait (no {@link io.gevent4j.hub.LoopExit})} A {@link CompletionException} wrapper is
     * unwrapped.
     *
     * @param <T> the type of the result
     * @param stage the stage whose outcome completes the result
     */
    public static <T> AsyncResult<T> from(CompletionStage<? extends T> stage) {
        Objects.requireNonNull(stage, "stage");
        AsyncResult<T> r = new AsyncResult<>(Hub.current());
        r.expectExternalCompletion();
        stage.whenComplete((v, e) -> {
            if (e == null) {
                r.set(v);
            } else {
                r.setException(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            }
        });
        return r;
    }

    /**
     * Announces (on the hub's thread) that another thread will complete this result: the hub counts an
     * external wait until it is ready.
     */
    void expectExternalCompletion() {
        links.shared = true;
        AutoCloseable handle = links.hub().externalWait();
        boolean already;
        synchronized (this) {
            already = ready;
            if (!already) {
                keepAlive = handle;
            }
        }
        if (already) {
            Sync.close(handle);
        }
    }

    /**
     * Makes the result successful with {@code value} and wakes the waiters.
     *
     * @param value the value
     */
    public void set(T value) {
        complete(value, null);
    }

    /**
     * Makes the result failed with {@code exception} and wakes the waiters.
     *
     * @param exception the exception
     */
    public void setException(Throwable exception) {
        complete(null, Objects.requireNonNull(exception, "exception"));
    }

    private void complete(T v, Throwable e) {
        links.touch();
        CompletableFuture<T> f;
        AutoCloseable release;
        synchronized (this) {
            value = v;
            exception = e;
            ready = true;
            f = future;
            release = keepAlive;
            keepAlive = null;
        }
        links.checkAndNotify();
        if (release != null) {
            Hub hub = links.hub();
            if (hub.inHubThread()) {
                Sync.close(release);
            } else {
                try {
                    hub.loop().execute(() -> Sync.close(release));
                } catch (java.util.concurrent.RejectedExecutionException ignored) {
                    // the hub was destroyed: there is no wait left to release
                }
            }
        }
        if (f != null) {
            if (e == null) {
                f.complete(v);
            } else {
                f.completeExceptionally(e);
            }
        }
    }

    /** True once a value or an exception was set. */
    @Override
    public boolean ready() {
        return ready;
    }

    /** {@return true when ready with a value} */
    public boolean successful() {
        return ready && exception == null;
    }

    /** {@return the value, or null if not ready or failed} */
    public T value() {
        return value;
    }

    /** {@return the exception, or null if not ready or successful} */
    public Throwable exception() {
        return exception;
    }

    /**
     * Waits until ready; returns the value or throws the exception (unchecked as itself, checked in a {@link CompletionException}).
     *
     * @return the result
     */
    public T get() {
        awaitNanos(-1);
        return result();
    }

    /**
     * Waits until ready; returns the value, or throws the exception: as itself if it is an {@code X}
     * (so the caller catches it by its type), else as {@link #get()} does.
     *
     * @param <X> the checked exception the code may throw
     * @param checked the checked exception type to throw as itself
     * @return the result
     * @throws X what the task throws
     */
    public <X extends Exception> T get(Class<X> checked) throws X {
        awaitNanos(-1);
        Throwable e;
        T v;
        synchronized (this) {
            e = exception;
            v = value;
        }
        if (e != null) {
            throw Rethrow.as(e, checked);
        }
        return v;
    }

    /**
     * Waits up to {@code timeout}; returns the value or throws the exception as {@link #get()} does.
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return the result
     * @throws Timeout when not ready in time
     */
    public T get(Duration timeout) {
        if (!await(timeout)) {
            throw new Timeout(timeout);
        }
        return result();
    }

    /**
     * {@return the value if ready, else throws at once (gevent's {@code get_nowait})}
     *
     * @throws Timeout when not ready
     */
    public T getNowait() {
        if (!ready) {
            throw new Timeout(Duration.ZERO);
        }
        return result();
    }

    private T result() {
        Throwable e;
        T v;
        synchronized (this) {
            e = exception;
            v = value;
        }
        if (e != null) {
            throw Rethrow.unchecked(e);
        }
        return v;
    }

    /**
     * Waits until ready; returns true.
     *
     * @return true
     */
    public boolean await() {
        return awaitNanos(-1);
    }

    /**
     * Waits until ready or {@code timeout} passes ({@code Duration.ZERO}: only looks).
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return whether it is ready
     */
    public boolean await(Duration timeout) {
        return awaitNanos(Sync.nanos(true, Objects.requireNonNull(timeout, "timeout")));
    }

    private boolean awaitNanos(long nanos) {
        links.touch();
        if (ready) {
            return true;
        }
        if (nanos != 0) {
            links.await(nanos);
        }
        return ready;
    }

    /**
     * {@return a {@link CompletableFuture} completed with this result's first outcome (at once if it is
     * ready)} Its dependent actions run on the thread that completes this result. Completing the future does
     * not complete this result.
     */
    public CompletableFuture<T> toCompletableFuture() {
        synchronized (this) {
            if (future == null) {
                future = new CompletableFuture<>();
                if (ready) {
                    if (exception == null) {
                        future.complete(value);
                    } else {
                        future.completeExceptionally(exception);
                    }
                }
            }
            return future;
        }
    }

    @Override
    public void rawlink(Runnable callback) {
        links.touch();
        links.add(callback);
    }

    @Override
    public boolean unlink(Runnable callback) {
        return links.remove(callback);
    }

    @Override
    public Hub hub() {
        return links.hub();
    }

    /** Links not notified yet, waiters included (for leak checks). */
    int waiters() {
        return links.size();
    }

    @Override
    public String toString() {
        return "AsyncResult[" + (!ready ? "pending" : exception != null ? "failed: " + exception : "value=" + value)
                + "]";
    }
}
