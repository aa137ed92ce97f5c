package io.gevent4j;

import io.gevent4j.hub.Hub;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Real platform threads for work that would block a hub (gevent's {@code ThreadPool}): file I/O, a
 * blocking native call, a CPU-bound computation. {@link #spawn} runs a task on a pool thread and
 * returns an {@link AsyncResult} at once; waiting for it ({@link AsyncResult#get()}, {@link #apply},
 * {@link #map}) parks only the calling greenlet, and the hub keeps running the others meanwhile.
 *
 * <p>States: <em>running</em> → ({@link #shutdown()}) <em>shutting down</em> (queued and running tasks
 * finish; new ones are rejected) → <em>terminated</em>; {@link #shutdownNow()} (gevent's {@code kill})
 * also interrupts the running tasks and drops the queued ones. At most {@code maxsize} tasks run at
 * once; the others wait in FIFO order. Idle threads exit after a while, so an unused pool costs no
 * thread.
 *
 * <p>It is also an {@link java.util.concurrent.ExecutorService}: the {@code Future}s it returns wait
 * cooperatively too when {@code get()} is called in a greenlet or on a hub's owner thread (elsewhere
 * they block as usual), and {@link #awaitTermination} and {@link #close()} wait cooperatively as well.
 *
 * <p>While a task of {@link #spawn} is pending, the hub that spawned it counts an external wait, so
 * waiting for it never ends in {@link io.gevent4j.hub.LoopExit}. Killing a greenlet (or a
 * {@link Timeout}) while it waits for a result stops the wait, not the task. All methods may be called
 * from any thread.
 */
public final class ThreadPool extends AbstractExecutorService implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final int maxsize;
    private final ThreadPoolExecutor executor;

    /**
     * A pool running at most {@code maxsize} tasks at once.
     *
     * @param maxsize the most tasks running at once
     * @throws IllegalArgumentException if {@code maxsize < 1}
     */
    public ThreadPool(int maxsize) {
        if (maxsize < 1) {
            throw new IllegalArgumentException("thread pool size must be >= 1: " + maxsize);
        }
        this.maxsize = maxsize;
        int id = POOLS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "gevent4j-threadpool-" + id + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.executor = new ThreadPoolExecutor(maxsize, maxsize, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                factory);
        this.executor.allowCoreThreadTimeOut(true);
    }

    /** {@return the most tasks that run at once} */
    public int maxsize() {
        return maxsize;
    }

    /** {@return the number of pool threads alive now} */
    public int threadCount() {
        return executor.getPoolSize();
    }

    /** {@return the number of tasks queued or running} */
    public int pending() {
        return executor.getQueue().size() + executor.getActiveCount();
    }

    /**
     * Runs {@code task} on a pool thread; returns at once a result of the current hub that the task's
     * value or exception completes.
     *
     * @param <T> the type of the result
     * @param task the code to run
     * @return the result the task completes
     * @throws RejectedExecutionException if the pool was shut down
     */
    public <T> AsyncResult<T> spawn(Callable<? extends T> task) {
        Objects.requireNonNull(task, "task");
        AsyncResult<T> r = new AsyncResult<>(Hub.current());
        r.expectExternalCompletion();
        try {
            executor.execute(() -> {
                try {
                    r.set(task.call());
                } catch (Throwable t) {
                    r.setException(t);
                }
            });
        } catch (RejectedExecutionException e) {
            r.setException(e);
            throw e;
        }
        return r;
    }

    /**
     * Runs {@code task} on a pool thread; see {@link #spawn(Callable)}.
     *
     * @param task the code to run
     * @return the result the task completes
     */
    public AsyncResult<Void> spawn(Runnable task) {
        Objects.requireNonNull(task, "task");
        return spawn(() -> {
            task.run();
            return null;
        });
    }

    /**
     * Runs {@code task} on a pool thread and waits for its value (rethrowing its exception).
     *
     * @param <T> the type of the result
     * @param task the code to run
     * @return what {@code task} returned
     */
    public <T> T apply(Callable<? extends T> task) {
        return spawn(task).get();
    }

    /**
     * Applies {@code fn} to every input on the pool's threads (at most {@code maxsize} at once) and
     * returns the results in input order; the first failure (in input order) is rethrown.
     *
     * @param <A> the type of the inputs
     * @param <R> the type of the results
     * @param fn the function to apply
     * @param inputs the inputs
     * @return the results, in input order
     */
    public <A, R> List<R> map(Function<? super A, ? extends R> fn, Iterable<? extends A> inputs) {
        Objects.requireNonNull(fn, "fn");
        List<AsyncResult<R>> results = new ArrayList<>();
        for (A a : inputs) {
            results.add(spawn(() -> fn.apply(a)));
        }
        List<R> out = new ArrayList<>(results.size());
        for (AsyncResult<R> r : results) {
            out.add(r.get());
        }
        return out;
    }

    // ------------------------------------------------------------------ ExecutorService

    @Override
    public void execute(Runnable command) {
        executor.execute(Objects.requireNonNull(command, "command"));
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
        return new Task<>(callable);
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
        return new Task<>(java.util.concurrent.Executors.callable(runnable, value));
    }

    @Override
    public void shutdown() {
        executor.shutdown();
    }

    /** Interrupts the running tasks and returns the queued ones (gevent's {@code kill}). */
    @Override
    public List<Runnable> shutdownNow() {
        return executor.shutdownNow();
    }

    /** Same as {@link #shutdownNow()}. */
    public void kill() {
        executor.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return executor.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return executor.isTerminated();
    }

    /**
     * Waits for the tasks to finish after a shutdown; cooperatively (parking only the calling greenlet)
     * in a greenlet or on a hub's owner thread.
     */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        if (executor.isTerminated()) {
            return true;
        }
        if (Hub.currentIfAny() == null) {
            return executor.awaitTermination(timeout, unit);
        }
        long nanos = Sync.nanos(timeout, unit);
        AsyncResult<Boolean> r = new AsyncResult<>(Hub.current());
        r.expectExternalCompletion();
        Thread.ofVirtual().name("gevent4j-threadpool-await").start(() -> {
            try {
                r.set(executor.awaitTermination(nanos, TimeUnit.NANOSECONDS));
            } catch (Throwable t) {
                r.setException(t);
            }
        });
        return r.get();
    }

    /** Shuts down and waits (cooperatively) for the tasks to finish. */
    @Override
    public void close() {
        shutdown();
        try {
            while (!awaitTermination(1, TimeUnit.DAYS)) {
                // keep waiting
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "ThreadPool[maxsize=" + maxsize + ", threads=" + executor.getPoolSize() + ", active="
                + executor.getActiveCount() + ", queued=" + executor.getQueue().size()
                + (executor.isShutdown() ? ", shut down]" : "]");
    }

    /** A {@link FutureTask} whose {@code get} waits cooperatively when the caller runs a hub. */
    private static final class Task<T> extends FutureTask<T> implements io.gevent4j.hub.Waitable {
        /** The linkable the cooperative getters wait on, made on the first one's hub. */
        private volatile Links links;

        Task(Callable<T> callable) {
            super(callable);
        }

        @Override
        public boolean ready() {
            return isDone();
        }

        @Override
        public void rawlink(Runnable callback) {
            linksOf(Hub.current()).add(callback);
        }

        @Override
        public boolean unlink(Runnable callback) {
            Links l = links;
            return l != null && l.remove(callback);
        }

        private Links linksOf(Hub here) {
            Links l = links;
            if (l == null) {
                synchronized (this) {
                    l = links;
                    if (l == null) {
                        l = links = new Links(here, this);
                        l.shared = true; // completed by a pool thread: the waiting hub must not give up
                    }
                }
            }
            return l;
        }

        @Override
        protected void done() {
            Links l = links;
            if (l != null) {
                l.checkAndNotify();
            }
        }

        @Override
        public T get() throws InterruptedException, ExecutionException {
            if (!isDone() && Hub.currentIfAny() != null) {
                awaitDone(-1);
            }
            return super.get();
        }

        @Override
        public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            if (!isDone() && Hub.currentIfAny() != null) {
                if (!awaitDone(Sync.nanos(timeout, unit))) {
                    throw new TimeoutException();
                }
                return super.get();
            }
            return super.get(timeout, unit);
        }

        /** @param nanos negative: no limit */
        private boolean awaitDone(long nanos) {
            Links l = linksOf(Hub.current());
            if (isDone()) {
                return true;
            }
            return nanos != 0 && l.await(nanos) || isDone();
        }
    }
}
