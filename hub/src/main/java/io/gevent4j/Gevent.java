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
 * runs while the call blocks, so a program can be single-threaded end to end.
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
     * Creates and starts a greenlet running {@code task}.
     *
     * @param <T> the type of the result
     * @param task the code to run
     * @return the started greenlet
     */
    public static <T> Greenlet<T> spawn(Callable<? extends T> task) {
        return Greenlet.spawn(task);
    }

    /**
     * Creates and starts a greenlet running {@code task}.
     *
     * @param task the code to run
     * @return the started greenlet
     */
    public static Greenlet<Void> spawn(Runnable task) {
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
     * @param delay how long to wait before it starts
     * @param task the code to run
     * @return the greenlet, scheduled to start
     */
    public static Greenlet<Void> spawnLater(Duration delay, Runnable task) {
        return Greenlet.of(task).startLater(delay);
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
     * Waits for all greenlets; see {@link #joinall(Collection, Duration, boolean)}.
     *
     * @param <G> the type of the greenlets
     * @param greenlets the greenlets
     * @return the greenlets that are ready
     */
    public static <G extends Greenlet<?>> List<G> joinall(Collection<G> greenlets) {
        return joinall(greenlets, null, false);
    }

    /**
     * Waits for all greenlets up to {@code timeout}.
     *
     * @param <G> the type of the greenlets
     * @param greenlets the greenlets
     * @param timeout how long to wait at most (null: no limit)
     * @return the greenlets that are ready
     */
    public static <G extends Greenlet<?>> List<G> joinall(Collection<G> greenlets, Duration timeout) {
        return joinall(greenlets, timeout, false);
    }

    /**
     * Waits until all greenlets are ready or {@code timeout} (null: no limit) passes (gevent's
     * {@code joinall}).
     *
     * @param <G> the type of the greenlets
     * @param greenlets the greenlets
     * @param timeout how long to wait at most (null: no limit)
     * @param raiseError stop at the first greenlet that failed and rethrow its exception
     * @return the greenlets that are ready, in the order they became ready
     */
    public static <G extends Greenlet<?>> List<G> joinall(Collection<G> greenlets, Duration timeout,
                                                         boolean raiseError) {
        if (!raiseError) {
            return await(greenlets, timeout, -1);
        }
        List<G> done = new ArrayList<>();
        IWait<G> it = new IWait<>(greenlets, timeout);
        try {
            while (it.hasNext()) {
                G g = it.next();
                done.add(g);
                if (!g.successful()) {
                    throw sneaky(g.exception());
                }
            }
        } finally {
            it.close(); // unlink from the others (and end an external wait) when we stop early
        }
        return done;
    }

    /**
     * Kills all greenlets with {@link GreenletExit} and waits for them.
     *
     * @param greenlets the greenlets
     */
    public static void killall(Collection<? extends Greenlet<?>> greenlets) {
        killall(greenlets, new GreenletExit(), true, null);
    }

    /**
     * Kills all greenlets with {@code exception}; with {@code block}, waits up to {@code timeout} for
     * them to die. Never throws for the greenlets' sake.
     *
     * @param greenlets the greenlets
     * @param exception the exception
     * @param block whether to wait until they are dead
     * @param timeout how long to wait for them with {@code block} (null: no limit)
     */
    public static void killall(Collection<? extends Greenlet<?>> greenlets, Throwable exception, boolean block,
                               Duration timeout) {
        for (Greenlet<?> g : greenlets) {
            g.kill(exception, false, null);
        }
        if (block) {
            await(new ArrayList<>(greenlets), timeout, -1);
        }
    }

    /**
     * Waits for objects to become ready (gevent's {@code wait}; named so as not to shadow
     * {@code Object.wait}): {@link Greenlet}s, {@link Event}s, {@link AsyncResult}s (including those
     * of a {@link ThreadPool}), {@link Semaphore}s, or any other {@link Waitable}. A kill or timeout
     * aimed at the caller is raised from the wait.
     *
     * @param <W> the type of the objects waited for
     * @param objects the objects to wait for
     * @param timeout null: no limit
     * @param count   return once this many are ready; negative: all of them
     * @return the ready objects, in the order they became ready
     */
    public static <W extends Waitable> List<W> await(Collection<W> objects, Duration timeout, int count) {
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
     * Yields the objects as they become ready, for up to {@code timeout} in all (null: no limit);
     * iteration ends early when the time is up (gevent's {@code iwait}). Accepts the same objects as
     * {@link #await(Collection, Duration, int)}.
     *
     * @param <W> the type of the objects waited for
     * @param objects the objects to wait for
     * @param timeout how long to wait at most (null: no limit)
     * @return the objects, in the order they become ready
     */
    public static <W extends Waitable> Iterator<W> iwait(Collection<W> objects, Duration timeout) {
        return new IWait<>(objects, timeout);
    }

    /**
     * Runs {@code task}; if {@code timeout} passes first, throws the {@link Timeout} (also when the
     * timeout surfaced in the task as the {@link InterruptedException} of a JDK blocking call).
     *
     * @param <T> the type of the result
     * @param timeout how long {@code task} may run (null: no limit)
     * @param task the code to run
     * @return what {@code task} returned
     */
    public static <T> T withTimeout(Duration timeout, Callable<T> task) {
        Timeout t = Timeout.start(timeout);
        try {
            return task.call();
        } catch (Exception e) {
            if (interruptedBy(t, e)) {
                throw t;
            }
            throw sneaky(e);
        } finally {
            t.cancel();
        }
    }

    /**
     * Runs {@code task}; if its own {@code timeout} passes first, returns {@code timeoutValue} (also
     * when the timeout surfaced in the task as the {@link InterruptedException} of a JDK blocking
     * call). Other timeouts and failures propagate.
     *
     * @param <T> the type of the result
     * @param timeout how long {@code task} may run (null: no limit)
     * @param task the code to run
     * @param timeoutValue what to return if the timeout passes
     * @return what {@code task} returned, or {@code timeoutValue}
     */
    public static <T> T withTimeout(Duration timeout, Callable<T> task, T timeoutValue) {
        Timeout t = Timeout.start(timeout);
        try {
            return task.call();
        } catch (Timeout e) {
            if (e == t) {
                return timeoutValue;
            }
            throw e;
        } catch (Exception e) {
            if (interruptedBy(t, e)) {
                return timeoutValue;
            }
            throw sneaky(e);
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
        return w instanceof Event e ? e.sync.shared
                : w instanceof AsyncResult<?> r ? r.sync.shared
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
            this.deadline = hasDeadline ? System.nanoTime() + saturated(timeout) : 0;
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
            long left = hasDeadline ? deadline - System.nanoTime() : -1;
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
