package io.gevent4j;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.Waitable;
import io.gevent4j.hub.Waiter;
import io.gevent4j.loop.Loop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The one base for everything that can be waited on (gevent's {@code AbstractLinkable}), as a
 * component: {@link Event}, {@link AsyncResult} and {@link Greenlet} each own one. It keeps an ordered
 * list of links - callbacks and the {@link io.gevent4j.hub.Waiter}s of waiting greenlets alike - and
 * notifies them once the owner is ready.
 *
 * <h2>Notifying, gevent's order</h2>
 * When the owner becomes ready (or a link is added to a ready owner) a notification is scheduled as a
 * loop callback on the owner's hub, behind what is already pending. It calls the links present when it
 * starts, oldest first, each once. A link that wakes a greenlet of the hub (a waiter's switch, a
 * {@link Greenlet#link} greenlet) makes that greenlet run at once, before the next link is called, as
 * gevent's hub switches into it: the notification pauses and continues right after the greenlet
 * blocks or ends. Links added meanwhile are notified by a further notification. The hub's own owner
 * thread (the main greenlet) runs only once the loop stops, so a link that wakes it does not pause the
 * notification. The waiters of other hubs are not links of the round at all: they are woken at once
 * when the owner becomes ready, on their own hubs (their wake-up must not wait for this hub's loop).
 *
 * <h2>Threads</h2>
 * {@link #add}, {@link #remove} and {@link #checkAndNotify} may be called from any thread; links are
 * called on the hub's thread only, in loop callbacks, never inside {@code add}. The link list is
 * guarded by this object's monitor, never held while a link runs.
 */
final class Links {
    private final Hub hub;
    /** The owner: asked whether it is ready, and named where a greenlet waits on it. */
    private final Waitable owner;
    /** Made by the first link: most owners (greenlets above all) never get one. */
    private ArrayDeque<Runnable> links;
    /** A notification is queued or running. */
    private boolean scheduled;
    /** Links of the running notification still to call (the ones present when it started). */
    private int round;
    private Runnable notifier;

    /**
     * Links notified on {@code hub} once {@code owner} is {@link Waitable#ready() ready} (a volatile read
     * of its state).
     */
    Links(Hub hub, Waitable owner) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.owner = owner;
    }

    private boolean ownerReady() {
        return owner.ready();
    }

    /** Under the lock. */
    private ArrayDeque<Runnable> list() {
        ArrayDeque<Runnable> l = links;
        if (l == null) {
            l = links = new ArrayDeque<>(4);
        }
        return l;
    }

    Hub hub() {
        return hub;
    }

    /** Adds {@code callback} at the end; if the owner is ready, it is notified soon (never synchronously). */
    void add(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        synchronized (this) {
            list().add(callback);
        }
        checkAndNotify();
    }

    /** Removes {@code callback} (the first equal link) if it was not notified yet. */
    synchronized boolean remove(Runnable callback) {
        int i = 0;
        if (links == null) {
            return false;
        }
        for (var it = links.iterator(); it.hasNext(); i++) {
            Runnable r = it.next();
            if (r == callback || r.equals(callback)) {
                it.remove();
                if (i < round) {
                    round--; // it was due in the running notification
                }
                return true;
            }
        }
        return false;
    }

    /** Set, for good, once a thread other than the hub's used the owner: it may become ready from there. */
    volatile boolean shared;

    /** Marks the owner shared when the caller is not on the hub's thread. */
    void touch() {
        if (!shared && !hub.inHubThread()) {
            shared = true;
        }
    }

    /**
     * The wait of every linkable (gevent's {@code _wait_core}): links a {@link Waiter} of the caller's
     * hub, parks until it is notified or {@code nanos} pass (negative: no limit), unlinks it. A waiter on
     * another hub, or on a shared owner, announces an external wait so that its hub does not conclude it
     * would block forever.
     *
     * @return true when notified, false when the time ran out
     * @throws Error the kill or {@link Timeout} aimed at the waiting greenlet
     */
    boolean await(long nanos) {
        Hub here = Hub.current();
        Waiter<Object> w = new Waiter<>(here, owner);
        add(w);
        AutoCloseable external = null;
        try {
            if (here != hub && ownerReady()) {
                // Became ready from another thread while we linked: the notification runs on its hub's
                // loop, which may not run again soon (its owner may be blocked waiting for us).
                return true;
            }
            if (here != hub || shared) {
                external = here.externalWait();
            }
            if (nanos < 0 || nanos >= Sync.FOREVER) {
                w.get();
                return true;
            }
            if (w.await(nanos, TimeUnit.NANOSECONDS)) {
                w.get(); // a kill or timeout thrown in comes out here
                return true;
            }
            return false;
        } finally {
            remove(w);
            Sync.close(external);
        }
    }

    /** Number of links not notified yet. */
    synchronized int size() {
        return links == null ? 0 : links.size();
    }

    /**
     * Schedules a notification if the owner is ready and links wait; call it after the owner became
     * ready. The waiters of other hubs are woken at once instead: their greenlets run on their own hubs,
     * and their wake-up must not wait for this hub's loop to run (its owner may be blocked waiting for
     * them).
     */
    void checkAndNotify() {
        ArrayList<Waiter<?>> foreign = null;
        boolean schedule = false;
        synchronized (this) {
            if (links == null || links.isEmpty() || !ownerReady()) {
                return;
            }
            int i = 0;
            for (var it = links.iterator(); it.hasNext(); i++) {
                if (it.next() instanceof Waiter<?> w && w.hub() != hub) {
                    it.remove();
                    if (i < round) {
                        round--;
                    }
                    i--;
                    if (foreign == null) {
                        foreign = new ArrayList<>(2);
                    }
                    foreign.add(w);
                }
            }
            if (!scheduled && !links.isEmpty()) {
                scheduled = schedule = true;
                if (notifier == null) {
                    notifier = this::notifyLinks;
                }
            }
        }
        if (foreign != null) {
            for (Waiter<?> w : foreign) {
                w.run(); // thread-safe: queued on the waiter's own hub
            }
        }
        if (!schedule) {
            return;
        }
        try {
            hub.loop().execute(notifier);
        } catch (RejectedExecutionException e) {
            synchronized (this) { // the hub is gone: nobody is left to notify
                links = null;
                scheduled = false;
            }
        }
    }

    /** On the hub: calls the links of this round one by one, pausing after one that switched to a greenlet. */
    private void notifyLinks() {
        Loop loop = hub.loop();
        synchronized (this) {
            if (round == 0) {
                round = links == null ? 0 : links.size();
            }
        }
        while (true) {
            Runnable link;
            synchronized (this) {
                if (round == 0 || links == null || links.isEmpty()) {
                    round = 0;
                    scheduled = false;
                    break;
                }
                round--;
                link = links.poll();
            }
            try {
                link.run();
            } catch (Throwable t) {
                hub.handleError(link, t);
            }
            if (loop.hasNext()) {
                loop.executeNext(notifier); // the greenlet it woke runs first, then the rest of the round
                return;
            }
        }
        checkAndNotify(); // links that arrived during the round
    }
}
