package io.gevent4j.loop;

import java.io.IOException;

/**
 * Completion-based I/O on one file descriptor of an {@link Backend#IO_URING io_uring} loop: a read or a
 * write is submitted to the kernel, which performs it when it can, and the loop runs the operation's
 * {@link Callback} with the result (bytes transferred, 0 at end of stream for a read, or a negated
 * {@code errno}). Get one with {@link Loop#completionIo(int)}; it shares the descriptor's kernel
 * registration with the descriptor's {@link IoWatcher}s.
 *
 * <p>At most one read and one write are in flight at a time. The memory given to {@link #recv} or
 * {@link #send} belongs to the kernel until the callback has run - also after {@link #cancelRecv()},
 * {@link #cancelSend()} or {@link #close()}, which only ask the kernel to stop: the callback still runs,
 * with {@code -ECANCELED} ({@value #ECANCELED} negated) or, if the operation won the race, with its
 * result. Callbacks run on the loop's thread while the loop polls; they must not block. Loop thread only.
 */
public final class CompletionIo implements AutoCloseable {
    /** {@code errno} of an operation that was cancelled before it completed. */
    public static final int ECANCELED = IoSource.UringSource.ECANCELED;

    /** What runs when an operation completes. */
    @FunctionalInterface
    public interface Callback {
        /**
         * Called on the loop's thread when the operation completed.
         *
         * @param result bytes transferred (0: end of stream for a read), or a negated {@code errno}
         */
        void completed(int result);
    }

    private final IoSource.UringSource source;
    private Callback recvCallback;
    private Callback sendCallback;
    private long recvId;
    private long sendId;
    private boolean recvRef;
    private boolean sendRef;
    private boolean closed;

    CompletionIo(IoSource.UringSource source) {
        this.source = source;
    }

    /** {@return the descriptor} */
    public int fd() {
        return source.fd;
    }

    /** {@return true while a read is submitted and its callback has not run} */
    public boolean recvInFlight() {
        return recvCallback != null;
    }

    /** {@return true while a write is submitted and its callback has not run} */
    public boolean sendInFlight() {
        return sendCallback != null;
    }

    /**
     * Submits a read of at most {@code length} bytes into native memory at {@code address}.
     *
     * @param address where the kernel writes the bytes (native memory that stays valid until the callback)
     * @param length the most bytes to read
     * @param callback what runs when the read completed
     * @throws IllegalStateException if a read is already in flight, or this object is closed
     * @throws IOException if the kernel registration cannot be made
     */
    public void recv(long address, int length, Callback callback) throws IOException {
        source.loop.checkThread();
        check(recvCallback, "read");
        recvCallback = java.util.Objects.requireNonNull(callback, "callback");
        try {
            recvId = source.submitIo(true, address, length);
        } catch (IOException | RuntimeException e) {
            recvCallback = null;
            throw e;
        }
        recvRef = true; // an operation in flight keeps the loop alive, as an active watcher does
        source.loop.activeRefs++;
    }

    /**
     * Submits a write of at most {@code length} bytes from native memory at {@code address}
     * ({@code MSG_NOSIGNAL}: a closed peer is {@code -EPIPE}, not a signal).
     *
     * @param address where the kernel reads the bytes (native memory that stays valid until the callback)
     * @param length the most bytes to write
     * @param callback what runs when the write completed
     * @throws IllegalStateException if a write is already in flight, or this object is closed
     * @throws IOException if the kernel registration cannot be made
     */
    public void send(long address, int length, Callback callback) throws IOException {
        source.loop.checkThread();
        check(sendCallback, "write");
        sendCallback = java.util.Objects.requireNonNull(callback, "callback");
        try {
            sendId = source.submitIo(false, address, length);
        } catch (IOException | RuntimeException e) {
            sendCallback = null;
            throw e;
        }
        sendRef = true;
        source.loop.activeRefs++;
    }

    private void check(Callback inFlight, String what) {
        if (closed) {
            throw new IllegalStateException("completion I/O of fd " + source.fd + " is closed");
        }
        if (inFlight != null) {
            throw new IllegalStateException("a " + what + " is already in flight on fd " + source.fd);
        }
    }

    /**
     * Whether the read in flight keeps {@link Loop#run()} running (it does from {@link #recv}, like an
     * active watcher): code that stops waiting for it without cancelling it passes false, and true when
     * it waits again. Does nothing while no read is in flight.
     *
     * @param ref whether the read in flight keeps the loop running
     */
    public void refRecv(boolean ref) {
        source.loop.checkThread();
        if (recvCallback != null && recvRef != ref) {
            recvRef = ref;
            source.loop.activeRefs += ref ? 1 : -1;
        }
    }

    /**
     * As {@link #refRecv(boolean)}, for the write in flight.
     *
     * @param ref whether the write in flight keeps the loop running
     */
    public void refSend(boolean ref) {
        source.loop.checkThread();
        if (sendCallback != null && sendRef != ref) {
            sendRef = ref;
            source.loop.activeRefs += ref ? 1 : -1;
        }
    }

    /** Asks the kernel to stop the read in flight, if any; its callback still runs. */
    public void cancelRecv() {
        source.loop.checkThread();
        if (recvCallback != null) {
            source.cancelOp(recvId);
        }
    }

    /** Asks the kernel to stop the write in flight, if any; its callback still runs. */
    public void cancelSend() {
        source.loop.checkThread();
        if (sendCallback != null) {
            source.cancelOp(sendId);
        }
    }

    void cancelAll() {
        if (recvCallback != null) {
            source.cancelOp(recvId);
        }
        if (sendCallback != null) {
            source.cancelOp(sendId);
        }
    }

    void completed(boolean recv, int res) {
        Callback cb;
        boolean ref;
        if (recv) {
            cb = recvCallback;
            recvCallback = null;
            ref = recvRef;
            recvRef = false;
        } else {
            cb = sendCallback;
            sendCallback = null;
            ref = sendRef;
            sendRef = false;
        }
        if (ref) {
            source.loop.activeRefs--;
        }
        if (cb != null) {
            try {
                cb.completed(res);
            } catch (Throwable t) {
                source.loop.reportError(cb, t);
            }
        }
    }

    /** {@return true after {@link #close()}} */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Cancels what is in flight (the callbacks still run) and lets go of the descriptor's registration
     * once its watchers are closed too. Idempotent.
     */
    @Override
    public void close() {
        source.loop.checkThread();
        if (closed) {
            return;
        }
        closed = true;
        cancelAll();
        source.completionsClosed();
    }

    @Override
    public String toString() {
        return "CompletionIo[fd " + source.fd + (recvCallback != null ? ", recv" : "")
                + (sendCallback != null ? ", send" : "") + (closed ? ", closed]" : "]");
    }
}
