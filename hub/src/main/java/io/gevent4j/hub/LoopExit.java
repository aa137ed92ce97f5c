package io.gevent4j.hub;

/**
 * Thrown to a hub's owner thread that blocks in a gevent call when nothing can ever wake it: no
 * greenlet is runnable or blocked outside the hub, no referenced watcher is active, no callback is
 * pending (gevent's {@code LoopExit}: "this operation would block forever").
 */
public class LoopExit extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * With a message naming what the caller waited for.
     *
     * @param message the message
     */
    public LoopExit(String message) {
        super(message);
    }
}
