package io.gevent4j.hub;

/**
 * A blocking gevent call made where blocking is impossible: inside a loop callback that runs on
 * the hub itself (gevent's {@code BlockingSwitchOutError}). Blocking calls belong in greenlets or in
 * the hub's owner thread outside callbacks.
 */
public class BlockingSwitchOutError extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * With a message naming the call.
     *
     * @param message the message
     */
    public BlockingSwitchOutError(String message) {
        super(message);
    }
}
