package io.gevent4j.internal;

import io.gevent4j.AsyncResult;
import io.gevent4j.hub.Hub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Runs one blocking call on another thread while the calling greenlet parks, and cleans up when the
 * greenlet leaves early. Not API: the cooperative file and process classes are built on it.
 *
 * <p>What a user of those classes relies on: a kill or {@link io.gevent4j.Timeout} reaches the parked
 * greenlet at once (the wait is an {@link AsyncResult}, which counts as an external wait of the hub, so
 * it never ends in {@code LoopExit}); a call that has not started yet never starts; a running call is
 * interrupted if asked (an interruptible channel then closes itself); and a value the call produces
 * after nobody waits for it any more (an opened file, a started process) is handed to a disposer
 * instead of leaking.
 *
 * <h2>Implementation overview</h2>
 * A {@link Job} has one state word: QUEUED → RUNNING → DONE, or QUEUED/RUNNING → ABANDONED when the
 * waiter leaves first. Whoever moves the state decides the value's fate: the job that moves RUNNING →
 * DONE publishes it in a {@link CompletableFuture} (the waiter takes it, or, having left in the
 * meantime, sends it to the disposer through the future); a job that finds ABANDONED disposes of it
 * itself. The runner thread is published under the job's monitor and cleared under it before the job
 * clears its interrupt status, so an interrupt aimed at this job never hits the next task of the pool
 * thread.
 */
public final class Offload {
    private static final Logger log = LoggerFactory.getLogger(Offload.class);

    private Offload() {
    }

    /** A blocking call that may throw {@link IOException}. */
    @FunctionalInterface
    public interface IoCall<T> {
        T call() throws IOException;
    }

    /**
     * Runs {@code call} on {@code executor} and parks the calling greenlet until it returns, then returns
     * its value or throws its exception as thrown. On a thread without a hub (a plain thread, a virtual
     * thread that is not a greenlet) the call simply runs on the calling thread.
     *
     * @param interrupt whether to interrupt the call if the greenlet leaves while it runs
     * @param dispose   receives a value produced after the greenlet left (on the executor's thread), or null
     * @throws java.util.concurrent.RejectedExecutionException if the executor refuses the call
     */
    public static <T> T call(Executor executor, IoCall<? extends T> call, boolean interrupt,
                             Consumer<? super T> dispose) throws IOException {
        return call(executor, call, interrupt, dispose, null);
    }

    /**
     * {@link #call(Executor, IoCall, boolean, Consumer)}, and {@code skipped} runs (on the executor's
     * thread) if the call never starts because the greenlet left while it was queued: for resources
     * that the call itself would have released.
     */
    public static <T> T call(Executor executor, IoCall<? extends T> call, boolean interrupt,
                             Consumer<? super T> dispose, Runnable skipped) throws IOException {
        Objects.requireNonNull(call, "call");
        if (Hub.currentIfAny() == null) {
            return call.call();
        }
        Job<T> job = new Job<>(call, interrupt, dispose, skipped);
        executor.execute(job);
        AsyncResult<T> result = AsyncResult.from(job.done);
        boolean delivered = false;
        try {
            T v = result.get(IOException.class); // the call's own IOException, as itself
            delivered = true;
            return v;
        } finally {
            if (!delivered) {
                job.abandon();
            }
        }
    }

    /** One offloaded call; see the class comment for its states. */
    private static final class Job<T> implements Runnable {
        private static final int QUEUED = 0;
        private static final int RUNNING = 1;
        private static final int DONE = 2;
        private static final int ABANDONED = 3;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Job.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final IoCall<? extends T> call;
        private final boolean interrupt;
        private final Consumer<? super T> dispose;
        private final Runnable skipped;
        final CompletableFuture<T> done = new CompletableFuture<>();
        @SuppressWarnings("unused") // through STATE
        private volatile int state;
        /** The thread running the call; guarded by this. */
        private Thread runner;

        Job(IoCall<? extends T> call, boolean interrupt, Consumer<? super T> dispose, Runnable skipped) {
            this.call = call;
            this.interrupt = interrupt;
            this.dispose = dispose;
            this.skipped = skipped;
        }

        @Override
        public void run() {
            synchronized (this) {
                runner = Thread.currentThread();
            }
            if (!STATE.compareAndSet(this, QUEUED, RUNNING)) {
                clearRunner();
                if (skipped != null) { // the waiter left before the call started: it never runs
                    try {
                        skipped.run();
                    } catch (RuntimeException e) {
                        log.warn("cleaning up after a skipped call failed", e);
                    }
                }
                return;
            }
            T value = null;
            Throwable failure = null;
            try {
                value = call.call();
            } catch (Throwable t) { // handed to the waiter, on its own thread
                failure = t;
            }
            clearRunner();
            if (STATE.compareAndSet(this, RUNNING, DONE)) {
                if (failure == null) {
                    done.complete(value);
                } else {
                    done.completeExceptionally(failure);
                }
            } else if (failure == null) {
                disposeOf(value);
            } else {
                log.debug("offloaded call failed after its caller left", failure);
            }
        }

        private void clearRunner() {
            synchronized (this) {
                runner = null;
            }
            Thread.interrupted(); // an interrupt meant for this job ends with it
        }

        /** The waiter left without the value (killed, timed out). Called on the waiter's thread. */
        void abandon() {
            if (STATE.compareAndSet(this, QUEUED, ABANDONED)) {
                return;
            }
            if (STATE.compareAndSet(this, RUNNING, ABANDONED)) {
                if (interrupt) {
                    synchronized (this) {
                        if (runner != null) {
                            runner.interrupt();
                        }
                    }
                }
                return;
            }
            // DONE: the value is (or is about to be) in the future, and nobody will take it.
            done.thenAccept(this::disposeOf);
        }

        private void disposeOf(T value) {
            if (value == null || dispose == null) {
                return;
            }
            try {
                dispose.accept(value);
            } catch (RuntimeException e) {
                log.warn("disposing of {} failed", value, e);
            }
        }
    }
}
