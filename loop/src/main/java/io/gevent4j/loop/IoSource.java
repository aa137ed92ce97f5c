package io.gevent4j.loop;

import io.netty.channel.IoEvent;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.kqueue.KQueueIoEvent;
import io.netty.channel.kqueue.KQueueIoHandle;
import io.netty.channel.kqueue.KQueueIoOps;
import io.netty.channel.nio.NioIoEvent;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.nio.NioIoOps;
import io.netty.channel.unix.FileDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;

/**
 * One watched descriptor or channel: the single Netty registration shared by all {@link IoWatcher}s
 * of that source, and the interest currently submitted to the kernel.
 *
 * <p>Interest protocol: starting a watcher that needs an event not yet submitted marks the source
 * changed; the loop applies changes right before it polls. Stopping a watcher changes nothing; when
 * an event arrives that no active watcher wants, the interest is reduced then (to nothing: the
 * registration is cancelled). The handle's {@code close()} never closes the user's descriptor.
 */
abstract sealed class IoSource implements io.netty.channel.IoHandle {
    private static final Logger log = LoggerFactory.getLogger(IoSource.class);

    final Loop loop;
    private final ArrayList<IoWatcher> watchers = new ArrayList<>(2);
    IoRegistration registration;
    /** Our READ/WRITE mask the kernel currently has. */
    int submitted;
    private boolean queued;
    /** NIO: the last watcher closed; the registration is cancelled at the next poll unless revived. */
    private boolean closing;
    /** Submit the interest even if it looks unchanged: a new watcher may mean a reused descriptor number. */
    private boolean recheck;

    IoSource(Loop loop) {
        this.loop = loop;
    }

    static IoSource forFd(Loop loop, int fd) {
        return switch (loop.backend()) {
            case KQUEUE -> new KQueueSource(loop, fd);
            case SIM -> new SimSource(loop, fd);
            default -> new EpollSource(loop, fd);
        };
    }

    static IoSource forChannel(Loop loop, SelectableChannel ch) {
        return new NioSource(loop, ch);
    }

    abstract Object key();

    int fdNumber() {
        return -1;
    }

    SelectableChannel channel() {
        return null;
    }

    IoWatcher newWatcher(int events) {
        closing = false; // revived before the poll: keep the registration (NIO)
        IoWatcher w = new IoWatcher(loop, this, events);
        watchers.add(w);
        return w;
    }

    void started(IoWatcher w) {
        if (w.fresh) {
            // libev's EV__IOFDSET: the first start of a new (or re-set) watcher re-submits the interest.
            // The descriptor may have been closed and its number reused while this source lived on
            // (a stopped watcher left open): the kernel then no longer has our interest although
            // 'submitted' says so. Re-submitting detects that and registers afresh (setInterest).
            w.fresh = false;
            recheck = true;
            markChanged();
        } else if ((w.events() & ~submitted) != 0 || alwaysRecheck()) {
            markChanged();
        }
    }

    /** A watcher was stopped: the native backends stay lazy; NIO applies the exact interest. */
    void stopped(IoWatcher w) {
        if (alwaysRecheck()) {
            markChanged();
        }
    }

    void closed(IoWatcher w) {
        watchers.remove(w);
        if (watchers.isEmpty()) {
            if (alwaysRecheck()) {
                // NIO: a cancelled SelectionKey stays in the selector until its next select, and
                // registering the channel again before that makes Netty's NioIoHandler flush it with a
                // selectNow() that drops other channels' readiness. Cancel at the next poll instead,
                // unless a new watcher revives the source first.
                closing = true;
                markChanged();
            } else {
                cancelRegistration();
                loop.forgetSource(this);
            }
        }
    }

    /** True while the source has open watchers (a closing NIO source has none). */
    boolean inUse() {
        return !watchers.isEmpty();
    }

    private void markChanged() {
        if (!queued) {
            queued = true;
            loop.ioChanges.add(this);
        }
    }

    private int wanted() {
        int want = 0;
        for (int i = 0, n = watchers.size(); i < n; i++) {
            IoWatcher w = watchers.get(i);
            if (w.isActive()) {
                want |= w.events();
            }
        }
        return want;
    }

    /** Called by the loop before it polls. */
    void applyInterest() {
        queued = false;
        boolean force = recheck;
        recheck = false;
        if (watchers.isEmpty()) {
            if (closing) {
                closing = false;
                cancelRegistration();
                loop.forgetSource(this);
            }
            return;
        }
        int want = wanted();
        if (want == 0 && alwaysRecheck()) {
            reduceToNothing();
            return;
        }
        if (want != 0 && (want != submitted || force || alwaysRecheck())) {
            setInterest(want, force);
        }
    }

    /** An event from the poller. */
    final void onEvent(int ev) {
        int want = 0;
        for (int i = 0, n = watchers.size(); i < n; i++) {
            IoWatcher w = watchers.get(i);
            if (w.isActive()) {
                want |= w.events();
                int r = w.events() & ev;
                if (r != 0) {
                    w.revents = r;
                    w.fire();
                }
            }
        }
        if (want == 0) {
            reduceToNothing();
        } else if (want != submitted) {
            setInterest(want, false);
        }
    }

    private void setInterest(int want, boolean force) {
        try {
            if (registration == null || !registration.isValid()) {
                registration = loop.handler().register(this);
            }
            submitRaw(want, force);
            submitted = want;
        } catch (Exception first) {
            // The descriptor may have been closed and its number reused: register afresh once.
            cancelRegistration();
            try {
                registration = loop.handler().register(this);
                submitRaw(want, true);
                submitted = want;
            } catch (Exception e) {
                e.addSuppressed(first);
                log.debug("{}: the poller refused the source, failing its watchers", this, e);
                cancelRegistration();
                fail();
            }
        }
    }

    /** libev's fd_kill: stop every active watcher and invoke it with READ|WRITE. */
    private void fail() {
        for (IoWatcher w : watchers.toArray(new IoWatcher[0])) {
            if (w.isActive()) {
                w.stop();
                w.revents = Loop.READ | Loop.WRITE;
                w.fire();
            }
        }
    }

    void cancelRegistration() {
        IoRegistration r = registration;
        registration = null;
        submitted = 0;
        if (r != null) {
            try {
                r.cancel();
            } catch (RuntimeException e) {
                log.debug("{}: cancel failed", this, e);
            }
        }
    }

    boolean alwaysRecheck() {
        return false;
    }

    /**
     * No watcher wants anything: the native backends drop the registration (epoll would otherwise
     * keep reporting HUP/ERR); NIO keeps its key with no interest (see {@link #closed}).
     */
    void reduceToNothing() {
        cancelRegistration();
    }

    /** Netty's handle is the source itself; its {@code close()} never closes the user's descriptor or channel. */
    @Override
    public final void close() {
    }

    /**
     * Submits our READ/WRITE mask (non-zero) in the backend's terms; {@code force}: even the parts the
     * kernel should already have.
     */
    abstract void submitRaw(int want, boolean force) throws Exception;

    /** A source named by a file descriptor number (epoll, kqueue). */
    abstract static sealed class FdSource extends IoSource {
        final int fd;

        FdSource(Loop loop, int fd) {
            super(loop);
            this.fd = fd;
        }

        @Override
        final Object key() {
            return fd;
        }

        @Override
        final int fdNumber() {
            return fd;
        }

        @Override
        public String toString() {
            return "fd " + fd;
        }
    }

    // ------------------------------------------------------------------ epoll

    static final class EpollSource extends FdSource implements EpollIoHandle {
        private final FileDescriptor descriptor;

        EpollSource(Loop loop, int fd) {
            super(loop, fd);
            this.descriptor = new FileDescriptor(fd);
        }

        @Override
        public FileDescriptor fd() {
            return descriptor;
        }

        @Override
        void submitRaw(int want, boolean force) {
            // EPOLL_CTL_MOD always: it fails (ENOENT/EBADF) if the number no longer names what we
            // registered, and setInterest then registers afresh.
            int ops = 0;
            if ((want & Loop.READ) != 0) {
                ops |= EpollIoOps.EPOLLIN.value() | EpollIoOps.EPOLLRDHUP.value();
            }
            if ((want & Loop.WRITE) != 0) {
                ops |= EpollIoOps.EPOLLOUT.value();
            }
            registration.submit(EpollIoOps.valueOf(ops));
        }

        private static final int IN = EpollIoOps.EPOLLIN.value() | EpollIoOps.EPOLLRDHUP.value();
        private static final int OUT = EpollIoOps.EPOLLOUT.value();
        private static final int ERR = EpollIoOps.EPOLLERR.value() | 0x10; // EPOLLERR | EPOLLHUP

        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
            int raw = ((EpollIoEvent) ioEvent).ops().value();
            int ev = 0;
            if ((raw & (IN | ERR)) != 0) {
                ev |= Loop.READ;
            }
            if ((raw & (OUT | ERR)) != 0) {
                ev |= Loop.WRITE;
            }
            onEvent(ev);
        }
    }

    // ------------------------------------------------------------------ kqueue

    static final class KQueueSource extends FdSource implements KQueueIoHandle {
        // BSD <sys/event.h> constants (identical on macOS and the BSDs).
        private static final short EVFILT_READ = -1;
        private static final short EVFILT_WRITE = -2;
        private static final short EV_ADD = 0x1;
        private static final short EV_DELETE = 0x2;
        private static final short EV_ENABLE = 0x4;

        KQueueSource(Loop loop, int fd) {
            super(loop, fd);
        }

        @Override
        public int ident() {
            return fd;
        }

        @Override
        void submitRaw(int want, boolean force) {
            int have = submitted;
            change(want, have, force, Loop.READ, EVFILT_READ);
            change(want, have, force, Loop.WRITE, EVFILT_WRITE);
        }

        /** EV_ADD is idempotent: forced, it re-adds a filter that a close of the descriptor removed. */
        private void change(int want, int have, boolean force, int bit, short filter) {
            boolean wanted = (want & bit) != 0;
            boolean had = (have & bit) != 0;
            if (wanted && (force || !had)) {
                registration.submit(KQueueIoOps.newOps(filter, (short) (EV_ADD | EV_ENABLE), 0));
            } else if (!wanted && had) {
                registration.submit(KQueueIoOps.newOps(filter, EV_DELETE, 0));
            }
        }

        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
            short filter = ((KQueueIoEvent) ioEvent).filter();
            onEvent(filter == EVFILT_READ ? Loop.READ : filter == EVFILT_WRITE ? Loop.WRITE : 0);
        }
    }

    // ------------------------------------------------------------------ simulated

    /** A descriptor of a {@link io.gevent4j.loop.sim.SimKernel}: epoll semantics, our masks as they are. */
    static final class SimSource extends FdSource implements io.gevent4j.loop.sim.SimIoHandle {
        SimSource(Loop loop, int fd) {
            super(loop, fd);
        }

        @Override
        public int fd() {
            return fd;
        }

        @Override
        void submitRaw(int want, boolean force) {
            registration.submit(new io.gevent4j.loop.sim.SimIoOps(want));
        }

        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
            onEvent(((io.gevent4j.loop.sim.SimIoEvent) ioEvent).events());
        }
    }

    // ------------------------------------------------------------------ NIO

    static final class NioSource extends IoSource implements NioIoHandle {
        private final SelectableChannel channel;
        private int submittedOps = -1;

        NioSource(Loop loop, SelectableChannel channel) {
            super(loop);
            this.channel = channel;
        }

        @Override
        Object key() {
            return channel;
        }

        @Override
        SelectableChannel channel() {
            return channel;
        }

        @Override
        public SelectableChannel selectableChannel() {
            return channel;
        }

        /** OP_CONNECT becomes OP_WRITE once a connect finished: recompute the NIO ops every time. */
        @Override
        boolean alwaysRecheck() {
            return true;
        }

        @Override
        void cancelRegistration() {
            super.cancelRegistration();
            submittedOps = -1;
        }

        @Override
        void reduceToNothing() {
            if (registration != null && registration.isValid() && submittedOps != 0) {
                try {
                    registration.submit(NioIoOps.NONE);
                    submittedOps = 0;
                    submitted = 0;
                } catch (RuntimeException e) {
                    cancelRegistration();
                }
            }
        }

        @Override
        void submitRaw(int want, boolean force) {
            int valid = channel.validOps();
            int ops = 0;
            if ((want & Loop.READ) != 0) {
                ops |= valid & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT);
            }
            if ((want & Loop.WRITE) != 0) {
                boolean connecting = channel instanceof SocketChannel sc && sc.isConnectionPending();
                ops |= connecting ? SelectionKey.OP_CONNECT : (valid & SelectionKey.OP_WRITE);
            }
            if (ops != submittedOps) {
                registration.submit(NioIoOps.valueOf(ops));
                submittedOps = ops;
            }
        }

        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
            int ready = ((NioIoEvent) ioEvent).ops().value();
            int ev = 0;
            if ((ready & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
                ev |= Loop.READ;
            }
            if ((ready & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
                ev |= Loop.WRITE;
            }
            onEvent(ev);
        }

        @Override
        public String toString() {
            return "channel " + channel;
        }
    }
}
