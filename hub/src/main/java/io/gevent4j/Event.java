package io.gevent4j;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.Waitable;

import java.time.Duration;
import java.util.Objects;

/**
 * A flag that greenlets can wait for (gevent's {@code Event}).
 *
 * <p>States: <em>clear</em> (the initial state) ⇄ <em>set</em>. {@link #set()} makes it set and wakes
 * every greenlet waiting in {@link #await()}, in the order they began to wait, each running before the
 * next is woken (gevent's order: the wake-ups run as a hub callback queued by {@code set}); {@link #clear()}
 * makes it clear again without waking anyone. A waiter woken by {@code set} returns {@code true} even if
 * the event was cleared again before it ran (gevent's rule, so a {@code set(); clear()} pulse is never
 * missed). {@code await} with a timeout returns {@code false} when the time runs out; it never throws
 * for it.
 *
 * <p>{@link #rawlink(Runnable)} callbacks (used by {@link Gevent#await} and {@link Gevent#iwait}) are
 * one-shot and share the waiters' order: they run in a callback on the hub the event belongs to, once
 * it is set.
 *
 * <p>Thread-safety: all methods may be called from any thread. The event belongs to the hub of the
 * thread that created it; a thread that waits on it runs its own hub meanwhile. A greenlet waiting for
 * an event that another thread will set keeps its hub from {@link io.gevent4j.hub.LoopExit} once any
 * other thread used the event; if the first touch from the other thread may come after the hub has
 * nothing else to do, hold {@link Hub#externalWait()} around the wait.
 *
 * <p>Killing a greenlet or a {@link Timeout} expiring while it waits raises the exception from
 * {@code await} and leaves the event unchanged.
 */
public final class Event implements Waitable {
    final Links links;
    private volatile boolean flag;

    /** A clear event belonging to the current thread's hub. */
    public Event() {
        this(Hub.current());
    }

    /**
     * A clear event belonging to {@code hub}.
     *
     * @param hub the hub
     */
    public Event(Hub hub) {
        this.links = new Links(hub, this);
    }

    /** Sets the flag and wakes every waiter; does nothing if it is set already. */
    public void set() {
        links.touch();
        if (!flag) {
            flag = true;
            links.checkAndNotify();
        }
    }

    /** Clears the flag; later waiters block until the next {@link #set()}. */
    public void clear() {
        links.touch();
        flag = false;
    }

    /** {@return true when the flag is set} */
    public boolean isSet() {
        return flag;
    }

    /** Same as {@link #isSet()}. */
    @Override
    public boolean ready() {
        return flag;
    }

    /**
     * Blocks until the flag is set.
     *
     * @return true
     */
    public boolean await() {
        return awaitNanos(-1);
    }

    /**
     * Blocks until the flag is set or {@code timeout} passes ({@code Duration.ZERO}: only looks).
     *
     * @param timeout how long to wait at most (null: no limit)
     * @return whether the flag was set (false: the time ran out)
     */
    public boolean await(Duration timeout) {
        return awaitNanos(Sync.nanos(true, Objects.requireNonNull(timeout, "timeout")));
    }

    boolean awaitNanos(long nanos) {
        links.touch();
        if (flag) {
            return true;
        }
        return nanos != 0 && links.await(nanos);
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
        return "Event[" + (flag ? "set" : "clear") + "]";
    }
}
