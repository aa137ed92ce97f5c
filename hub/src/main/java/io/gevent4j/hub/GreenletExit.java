package io.gevent4j.hub;

/**
 * Thrown into a greenlet to kill it (gevent's {@code GreenletExit}). A greenlet that dies of it counts
 * as successful, with the {@code GreenletExit} as its value. It carries no stack trace: it says where
 * the greenlet was killed, not a bug.
 */
public class GreenletExit extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A plain kill. */
    public GreenletExit() {
        this("greenlet killed");
    }

    /**
     * A kill with a message.
     *
     * @param message the message
     */
    public GreenletExit(String message) {
        super(message, null, false, false);
    }
}
