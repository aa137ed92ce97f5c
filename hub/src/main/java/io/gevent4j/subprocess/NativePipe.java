package io.gevent4j.subprocess;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.Waiter;
import io.gevent4j.loop.IoWatcher;
import io.gevent4j.loop.Loop;
import io.gevent4j.loop.internal.Carrier;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A non-blocking pipe end (Netty's {@link FileDescriptor#pipe()}, {@code O_NONBLOCK}) read or written on
 * the hub's thread and parked on an I/O watcher of the hub's own loop, as gevent does with its
 * {@code FileObjectPosix}. Belongs to one hub: only its greenlets (or owner) may read or write it;
 * {@link #close()} works from anywhere.
 */
final class NativePipe extends Pipe {
    private static final Logger log = LoggerFactory.getLogger(NativePipe.class);
    /** A pipe holds 64 KiB on Linux: one system call moves at most that much. */
    private static final int BUFFER = 64 * 1024;
    /**
     * Direct memory the kernel copies into or from, one per hub thread: every read or write copies its
     * bytes out or in before it can park, so the pipes of a hub never share it at the same time.
     */
    private static final Map<Thread, ByteBuffer> SCRATCH = new WeakHashMap<>();

    /** Closes the descriptors of pipes dropped without {@link #close()} (a process nobody closed). */
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "gevent4j-pipe-cleaner");
        t.setDaemon(true);
        return t;
    });

    private final Hub hub;
    private final String name;
    private final int events;
    /** What the cleaner needs, kept apart from this object so that it can become unreachable. */
    private final Resources res;
    private final Cleaner.Cleanable cleanable;
    private Waiter<Object> waiter;
    private volatile boolean closed;

    NativePipe(Hub hub, FileDescriptor fd, int events, String name) {
        this.hub = hub;
        this.events = events;
        this.name = name;
        this.res = new Resources(hub, fd, name);
        this.cleanable = CLEANER.register(this, res);
    }

    /** The descriptor and its watcher; released once, by {@link #close()} or by the cleaner. */
    private static final class Resources implements Runnable {
        final Hub hub;
        final FileDescriptor fd;
        final String name;
        /** Hub thread only. */
        IoWatcher watcher;

        Resources(Hub hub, FileDescriptor fd, String name) {
            this.hub = hub;
            this.fd = fd;
            this.name = name;
        }

        /** On the hub's thread, or from the cleaner's (then moved to the hub's while it lives). */
        @Override
        public void run() {
            if (!hub.inHubThread()) {
                try {
                    hub.loop().execute(this::release);
                    return;
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // the hub is gone, and with it its loop's registration: just close the descriptor
                }
            }
            release();
        }

        private void release() {
            if (watcher != null && hub.inHubThread()) {
                watcher.close(); // before the descriptor: the loop drops its registration first
            }
            watcher = null;
            try {
                fd.close();
            } catch (IOException e) {
                log.debug("closing {} failed", name, e);
            }
        }
    }

    private void check() throws IOException {
        if (!hub.inHubThread()) {
            throw new IllegalStateException(name + " of a process started on the hub of '" + hub.owner().getName()
                    + "' used from thread '" + Thread.currentThread() + "': use it from that hub's greenlets");
        }
        if (closed) {
            throw new IOException(name + " closed");
        }
    }

    private static ByteBuffer scratch() {
        Thread t = Carrier.current();
        synchronized (SCRATCH) {
            return SCRATCH.computeIfAbsent(t, k -> ByteBuffer.allocateDirect(BUFFER));
        }
    }

    @Override
    int read(byte[] b, int off, int len) throws IOException {
        check();
        if (len == 0) {
            return 0;
        }
        while (true) {
            ByteBuffer buf = scratch();
            int n;
            try {
                n = res.fd.read(buf, 0, Math.min(len, BUFFER));
            } catch (Errors.NativeIoException e) {
                throw new IOException(name + ": " + e.getMessage(), e);
            }
            if (n > 0) {
                buf.get(0, b, off, n);
                return n;
            }
            if (n < 0) {
                return -1;
            }
            await();
        }
    }

    @Override
    void write(byte[] b, int off, int len) throws IOException {
        check();
        while (len > 0) {
            int chunk = Math.min(len, BUFFER);
            ByteBuffer buf = scratch();
            buf.put(0, b, off, chunk);
            int n;
            try {
                n = res.fd.write(buf, 0, chunk);
            } catch (Errors.NativeIoException e) {
                if (e.expectedErr() == Errors.ERRNO_EPIPE_NEGATIVE) {
                    throw new IOException(name + ": Broken pipe (the process closed its end)", e);
                }
                throw new IOException(name + ": " + e.getMessage(), e);
            }
            if (n > 0) {
                off += n;
                len -= n;
            } else {
                await();
            }
        }
    }

    /** Parks until the pipe is ready (or closed under us: IOException). */
    private void await() throws IOException {
        if (waiter != null) {
            throw new IllegalStateException(name + " is already being " + (events == Loop.READ ? "read" : "written")
                    + " by another greenlet");
        }
        if (res.watcher == null) {
            res.watcher = hub.loop().io(res.fd.intValue(), events);
        }
        IoWatcher watcher = res.watcher;
        Waiter<Object> w = new Waiter<>(hub);
        waiter = w;
        watcher.start(w.switchNull());
        try {
            w.get();
        } finally {
            waiter = null;
            if (!closed) {
                watcher.stop();
            }
        }
        if (closed) {
            throw new IOException(name + " closed");
        }
    }

    @Override
    void close() {
        if (closed) {
            return;
        }
        if (!hub.inHubThread()) {
            try {
                hub.loop().execute(this::close);
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the hub is gone: nothing is parked on it, close right here
            }
        }
        closed = true;
        Waiter<Object> w = waiter;
        if (w != null) {
            w.switchTo(null); // it sees 'closed' and throws
        }
        cleanable.clean(); // closes the watcher, then the descriptor (here: on the hub's thread)
    }

    @Override
    public String toString() {
        return name + "[fd " + res.fd.intValue() + (closed ? ", closed]" : "]");
    }
}
