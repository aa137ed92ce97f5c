package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;
import io.gevent4j.hub.Waitable;
import io.gevent4j.hub.Waiter;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * gevent's top-level functions: spawn greenlets, wait for them, sleep, time out.
 *
 * <pre>{@code
 * var jobs = List.of(Gevent.spawn(() -> fetch("a")), Gevent.spawn(() -> fetch("b")));
 * Gevent.joinall(jobs, Duration.ofSeconds(2));
 * }</pre>
 *
 * <p>Every call works the same in a greenlet and on a platform thread: there, the thread's own hub
 * runs while the call blocks, so a program can be single-threaded end to end. {@link #run} runs a
 * program's code in a greenlet from the start (the recommended entry point: JDK blocking calls in it,
 * such as {@code Thread.sleep} or a {@code BlockingQueue}, then park only that greenlet).
 *
 * <h2>Names</h2>
 * A method has gevent's name where gevent has one ({@code spawn}, {@code joinall}, {@code killall},
 * {@code iwait}, {@code sleep}, {@code idle}; {@code await} is gevent's {@code wait}, which
 * {@code Object.wait} takes in Java) and the JDK's where the JDK has one. gevent's keyword arguments
 * become overloads that read as sentences: {@code joinall(greenlets, timeout)},
 * {@code joinallOrThrow(greenlets)} for {@code raise_error=True}, {@code killallAsync(greenlets)} for
 * {@code block=False}. There are no positional booleans, and no nulls to pass.
 *
 * <h2>Exceptions</h2>
 * Code you give to a call that runs it in the current greenlet ({@link #withTimeout}, {@link #run})
 * throws through it as itself, checked exceptions included: the call declares what your lambda throws
 * ({@code withTimeout(d, () -> socket.read(buf))} throws {@code IOException}). A call that returns
 * another greenlet's outcome ({@link Greenlet#get()}, {@link #joinallOrThrow}) throws its unchecked
 * exceptions as themselves and wraps checked ones in a {@link java.util.concurrent.CompletionException},
 * unless you name the type ({@link Greenlet#get(Class)}). Kills ({@link GreenletExit}) and
 * {@link Timeout}s are {@link Error}s: {@code catch (Exception e)} never swallows them.
 */
public final class Gevent {
    private Gevent() {
    }

    /** {@return the current thread's hub (inside a greenlet: its hub), created on first use} */
    public static Hub getHub() {
        return Hub.current();
    }

    /** {@return the running greenlet; on a platform thread, its hub's main greenlet} */
    public static RawGreenlet getcurrent() {
        return RawGreenlet.getcurrent();
    }

    /**
     * Creates and starts a greenlet running {@code task}; its result is the greenlet's value.
     *
     * @param <T> the result type
     * @param task the code to run
     * @return the greenlet, started
     */
    public static <T> Greenlet<T> spawn(Callable<? extends T> task) {
        return Greenlet.spawn(task);
    }

    /**
     * Creates and starts a greenlet running {@code task} (which may throw checked exceptions).
     *
     * @param task the code to run
     * @return the greenlet, started
     */
    public static Greenlet<Void> spawn(ThrowingRunnable<?> task) {
        return Greenlet.of(task).start();
    }

    /**
     * Creates a greenlet that starts after {@code delay}.
     *
     * @param <T> the type of the result
     * @param delay how long to wait before it starts
     * @param task the code to run
     * @return the greenlet, scheduled to start
     */
    public static <T> Greenlet<T> spawnLater(Duration delay, Callable<? extends T> task) {
        return new Greenlet<T>(task).startLater(delay);
    }

    /**
     * Creates a greenlet that starts after {@code delay}.
     *
     * @param delay how long to wait first
     * @param task the code to run
     * @return the greenlet, to start after the delay
     */
    public static Greenlet<Void> spawnLater(Duration delay, ThrowingRunnable<?> task) {
        return Greenlet.of(task).startLater(delay);
    }

    /**
     * Runs {@code task} in a new greenlet of the current thread's hub, waits for it, and returns its
     * result or throws its exception as itself: the entry point of a program written for gevent4j
     * ({@code public static void main(String[] a) throws Exception { Gevent.run(() -> serve(a)); }}).
     * Inside a greenlet it simply calls {@code task}. Greenlets the task spawned and left running go on
     * whenever this thread blocks in gevent again ({@link Hub#join()} runs them to the end).
     *
     * @param <T> the result type
     * @param <X> the checked exception the code may throw
     * @param task the code to run
     * @return the result
     * @throws X what the task throws
     */
    public static <T, X extends Exception> T run(ThrowingSupplier<T, X> task) throws X {
        Objects.requireNonNull(task, "task");
        if (Hub.currentIfAny() != null && !getcurrent().isMain()) {
            return task.get();
        }
        Object[] value = new Object[1];
        Throwable[] failure = new Throwable[1];
        Greenlet<Void> g = new Greenlet<Void>(() -> {
            try {
                value[0] = task.get();
            } catch (Throwable t) {
                failure[0] = t; // the caller gets it: not a failure for the hub to report
            }
            return null;
        });
        g.setName("main");
        g.start();
        try {
            g.join();
        } catch (Throwable t) { // the caller was killed or timed out while it waited: so is the task
            g.killAsync();
            throw t;
        }
        if (failure[0] != null) {
            throw sneaky(failure[0]); // the task's own exception: X, unchecked, or an error
        }
        @SuppressWarnings("unchecked")
        T v = (T) value[0];
        return v;
    }

    /**
     * {@link #run(ThrowingSupplier)} for a task without a result.
     *
     * @param <X> the checked exception the code may throw
     * @param task the code to run
     * @throws X what the task throws
     */
    public static <X extends Exception> void run(ThrowingRunnable<X> task) throws X {
        Objects.requireNonNull(task, "task");
        run(() -> {
            task.run();
            return null;
        });
    }

    // ------------------------------------------------------------------ looking inside

    /**
     * gevent's {@code format_run_info}: every hub of the JVM, its loop's active watchers by kind, and
     * the tree of its greenlets (who spawned whom, name, state, what each waits on, stack). Safe from
     * any thread, also while a hub is blocked; a best-effort snapshot.
     *
     * @return the run info, as text
     */
    public static String formatRunInfo() {
        return io.gevent4j.hub.RunInfo.format();
    }

    /** Prints {@link #formatRunInfo()} to standard error (gevent's {@code print_run_info}). */
    public static void printRunInfo() {
        printRunInfo(System.err);
    }

    /**
     * Prints {@link #formatRunInfo()} to {@code out}.
     *
     * @param out where to print
     */
    public static void printRunInfo(java.io.PrintStream out) {
        out.print(formatRunInfo());
        out.flush();
    }

    /**
     * Prints the run info to standard error each time {@code signal} arrives; see
     * {@link Signals#printRunInfoOn(String)}.
     *
     * @param signal the signal's name, such as {@code "USR2"}
     * @return closing it puts back the JVM's previous handler
     */
    public static AutoCloseable printRunInfoOn(String signal) {
        return Signals.printRunInfoOn(signal);
    }

    /**
     * gevent's {@code signal_handler}: runs {@code handler} in a new greenlet on each {@code signal}; see {@link Signals}.
     *
     * @param handler the code to run
     * @param signal the signal's name, such as {@code "TERM"}
     * @return a handle whose {@code cancel()} removes the handler
     */
    public static Signals.Handle signalHandler(String signal, Runnable handler) {
        return Signals.handle(signal, handler);
    }

    // ------------------------------------------------------------------ sleeping

    /**
     * Blocks the current greenlet for {@code duration}; zero yields to every greenlet already
     * runnable and then returns.
     *
     * @param duration how long
     */
    public static void sleep(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        Hub.current().sleep(duration.isNegative() ? 0 : saturated(duration));
    }

    /**
     * {@link #sleep(Duration)} in milliseconds.
     *
     * @param millis how long, in milliseconds
     */
    public static void sleep(long millis) {
        Hub.current().sleep(millis <= 0 ? 0 : java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(millis)); // saturates
    }

    /** Blocks until the hub has nothing else to run. */
    public static void idle() {
        Hub.current().idle();
    }

    // ------------------------------------------------------------------ waiting

    /**
     * Waits until all greenlets are ready (gevent's {@code joinall}).
     *
     * @return the greenlets, in the order they became ready
     * @param <G> the kind of greenlet
     * @param greenlets the greenlets
     */
    public static <G extends Greenlet<?>> List<G> joinall(Collection<G> greenlets) {
        return awaitSome(greenlets, -1, null);
    }

    /**
     * Waits until all greenlets are ready or {@code timeout} passes.
     *
     * @return the greenlets that are ready, in the order they became ready
     * @param <G> the kind of greenlet
     * @param greenlets the greenlets
     * @param timeout how long to wait at most
     */
    public static <G extends Greenlet<?>> List<G> joinall(Collection<G> greenlets, Duration timeout) {
        return awaitSome(greenlets, -1, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Waits until all greenlets are ready, but stops at the first one that failed and throws its
     * exception (gevent's {@code joinall(raise_error=True)}; unchecked as itself, checked in a
     * {@link java.util.concurrent.CompletionException}).
     *
     * @return the greenlets, in the order they became ready
     * @param <G> the kind of greenlet
     * @param greenlets the greenlets
     */
    public static <G extends Greenlet<?>> List<G> joinallOrThrow(Collection<G> greenlets) {
        return joinallOrThrow(greenlets, null);
    }

    /**
     * {@link #joinallOrThrow(Collection)} for at most {@code timeout}; returns the ready ones.
     *
     * @param <G> the kind of greenlet
     * @param greenlets the greenlets
     * @param timeout how long to wait at most
     * @return the greenlets that are ready, in the order they became ready
     */
    public static <G extends Greenlet<?>> List<G> joinallOrThrow(Collection<G> greenlets, Duration timeout) {
        List<G> done = new ArrayList<>();
        IWait<G> it = new IWait<>(greenlets, timeout);
        try {
            while (it.hasNext()) {
                G g = it.next();
                done.add(g);
                if (!g.successful()) {
                    throw Rethrow.unchecked(g.exception());
                }
            }
        } finally {
            it.close(); // unlink from the others (and end an external wait) when we stop early
        }
        return done;
    }

    /**
     * Kills all greenlets with {@link GreenletExit} and waits for them (gevent's {@code killall}).
     *
     * @param greenlets the greenlets
     */
    public static void killall(Collection<? extends Greenlet<?>> greenlets) {
        killall(greenlets, new GreenletExit());
    }

    /**
     * Kills all greenlets with {@link GreenletExit} and waits up to {@code timeout} for them.
     *
     * @param greenlets the greenlets
     * @param timeout how long to wait at most
     */
    public static void killall(Collection<? extends Greenlet<?>> greenlets, Duration timeout) {
        killall(greenlets, new GreenletExit(), Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Raises {@code exception} in all greenlets and waits for them.
     *
     * @param exception what to raise
     * @param greenlets the greenlets
     */
    public static void killall(Collection<? extends Greenlet<?>> greenlets, Throwable exception) {
        killallAsync(greenlets, exception);
        awaitSome(new ArrayList<>(greenlets), -1, null);
    }

    /**
     * Raises {@code exception} in all greenlets and waits up to {@code timeout} for them.
     *
     * @param exception what to raise
     * @param greenlets the greenlets
     * @param timeout how long to wait at most
     */
    public static void killall(Collection<? extends Greenlet<?>> greenlets, Throwable exception, Duration timeout) {
        killallAsync(greenlets, exception);
        awaitSome(new ArrayList<>(greenlets), -1, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Kills all greenlets with {@link GreenletExit} without waiting.
     *
     * @param greenlets the greenlets
     */
    public static void killallAsync(Collection<? extends Greenlet<?>> greenlets) {
        killallAsync(greenlets, new GreenletExit());
    }

    /**
     * Raises {@code exception} in all greenlets without waiting, in their order: those whose body had
     * no turn yet never run; the others get it from hub callbacks queued behind what is runnable.
     *
     * @param exception what to raise
     * @param greenlets the greenlets
     */
    public static void killallAsync(Collection<? extends Greenlet<?>> greenlets, Throwable exception) {
        Objects.requireNonNull(exception, "exception");
        for (Greenlet<?> g : greenlets) {
            g.killAsync(exception);
        }
    }

    /**
     * Waits until all objects are ready (gevent's {@code wait}; named so as not to shadow
     * {@code Object.wait}): {@link Greenlet}s, {@link Event}s, {@link AsyncResult}s (including those of a
     * {@link ThreadPool}), {@link Semaphore}s, or any other {@link Waitable}. A kill or timeout aimed at
     * the caller is raised from the wait.
     *
     * @return the objects, in the order they became ready
     * @param <W> the kind of waitable object
     * @param objects the objects to wait for
     */
    public static <W extends Waitable> List<W> await(Collection<W> objects) {
        return awaitSome(objects, -1, null);
    }

    /**
     * {@link #await(Collection)} for at most {@code timeout}; returns the ready ones, in order.
     *
     * @param <W> the kind of waitable object
     * @param objects the objects to wait for
     * @param timeout how long to wait at most
     * @return the ready ones, in the order they became ready
     */
    public static <W extends Waitable> List<W> await(Collection<W> objects, Duration timeout) {
        return awaitSome(objects, -1, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Waits until {@code count} of the objects are ready (gevent's {@code wait(count=...)}).
     *
     * @param <W> the kind of waitable object
     * @param count how many of them to wait for
     * @param objects the objects to wait for
     * @return the ready ones, in the order they became ready
     */
    public static <W extends Waitable> List<W> await(Collection<W> objects, int count) {
        return awaitSome(objects, checkCount(count), null);
    }

    /**
     * Waits until {@code count} of the objects are ready or {@code timeout} passes.
     *
     * @param <W> the kind of waitable object
     * @param count how many of them to wait for
     * @param objects the objects to wait for
     * @param timeout how long to wait at most
     * @return the ready ones, in the order they became ready
     */
    public static <W extends Waitable> List<W> await(Collection<W> objects, int count, Duration timeout) {
        return awaitSome(objects, checkCount(count), Objects.requireNonNull(timeout, "timeout"));
    }

    private static int checkCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("negative count: " + count);
        }
        return count;
    }

    /** {@code count < 0}: all; {@code timeout} null: no limit. */
    private static <W extends Waitable> List<W> awaitSome(Collection<W> objects, int count, Duration timeout) {
        List<W> out = new ArrayList<>();
        int want = count < 0 ? objects.size() : Math.min(count, objects.size());
        if (want == 0) {
            return out;
        }
        IWait<W> it = new IWait<>(objects, timeout);
        try {
            while (true) {
                it.batch = want - out.size(); // wake once per batch, not once per object
                if (it.batch <= 0 || !it.hasNext()) {
                    break;
                }
                out.add(it.next());
            }
        } finally {
            it.close();
        }
        return out;
    }

    /**
     * Yields the objects as they become ready (gevent's {@code iwait}); accepts what {@link #await} does.
     *
     * @param <W> the kind of waitable object
     * @param objects the objects to wait for
     * @return an iterator over the objects as they become ready
     */
    public static <W extends Waitable> Iterator<W> iwait(Collection<W> objects) {
        return new IWait<>(objects, null);
    }

    /**
     * Yields the objects as they become ready, for up to {@code timeout} in all; iteration ends early
     * when the time is up (gevent's {@code iwait(timeout=...)}).
     *
     * @param <W> the kind of waitable object
     * @param objects the objects to wait for
     * @param timeout how long to wait at most
     * @return an iterator over the objects as they become ready
     */
    public static <W extends Waitable> Iterator<W> iwait(Collection<W> objects, Duration timeout) {
        return new IWait<>(objects, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Runs {@code task} in the current greenlet; if {@code timeout} passes first, throws the
     * {@link Timeout} (gevent's {@code with_timeout}; also when the timeout surfaced in the task as the
     * {@link InterruptedException} of a JDK blocking call). The task's own exceptions pass as themselves.
     *
     * @param <T> the result type
     * @param <X> the checked exception the code may throw
     * @param task the code to run
     * @param timeout how long to wait at most
     * @return the result
     * @throws X what the task throws
     */
    public static <T, X extends Exception> T withTimeout(Duration timeout, ThrowingSupplier<T, X> task) throws X {
        Timeout t = Timeout.start(timeout);
        try {
            return task.get();
        } catch (Exception e) {
            if (interruptedBy(t, e)) {
                throw t;
            }
            throw e;
        } finally {
            t.cancel();
        }
    }

    /**
     * {@link #withTimeout(Duration, ThrowingSupplier)} for a task without a result.
     *
     * @param <X> the checked exception the code may throw
     * @param task the code to run
     * @param timeout how long to wait at most
     * @throws X what the task throws
     */
    public static <X extends Exception> void withTimeout(Duration timeout, ThrowingRunnable<X> task) throws X {
        Objects.requireNonNull(task, "task");
        withTimeout(timeout, () -> {
            task.run();
            return null;
        });
    }

    /**
     * Runs {@code task}; if its own {@code timeout} passes first, returns {@code timeoutValue} (gevent's
     * {@code with_timeout(timeout_value=...)}). Other timeouts and the task's exceptions propagate.
     *
     * @param <T> the result type
     * @param <X> the checked exception the code may throw
     * @param task the code to run
     * @param timeout how long to wait at most
     * @param timeoutValue what to return when the timeout passes
     * @return the result
     * @throws X what the task throws
     */
    public static <T, X extends Exception> T withTimeout(Duration timeout, ThrowingSupplier<T, X> task,
                                                         T timeoutValue) throws X {
        Timeout t = Timeout.start(timeout);
        try {
            return task.get();
        } catch (Timeout e) {
            if (e == t) {
                return timeoutValue;
            }
            throw e;
        } catch (Exception e) {
            if (interruptedBy(t, e)) {
                return timeoutValue;
            }
            throw e;
        } finally {
            t.cancel();
        }
    }

    /** {@code e} is the interrupt by which {@code t}, having expired, broke a JDK blocking call. */
    private static boolean interruptedBy(Timeout t, Exception e) {
        return t.expired() && (e instanceof InterruptedException || e.getCause() instanceof InterruptedException);
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    private static long saturated(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** A primitive that another thread used: it may become ready from there. */
    private static boolean usedByOtherThreads(Waitable w) {
        return w instanceof Event e ? e.links.shared
                : w instanceof AsyncResult<?> r ? r.links.shared
                : w instanceof Semaphore s && s.sync.shared;
    }

    /** gevent's {@code iwait}: links every object to one waiter and hands them out as they fire. */
    private static final class IWait<W extends Waitable> implements Iterator<W>, AutoCloseable {
        private final List<W> objects;
        private final ArrayDeque<W> readyQueue = new ArrayDeque<>();
        private final boolean[] arrivals;
        private final List<Runnable> links = new ArrayList<>();
        private final Hub hub = Hub.current();
        private final long deadline;
        private final boolean hasDeadline;
        private Waiter<Object> waiter;
        /** The waiting greenlet is woken once this many objects are ready (or at the deadline). */
        int batch = 1;
        private int remaining;
        private boolean closed;
        private final AutoCloseable external;

        IWait(Collection<W> objects, Duration timeout) {
            this.objects = new ArrayList<>(objects);
            this.remaining = this.objects.size();
            this.hasDeadline = timeout != null;
            this.deadline = hasDeadline ? hub.loop().nanoTime() + saturated(timeout) : 0;
            boolean foreign = false;
            for (W w : this.objects) {
                foreign |= w.hub() != null && w.hub() != hub || usedByOtherThreads(w);
            }
            this.external = foreign ? hub.externalWait() : null; // woken from another hub's thread
            this.arrivals = new boolean[this.objects.size()];
            for (int i = 0; i < this.objects.size(); i++) {
                W w = this.objects.get(i);
                int index = i;
                Runnable link = () -> arrived(index);
                links.add(link);
                if (!w.ready()) {
                    w.rawlink(link);
                }
                // Ready objects are taken at once, so that a zero timeout polls (gevent's
                // wait(timeout=0)); so is one that became ready while we linked it, whose late link
                // runs on its own hub's loop, which may not run soon. Its link then arrives twice.
                if (w.ready()) {
                    arrived(i);
                }
            }
        }

        private void arrived(int index) {
            if (!hub.inHubThread()) {
                hub.loop().execute(() -> arrived(index));
                return;
            }
            if (arrivals[index]) {
                return; // already taken
            }
            arrivals[index] = true;
            readyQueue.add(objects.get(index));
            Waiter<Object> wt = waiter;
            if (wt != null && readyQueue.size() >= Math.min(batch, remaining)) {
                wt.switchTo(null);
            }
        }

        @Override
        public boolean hasNext() {
            if (!readyQueue.isEmpty()) {
                return true;
            }
            if (closed || remaining == 0) {
                close();
                return false;
            }
            long left = hasDeadline ? deadline - hub.loop().nanoTime() : -1;
            if (hasDeadline && left <= 0) {
                close();
                return false;
            }
            Waiter<Object> wt = new Waiter<>(hub);
            waiter = wt;
            try {
                if (wt.await(hasDeadline ? Duration.ofNanos(left) : null) && wt.exception() != null) {
                    close();
                    throw sneaky(wt.exception()); // a kill or timeout aimed at the waiting greenlet
                }
            } finally {
                waiter = null;
            }
            if (readyQueue.isEmpty()) {
                close();
                return false;
            }
            return true;
        }

        @Override
        public W next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            remaining--;
            return readyQueue.poll();
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (int i = 0; i < objects.size(); i++) {
                objects.get(i).unlink(links.get(i));
            }
            if (external != null) {
                try {
                    external.close();
                } catch (Exception ignored) {
                    // cannot fail
                }
            }
        }
    }
}
