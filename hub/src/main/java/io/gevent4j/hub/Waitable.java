package io.gevent4j.hub;

/**
 * Something a greenlet can wait for and that tells others when it is ready: greenlets, events,
 * async results. {@code Gevent.iwait}/{@code Gevent.await} accept any of them.
 *
 * <p>Links are notified on the thread of the hub the object belongs to, in a callback (so they must
 * not block), once the object becomes ready; a link added to an object that is already ready is
 * notified soon after, never synchronously inside {@link #rawlink}.
 */
public interface Waitable {
    /** {@return true when waiting for this object would return at once} */
    boolean ready();

    /**
     * Calls {@code callback} (on the owning hub, from a callback) when this object becomes ready.
     *
     * @param callback the code to run
     */
    void rawlink(Runnable callback);

    /**
     * Removes a callback added by {@link #rawlink}; returns whether it was still registered.
     *
     * @param callback the code to run
     * @return whether it was still registered
     */
    boolean unlink(Runnable callback);

    /**
     * {@return the hub whose thread notifies the links, or null if unknown} A waiter on another hub announces
     * an {@linkplain Hub#externalWait() external wait} so that its owner does not get {@link LoopExit}.
     */
    default Hub hub() {
        return null;
    }
}
