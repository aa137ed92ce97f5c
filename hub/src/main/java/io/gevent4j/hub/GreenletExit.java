package io.gevent4j.hub;

/**
 * Thrown into a greenlet to kill it (gevent's {@code GreenletExit}). A greenlet that dies of it counts
 * as successful (see {@code Greenlet.killedBy()}). It carries no stack trace: it says where the
 * greenlet was killed, not a bug.
 *
 * <p>It is an {@link Error}, not an {@link Exception}, for the reason {@link ThreadDeath} was one and
 * gevent makes it a {@code BaseException}: the everyday {@code catch (Exception e) { log(e); }}, in
 * application or library code, must not swallow a kill and leave the greenlet running. Code that must
 * clean up uses {@code finally} or try-with-resources; code that catches {@code Throwable} should
 * rethrow it.
 */
public class GreenletExit extends Error {
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
