package io.gevent4j.loop;

import java.nio.channels.SelectableChannel;

/**
 * Watches a file descriptor (epoll, kqueue) or an NIO channel for readiness (libev's {@code ev_io}).
 * Level-triggered: while active, the callback runs in every iteration in which the source is ready
 * for one of the watched {@link #events() events}; {@link #revents()} tells which. Typical use is
 * one-shot: start, wait for the callback, stop, perform the non-blocking operation.
 *
 * <p>Several watchers may watch the same source; the loop keeps one kernel registration per source
 * and changes its interest lazily (an interest no longer wanted is dropped when its event next
 * arrives, saving a system call per wait). If the kernel refuses the descriptor (it was closed), the
 * watchers of that descriptor are stopped and invoked with {@code READ|WRITE} so that the waiting
 * code retries its operation and sees the error. {@link #close()} the watchers of a descriptor
 * before closing the descriptor; the loop never closes it. (If a stopped watcher was left open, a
 * new watcher on a descriptor that reuses the number still works: the first start of every new
 * watcher re-submits the interest to the kernel.)
 */
public final class IoWatcher extends Watcher {
    private final IoSource source;
    private int events;
    int revents;
    /** Not started since created or {@link #setEvents re-set}: its first start re-submits the interest. */
    boolean fresh = true;

    IoWatcher(Loop loop, IoSource source, int events) {
        super(loop);
        this.source = source;
        this.events = events;
    }

    /** {@return the watched events: {@link Loop#READ}, {@link Loop#WRITE} or both} */
    public int events() {
        return events;
    }

    /**
     * Changes the watched events (libev's {@code ev_io_set}).
     *
     * @param events {@link io.gevent4j.loop.Loop#READ}, {@link io.gevent4j.loop.Loop#WRITE} or both
     * @throws IllegalStateException if the watcher is active
     * @throws IllegalArgumentException on an empty or unknown mask
     */
    public void setEvents(int events) {
        loop.checkThread();
        if (isActive()) {
            throw new IllegalStateException("stop the watcher before changing its events");
        }
        if (events == 0 || (events & ~(Loop.READ | Loop.WRITE)) != 0) {
            throw new IllegalArgumentException("event mask must be READ, WRITE or READ|WRITE, got " + events);
        }
        this.events = events;
        this.fresh = true;
    }

    /** {@return the events seen at the last invocation of the callback} */
    public int revents() {
        return revents;
    }

    /** {@return the watched file descriptor, or -1 on the NIO backend} */
    public int fd() {
        return source.fdNumber();
    }

    /** {@return the watched channel on the NIO backend, else null} */
    public SelectableChannel channel() {
        return source.channel();
    }

    @Override
    void onStart() {
        revents = 0;
        source.started(this);
    }

    @Override
    void onStop() {
        source.stopped(this); // epoll/kqueue: lazy, the interest is reduced when an unwanted event arrives
    }

    @Override
    void onClose() {
        source.closed(this);
    }

    @Override
    public String toString() {
        return "IoWatcher[" + source + ", events=" + events + (isActive() ? ", active" : "")
                + (isPending() ? ", pending" : "") + (isClosed() ? ", closed]" : "]");
    }
}
