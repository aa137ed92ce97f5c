package io.gevent4j.net;

import io.gevent4j.Greenlet;
import io.gevent4j.hub.Hub;

import java.io.IOException;
import java.net.SocketException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs a socket operation for a thread that is not its hub's: a pool's maintenance thread, any
 * platform thread, a greenlet of another hub. A socket's state and watchers belong to its hub, so the
 * operation runs there, in a greenlet of the socket's hub, while the caller waits for its outcome:
 * <ul>
 *   <li>a greenlet of another hub, or a thread that owns a hub, waits cooperatively on its own hub
 *       (a kill or {@code Timeout} aimed at it reaches it there; the operation is then killed too);</li>
 *   <li>any other thread (no hub: a plain platform or virtual thread) blocks until the outcome, as it
 *       would on the JDK's socket; an interrupt of a virtual thread closes the socket and throws
 *       {@code SocketException("Closed by interrupt")}, as the JDK's sockets do, and a platform
 *       thread's interrupt status is kept for later.</li>
 * </ul>
 * The outcome is the caller's: an {@link IOException} or unchecked exception is thrown as itself, and
 * nothing goes to the hub's error log.
 */
final class HandOff {
    /** A socket operation. */
    @FunctionalInterface
    interface Op<T> {
        T run() throws IOException;
    }

    private HandOff() {
    }

    /** Runs {@code op} on {@code core}'s hub for the calling thread, which is not that hub's. */
    static <T> T call(IoCore core, Op<T> op) throws IOException {
        return call(core.hub, core, op);
    }

    /**
     * Runs {@code op} on {@code hub} for the calling thread; at once when that is the hub's thread.
     *
     * @param core the socket an interrupt closes, or null
     */
    static <T> T call(Hub hub, IoCore core, Op<T> op) throws IOException {
        if (hub.inHubThread()) {
            return op.run();
        }
        Object[] value = new Object[1];
        Throwable[] failure = new Throwable[1];
        Greenlet<Void> g = new Greenlet<Void>(hub, () -> {
            try {
                value[0] = op.run();
            } catch (Throwable t) {
                failure[0] = t; // the caller's outcome, not a failure for the hub to report
            }
            return null;
        });
        g.setName("socket call of " + IoCore.describeCaller());
        try {
            g.start();
        } catch (RejectedExecutionException e) {
            SocketException gone = new SocketException("Socket closed (its hub is gone: " + hub + ")");
            gone.initCause(e);
            throw gone;
        }
        if (Hub.currentIfAny() != null) {
            try {
                g.join();
            } catch (java.util.concurrent.CancellationException e) {
                if (core == null || !Thread.currentThread().isInterrupted()) {
                    g.killAsync();
                    throw e;
                }
                core.close(); // an adopted virtual thread was interrupted: the JDK's sockets close too
                SocketException closed = new SocketException("Closed by interrupt");
                closed.initCause(e);
                throw closed;
            } catch (Throwable t) { // the caller was killed or timed out while it waited: so is the call
                g.killAsync();
                throw t;
            }
        } else {
            awaitPlain(g, core);
        }
        Throwable f = failure[0];
        if (f == null) {
            @SuppressWarnings("unchecked")
            T v = (T) value[0];
            return v;
        }
        if (f instanceof IOException io) {
            throw io;
        }
        if (f instanceof RuntimeException r) {
            throw r;
        }
        if (f instanceof Error err) {
            throw err;
        }
        throw new IOException(f);
    }

    /** A thread without a hub waits for {@code g} to end, on a latch the hub counts down. */
    private static void awaitPlain(Greenlet<Void> g, IoCore core) throws SocketException {
        CountDownLatch done = new CountDownLatch(1);
        g.rawlink(done::countDown);
        boolean interrupted = false;
        boolean closedByInterrupt = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
                if (Thread.currentThread().isVirtual() && core != null && !closedByInterrupt) {
                    closedByInterrupt = true;
                    core.close(); // wakes the call, which ends with "Socket closed"
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (closedByInterrupt) {
            throw new SocketException("Closed by interrupt");
        }
    }
}
