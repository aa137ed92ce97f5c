package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A set of running greenlets (gevent's {@code Group}): greenlets {@linkplain #spawn spawned} or
 * {@linkplain #add added} join it and leave it by themselves when they die, so the group can wait for
 * all of them ({@link #join()}), kill them ({@link #kill()}), and map a function over many inputs
 * concurrently ({@link #map}, {@link #imap}, {@link #imapUnordered}). A {@link Pool} is a group with a
 * size limit.
 *
 * <p>Membership states of a greenlet: not a member → (add/spawn) member → (it dies, or
 * {@link #discard}) not a member. The group is <em>empty</em> or not; {@link #join()} waits for it to
 * become empty (greenlets added meanwhile are waited for too).
 *
 * <p>Greenlets spawned by a group run on the hub the group belongs to, whichever thread calls
 * {@code spawn}. All methods may be called from any thread; blocking ones run the caller's hub while
 * they wait, and a kill or {@link Timeout} aimed at a blocked greenlet is raised from the call.
 *
 * <p>{@link #imap} yields results in input order and {@link #imapUnordered} as they complete; both
 * consume the input lazily. In a {@link Pool}, at most {@link Pool#poolSize()} inputs are in flight
 * (running, or finished and not yet consumed), so iterating over any number of inputs keeps memory
 * bounded by the pool size; a plain group starts them all at once (as gevent does). A task's exception
 * is rethrown by the iterator's {@code next()} at that task's turn; iteration may go on after it.
 */
public class Group implements Iterable<Greenlet<?>> {
    final Sync sync;
    private final LinkedHashMap<Greenlet<?>, Runnable> members = new LinkedHashMap<>();
    private final Event empty;

    /** An empty group belonging to the current thread's hub. */
    public Group() {
        this.sync = new Sync(Hub.current());
        this.sync.subject = this;
        this.empty = new Event(sync.hub);
        this.empty.set();
    }

    /** {@return the hub the group belongs to, where it spawns its greenlets} */
    public Hub hub() {
        return sync.hub;
    }

    // ------------------------------------------------------------------ membership

    /**
     * Creates a greenlet running {@code task} on the group's hub, adds it and starts it.
     *
     * @param <T> the type of the result
     * @param task the code to run
     * @return the greenlet, started
     */
    public <T> Greenlet<T> spawn(Callable<? extends T> task) {
        Greenlet<T> g = new Greenlet<>(sync.hub, task);
        start(g);
        return g;
    }

    /**
     * Creates a greenlet running {@code task} (which may throw checked exceptions), adds it and starts it.
     *
     * @param task the code to run
     * @return the greenlet, started
     */
    public Greenlet<Void> spawn(ThrowingRunnable<?> task) {
        return spawn(Greenlet.callable(task));
    }

    /**
     * Adds {@code greenlet} and starts it (gevent's {@code Group.start}).
     *
     * @param greenlet the greenlet
     */
    public void start(Greenlet<?> greenlet) {
        add(greenlet);
        try {
            greenlet.start();
        } catch (RuntimeException | Error e) {
            discard(greenlet);
            throw e;
        }
    }

    /**
     * Adds {@code greenlet}; it leaves the group when it dies (at once-ish if it is dead).
     *
     * @param greenlet the greenlet
     */
    public void add(Greenlet<?> greenlet) {
        addMember(greenlet);
    }

    /** @return false if it was a member already */
    final boolean addMember(Greenlet<?> g) {
        Objects.requireNonNull(g, "greenlet");
        sync.touch();
        Runnable link = () -> discard(g);
        synchronized (sync) {
            if (members.containsKey(g)) {
                return false;
            }
            members.put(g, link);
            empty.clear();
        }
        g.rawlink(link);
        return true;
    }

    /**
     * Removes {@code greenlet} from the group (it keeps running); does nothing if it is not a member.
     *
     * @param greenlet the greenlet
     */
    public void discard(Greenlet<?> greenlet) {
        sync.touch();
        Runnable link;
        boolean nowEmpty;
        synchronized (sync) {
            link = members.remove(greenlet);
            if (link == null) {
                return;
            }
            nowEmpty = members.isEmpty();
            if (nowEmpty) {
                empty.set();
            }
        }
        greenlet.unlink(link);
        removed(greenlet);
    }

    /** A member left the group. */
    void removed(Greenlet<?> greenlet) {
    }

    /**
     * {@return true when {@code greenlet} is a member}
     *
     * @param greenlet the greenlet
     */
    public boolean contains(Object greenlet) {
        synchronized (sync) {
            return members.containsKey(greenlet);
        }
    }

    /** {@return the number of members} */
    public int size() {
        synchronized (sync) {
            return members.size();
        }
    }

    /** {@return a snapshot of the members, oldest first} */
    public List<Greenlet<?>> greenlets() {
        synchronized (sync) {
            return new ArrayList<>(members.keySet());
        }
    }

    /** Iterates over a snapshot of the members. */
    @Override
    public Iterator<Greenlet<?>> iterator() {
        return greenlets().iterator();
    }

    /** True when the calling greenlet is a member. */
    final boolean currentIsMember() {
        if (!Thread.currentThread().isVirtual() || Hub.currentIfAny() == null) {
            return false; // platform threads and plain virtual threads are never members
        }
        return contains(RawGreenlet.getcurrent());
    }

    // ------------------------------------------------------------------ capacity (no limit here)

    /** {@return how many more greenlets may be added without blocking: unlimited for a plain group} */
    public int freeCount() {
        return Integer.MAX_VALUE;
    }

    /** {@return true when adding a greenlet would block: never for a plain group} */
    public boolean full() {
        return false;
    }

    /**
     * Blocks until a greenlet can be added without blocking, up to {@code timeout} (a plain group never
     * blocks).
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return {@link #freeCount()} when it returned
     */
    public int waitAvailable(Duration timeout) {
        return freeCount();
    }

    /**
     * Blocks until a greenlet can be added without blocking (a plain group never blocks).
     *
     * @return the free slots when it returned
     */
    public int waitAvailable() {
        return freeCount();
    }

    /** Inputs in flight at once in {@link #imap}/{@link #imapUnordered}. */
    int window() {
        return Integer.MAX_VALUE;
    }

    // ------------------------------------------------------------------ waiting and killing

    /** Blocks until the group is empty. */
    public void join() {
        join(null, false);
    }

    /**
     * Blocks until the group is empty or {@code timeout} passes (null: no limit).
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return whether it became empty
     */
    public boolean join(Duration timeout) {
        return join(Objects.requireNonNull(timeout, "timeout"), false);
    }

    /**
     * Waits until the group is empty, then throws the exception of the first member (of those present
     * at the call) that failed (gevent's {@code join(raise_error=True)}; unchecked as itself, checked in
     * a {@link java.util.concurrent.CompletionException}).
     */
    public void joinOrThrow() {
        join(null, true);
    }

    /**
     * {@link #joinOrThrow()} for at most {@code timeout}; returns whether the group became empty.
     *
     * @param timeout how long to wait at most
     * @return true on success
     */
    public boolean joinOrThrow(Duration timeout) {
        return join(Objects.requireNonNull(timeout, "timeout"), true);
    }

    private boolean join(Duration timeout, boolean raiseError) {
        sync.touch();
        List<Greenlet<?>> before = raiseError ? greenlets() : List.of();
        if (sync.shared) {
            empty.links.shared = true;
        }
        boolean done = timeout == null ? empty.await() : empty.await(timeout);
        for (Greenlet<?> g : before) {
            if (g.ready() && g.exception() != null) {
                throw Rethrow.unchecked(g.exception());
            }
        }
        return done;
    }

    /** Kills every member (except the calling greenlet) with {@link GreenletExit} and waits for them to die. */
    public void kill() {
        kill(new GreenletExit(), true, null);
    }

    /**
     * Kills every member with {@link GreenletExit}, waiting up to {@code timeout} for them to die.
     *
     * @param timeout how long to wait at most
     */
    public void kill(Duration timeout) {
        kill(new GreenletExit(), true, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Raises {@code exception} in every member and waits for them to die.
     *
     * @param exception what to raise
     */
    public void kill(Throwable exception) {
        kill(exception, true, null);
    }

    /**
     * Raises {@code exception} in every member, waiting up to {@code timeout} for them to die.
     *
     * @param exception what to raise
     * @param timeout how long to wait at most
     */
    public void kill(Throwable exception, Duration timeout) {
        kill(exception, true, Objects.requireNonNull(timeout, "timeout"));
    }

    /** Kills every member with {@link GreenletExit} without waiting. */
    public void killAsync() {
        kill(new GreenletExit(), false, null);
    }

    /**
     * Raises {@code exception} in every member without waiting.
     *
     * @param exception what to raise
     */
    public void killAsync(Throwable exception) {
        kill(exception, false, null);
    }

    /**
     * Kills every member (except the calling greenlet) with {@code exception}; with {@code block},
     * waits up to {@code timeout} (null: no limit) for them to die, killing greenlets added meanwhile
     * too. Never throws for the members' sake.
     *
     * @param exception the exception
     * @param block whether to wait until they are dead
     * @param timeout how long to wait with {@code block} (null: no limit)
     */
    private void kill(Throwable exception, boolean block, Duration timeout) {
        Objects.requireNonNull(exception, "exception");
        long deadline = timeout == null ? 0 : Sync.nanoTime() + Sync.nanos(true, timeout);
        RawGreenlet me = currentIsMember() ? RawGreenlet.getcurrent() : null;
        while (true) {
            List<Greenlet<?>> victims = greenlets();
            victims.remove(me);
            victims.removeIf(Greenlet::ready);
            if (victims.isEmpty()) {
                return;
            }
            Gevent.killallAsync(victims, exception);
            if (!block) {
                return;
            }
            List<Greenlet<?>> dead;
            if (timeout == null) {
                dead = Gevent.await(victims);
            } else {
                long n = deadline - Sync.nanoTime();
                if (n <= 0) {
                    return;
                }
                dead = Gevent.await(victims, Duration.ofNanos(n));
            }
            if (dead.size() < victims.size()) {
                return; // out of time
            }
        }
    }

    /**
     * Kills one member with {@link GreenletExit} and waits for it to die; does nothing if it is not a member.
     *
     * @param greenlet the greenlet
     */
    public void killone(Greenlet<?> greenlet) {
        if (contains(greenlet)) {
            greenlet.kill();
        }
    }

    /**
     * Raises {@code exception} in one member and waits for it to die; does nothing if it is not a member.
     *
     * @param exception what to raise
     * @param greenlet the greenlet
     */
    public void killone(Greenlet<?> greenlet, Throwable exception) {
        if (contains(greenlet)) {
            greenlet.kill(exception);
        }
    }

    /**
     * Kills one member with {@link GreenletExit}, waiting up to {@code timeout}; does nothing if it is not a member.
     *
     * @param greenlet the greenlet
     * @param timeout how long to wait at most
     */
    public void killone(Greenlet<?> greenlet, Duration timeout) {
        if (contains(greenlet)) {
            greenlet.kill(timeout);
        }
    }

    // ------------------------------------------------------------------ mapping

    /**
     * Runs {@code task} in a member greenlet and returns its result (rethrowing its exception). Called
     * from a member greenlet, it runs {@code task} directly, so that a full pool cannot deadlock.
     *
     * @param <T> the type of the result
     * @param task the code to run
     * @return what {@code task} returned
     */
    public <T> T apply(Callable<? extends T> task) {
        if (currentIsMember()) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e); // the rule of get()
            }
        }
        return spawn(task).get();
    }

    /**
     * Runs {@code task} in a member greenlet and returns that greenlet at once (blocking first while the
     * pool is full). Called from a member greenlet of a full pool, the task runs in a greenlet outside
     * the pool instead, so that it cannot deadlock.
     *
     * @param <T> the type of the result
     * @param task the code to run
     * @return the member greenlet running {@code task}
     */
    public <T> Greenlet<T> applyAsync(Callable<? extends T> task) {
        return applyAsync(task, null);
    }

    /**
     * {@return like {@link #applyAsync(Callable)}, then calls {@code callback} with the result (in a new
     * greenlet) if the task succeeds}
     *
     * @param <T> the type of the result
     * @param task the code to run
     * @param callback the code to run
     */
    public <T> Greenlet<T> applyAsync(Callable<? extends T> task, Consumer<? super T> callback) {
        Greenlet<T> g;
        if (full() && currentIsMember()) {
            g = new Greenlet<T>(sync.hub, task).start();
        } else {
            g = spawn(task);
        }
        if (callback != null) {
            g.linkValue(done -> callback.accept(done.value()));
        }
        return g;
    }

    /**
     * Applies {@code fn} to every input concurrently; returns the results in input order.
     *
     * @param <A> the type of the inputs
     * @param <R> the type of the results
     * @param fn the function to apply
     * @param inputs the inputs
     * @return the results, in input order
     */
    public <A, R> List<R> map(Function<? super A, ? extends R> fn, Iterable<? extends A> inputs) {
        List<R> out = new ArrayList<>();
        for (Iterator<R> it = imap(fn, inputs); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    /**
     * Applies {@code fn} to the inputs concurrently, lazily, yielding the results in input order. Each
     * application runs in a member greenlet.
     *
     * @param <A> the type of the inputs
     * @param <R> the type of the results
     * @param fn the function to apply
     * @param inputs the inputs
     * @return the results, in input order
     */
    public <A, R> Iterator<R> imap(Function<? super A, ? extends R> fn, Iterable<? extends A> inputs) {
        return new OrderedMap<>(fn, inputs.iterator());
    }

    /**
     * {@return like {@link #imap} but yields each result as soon as it is ready}
     *
     * @param <A> the type of the inputs
     * @param <R> the type of the results
     * @param fn the function to apply
     * @param inputs the inputs
     */
    public <A, R> Iterator<R> imapUnordered(Function<? super A, ? extends R> fn, Iterable<? extends A> inputs) {
        return new UnorderedMap<>(fn, inputs.iterator());
    }

    private <A, R> Greenlet<R> spawnApply(Function<? super A, ? extends R> fn, A input) {
        return spawn(() -> fn.apply(input));
    }

    private final class OrderedMap<A, R> implements Iterator<R> {
        private final Function<? super A, ? extends R> fn;
        private final Iterator<? extends A> inputs;
        private final ArrayDeque<Greenlet<R>> inflight = new ArrayDeque<>();
        private final int window = Math.max(1, window());

        OrderedMap(Function<? super A, ? extends R> fn, Iterator<? extends A> inputs) {
            this.fn = Objects.requireNonNull(fn, "fn");
            this.inputs = inputs;
        }

        private void fill() {
            while (inflight.size() < window && inputs.hasNext()) {
                inflight.add(spawnApply(fn, inputs.next()));
            }
        }

        @Override
        public boolean hasNext() {
            fill();
            return !inflight.isEmpty();
        }

        @Override
        public R next() {
            fill();
            Greenlet<R> g = inflight.poll();
            if (g == null) {
                throw new NoSuchElementException();
            }
            return g.get();
        }
    }

    private final class UnorderedMap<A, R> implements Iterator<R> {
        private final Function<? super A, ? extends R> fn;
        private final Iterator<? extends A> inputs;
        private final SimpleQueue<Greenlet<R>> done = new SimpleQueue<>();
        private final int window = Math.max(1, window());
        private int inflight;

        UnorderedMap(Function<? super A, ? extends R> fn, Iterator<? extends A> inputs) {
            this.fn = Objects.requireNonNull(fn, "fn");
            this.inputs = inputs;
        }

        private void fill() {
            while (inflight < window && inputs.hasNext()) {
                Greenlet<R> g = spawnApply(fn, inputs.next());
                inflight++;
                g.rawlink(() -> done.put(g));
            }
        }

        @Override
        public boolean hasNext() {
            fill();
            return inflight > 0;
        }

        @Override
        public R next() {
            fill();
            if (inflight == 0) {
                throw new NoSuchElementException();
            }
            Greenlet<R> g = done.get();
            inflight--;
            return g.get();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[size=" + size() + "]";
    }
}
