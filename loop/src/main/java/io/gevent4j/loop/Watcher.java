package io.gevent4j.loop;

import java.util.Objects;

/**
 * A libev watcher: something the {@link Loop} watches for, with a callback run on the loop's thread
 * when it happens.
 *
 * <p>States, as in libev: a watcher is <em>inactive</em> until {@link #start(Runnable)}, then
 * <em>active</em> until {@link #stop()} (one-shot timers stop themselves when they fire). When its event
 * happens it becomes <em>pending</em>: its callback is queued behind the callbacks already queued and
 * runs in that order. {@link #stop()} also clears a pending invocation. An active watcher keeps
 * {@link Loop#run()} running unless {@link #unref() unreferenced}. {@link #close()} stops it for good
 * and releases what it holds (an I/O registration).
 *
 * <p>Every method except {@link AsyncWatcher#send()} must be called on the loop's thread (a greenlet
 * of the hub that owns the loop counts as that thread); a call from elsewhere throws
 * {@link IllegalStateException}.
 */
public abstract sealed class Watcher implements AutoCloseable
        permits TimerWatcher, IoWatcher, IdleWatcher, PrepareWatcher, CheckWatcher, AsyncWatcher {

    final Loop loop;
    private Runnable callback;
    private boolean active;
    private boolean pending;
    private boolean ref = true;
    private boolean closed;
    /** Queued on the loop when the watcher becomes pending; allocated at the first event. */
    private Runnable dispatch;

    Watcher(Loop loop) {
        this.loop = loop;
    }

    /** {@return the loop this watcher belongs to} */
    public final Loop loop() {
        return loop;
    }

    /**
     * Starts watching; {@code callback} runs on the loop's thread each time the event happens. Starting
     * an active watcher only replaces its callback.
     *
     * @param callback the code to run
     * @throws IllegalStateException if the watcher is closed, the loop destroyed, or the caller is
     *                               not on the loop's thread
     */
    public final void start(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        loop.checkThread();
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        loop.checkOpen();
        this.callback = callback;
        if (!active) {
            active = true;
            if (ref) {
                loop.activeRefs++;
            }
            loop.activeByKind[kind()]++;
            onStart();
        }
    }

    /** Stops watching and drops a pending invocation. Stopping an inactive watcher does nothing. */
    public final void stop() {
        loop.checkThread();
        pending = false;
        if (active) {
            deactivate();
            onStop();
        }
    }

    /**
     * The callback given to the last {@link #start(Runnable)}, or null.
     *
     * @return the callback, or null
     */
    public final Runnable callback() {
        return callback;
    }

    /** {@return true between {@link #start(Runnable)} and {@link #stop()}} */
    public final boolean isActive() {
        return active;
    }

    /** {@return true when the event happened and the callback has not run yet} */
    public boolean isPending() {
        return pending;
    }

    /** {@return true when this watcher, while active, keeps {@link Loop#run()} from returning (the default)} */
    public final boolean isRef() {
        return ref;
    }

    /** Makes this watcher keep the loop alive while active (libev's {@code ev_ref}). */
    public final void ref() {
        loop.checkThread();
        if (!ref) {
            ref = true;
            if (active) {
                loop.activeRefs++;
            }
        }
    }

    /** Lets {@link Loop#run()} return even while this watcher is active (libev's {@code ev_unref}). */
    public final void unref() {
        loop.checkThread();
        if (ref) {
            ref = false;
            if (active) {
                loop.activeRefs--;
            }
        }
    }

    /** {@return true after {@link #close()}} */
    public final boolean isClosed() {
        return closed;
    }

    /** Stops the watcher for good and releases what it holds. Idempotent. */
    @Override
    public final void close() {
        if (closed) {
            return;
        }
        stop();
        closed = true;
        onClose();
    }

    /** Called when the watcher becomes active. */
    abstract void onStart();

    /** Called when an active watcher is stopped by the user. */
    abstract void onStop();

    /** Called once by {@link #close()}, after {@link #stop()}. */
    void onClose() {
    }

    /** Called right before the callback runs. */
    void beforeInvoke() {
    }

    /** Drops a pending invocation, if any, keeping the watcher active (libev's clear_pending). */
    final void clearPending() {
        pending = false;
    }

    /** Marks the watcher inactive without clearing a pending invocation (a one-shot timer that fired). */
    final void deactivate() {
        if (active) {
            active = false;
            if (ref) {
                loop.activeRefs--;
            }
            loop.activeByKind[kind()]--;
        }
    }

    /** Names of the kinds, in the order of {@link #kind()}. */
    static final String[] KINDS = {"timer", "io", "idle", "prepare", "check", "async"};

    /** This watcher's kind, an index into {@link #KINDS}. */
    private int kind() {
        return switch (this) {
            case TimerWatcher t -> 0;
            case IoWatcher i -> 1;
            case IdleWatcher i -> 2;
            case PrepareWatcher p -> 3;
            case CheckWatcher c -> 4;
            case AsyncWatcher a -> 5;
        };
    }

    /** The event happened: queue the callback unless already queued. */
    final void fire() {
        if (!pending) {
            pending = true;
            Runnable d = dispatch;
            if (d == null) {
                d = dispatch = this::dispatch;
            }
            loop.queue(d);
        }
    }

    private void dispatch() {
        if (!pending) {
            return; // stopped, or already invoked, while queued
        }
        pending = false;
        beforeInvoke();
        Runnable cb = callback;
        if (cb != null) {
            cb.run();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + (active ? "[active" : "[inactive") + (pending ? ",pending" : "")
                + (ref ? "" : ",unref") + (closed ? ",closed]" : "]");
    }
}
