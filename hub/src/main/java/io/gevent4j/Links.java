package io.gevent4j;

import io.gevent4j.hub.Hub;

import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * The {@link io.gevent4j.hub.Waitable#rawlink rawlink} callbacks of an {@link Event} or
 * {@link AsyncResult}: one-shot, run in order on the owning hub's thread in a loop callback, never
 * synchronously inside {@code rawlink}. Guarded by the owner's {@link Sync}.
 */
final class Links {
    private final Sync sync;
    /** Waiting for the next firing. */
    private ArrayList<Runnable> links = new ArrayList<>(2);
    /** Captured by a firing, to run in the scheduled callback. */
    private ArrayList<Runnable> firing = new ArrayList<>(2);
    private boolean scheduled;

    Links(Sync sync) {
        this.sync = sync;
    }

    /** Under the lock. {@code ready}: the owner is ready, notify soon. */
    void add(Runnable callback, boolean ready) {
        Objects.requireNonNull(callback, "callback");
        if (ready) {
            firing.add(callback);
            schedule();
        } else {
            links.add(callback);
        }
    }

    /** Under the lock. */
    boolean remove(Runnable callback) {
        return removeFrom(links, callback) || removeFrom(firing, callback);
    }

    private static boolean removeFrom(ArrayList<Runnable> list, Runnable callback) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == callback || list.get(i).equals(callback)) {
                list.remove(i);
                return true;
            }
        }
        return false;
    }

    /** Under the lock: the owner became ready; the links registered now will run. */
    void fire() {
        if (!links.isEmpty()) {
            firing.addAll(links);
            links.clear();
            schedule();
        }
    }

    private void schedule() {
        if (!scheduled) {
            scheduled = true;
            try {
                sync.hub.loop().execute(this::notifyLinks);
            } catch (RejectedExecutionException e) {
                firing.clear(); // the hub was destroyed: nobody is left to notify
            }
        }
    }

    /** On the hub: runs each captured link still registered, once, in order. */
    private void notifyLinks() {
        ArrayList<Runnable> batch;
        synchronized (sync) {
            scheduled = false;
            batch = firing;
            firing = new ArrayList<>(2);
        }
        Hub hub = sync.hub;
        for (Runnable r : batch) {
            try {
                r.run();
            } catch (Throwable t) {
                hub.handleError(r, t);
            }
        }
    }
}
