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
 * changed; the loop applies changes right before it polls. On the native backends (epoll, kqueue)
 * stopping a watcher changes nothing at once: when an event arrives that no active watcher wants, the
 * interest is reduced then (to nothing: the registration is cancelled). On NIO stopping a watcher marks
 * the source changed, so the exact interest is applied before the next poll (a stale
 * {@code OP_CONNECT} or {@code OP_WRITE} would spin the selector). Closing the last watcher cancels the
 * registration (on NIO at the next poll). The handle's {@code close()} never closes the user's
 * descriptor.
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

    /**
     * Each backend's source is made by a static method of its own class: verifying this method then
     * never loads {@code EpollSource} or {@code KQueueSource}, so a class path without the other
     * system's Netty jars (no kqueue on Linux, no epoll on macOS) works.
     */
    static IoSource forFd(Loop loop, int fd) {
        return switch (loop.backend()) {
            case KQUEUE -> KQueueSource.create(loop, fd);
            case IO_URING -> UringSource.create(loop, fd);
            case SIM -> new SimSource(loop, fd);
            default -> EpollSource.create(loop, fd);
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
        if (watchers.isEmpty() && !heldBeyondWatchers()) {
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

    /** True while the source has open watchers (a closing NIO source has none) or other open users. */
    boolean inUse() {
        return !watchers.isEmpty() || heldBeyondWatchers();
    }

    /** True while something other than watchers uses the registration (io_uring's completion I/O). */
    boolean heldBeyondWatchers() {
        return false;
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
        if (want == 0 && oneShot()) {
            return; // lazily: a poll still in flight completes and re-arms nothing
        }
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
        if (oneShot()) {
            // The kernel dropped the interest with this event (io_uring's POLL_ADD). Re-arm before the
            // next poll if a watcher still wants it then: by that time the woken greenlet has usually
            // done its read and stopped its watcher, so nothing is re-armed in vain.
            submitted = 0;
            for (int i = 0, n = watchers.size(); i < n; i++) {
                IoWatcher w = watchers.get(i);
                int r = w.events() & ev;
                if (w.isActive() && r != 0) {
                    w.revents = r;
                    w.fire();
                }
            }
            markChanged();
            return;
        }
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
    void fail() {
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

    /** True when every event ends the kernel's interest (io_uring): it is re-armed before the next poll. */
    boolean oneShot() {
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

        private EpollSource(Loop loop, int fd) {
            super(loop, fd);
            this.descriptor = new FileDescriptor(fd);
        }

        static IoSource create(Loop loop, int fd) {
            return new EpollSource(loop, fd);
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

    // ------------------------------------------------------------------ io_uring

    /**
     * A descriptor on the io_uring loop: one Netty registration carrying the readiness polls of the
     * descriptor's {@link IoWatcher}s (one one-shot {@code POLL_ADD} in flight at most, re-armed before
     * each poll while wanted) and the completion-based reads and writes of its {@link CompletionIo} (one
     * {@code RECV} and one {@code SEND} in flight at most). Completions are told apart by the 16-bit data
     * Netty hands back: the kind in the top two bits, and for polls a generation, so that the completion
     * of a poll that was cancelled and replaced is ignored.
     */
    static final class UringSource extends FdSource implements io.netty.channel.uring.IoUringIoHandle {
        // Linux <linux/io_uring.h> and <poll.h>.
        private static final byte OP_POLL_ADD = 6;
        private static final byte OP_ASYNC_CANCEL = 14;
        private static final byte OP_SEND = 26;
        private static final byte OP_RECV = 27;
        private static final int POLLIN = 0x1;
        private static final int POLLOUT = 0x4;
        private static final int POLLERR = 0x8;
        private static final int POLLHUP = 0x10;
        private static final int POLLRDHUP = 0x2000;
        static final int ECANCELED = 125;
        private static final int MSG_NOSIGNAL = 0x4000;

        private static final int KIND_POLL = 1 << 14;
        private static final int KIND_RECV = 2 << 14;
        private static final int KIND_SEND = 3 << 14;
        private static final int KIND_MASK = 3 << 14;

        /** Generation of the poll in flight (14 bits), and its Netty id for cancelling; 0: none. */
        private int pollGen;
        private long pollId;
        private CompletionIo completions;

        /** Kept apart so that only the io_uring backend loads Netty's io_uring classes. */
        static IoSource create(Loop loop, int fd) {
            return new UringSource(loop, fd);
        }

        UringSource(Loop loop, int fd) {
            super(loop, fd);
        }

        @Override
        boolean oneShot() {
            return true;
        }

        CompletionIo completionIo() {
            if (completions != null && completions.isClosed()) {
                if (completions.recvInFlight() || completions.sendInFlight()) {
                    throw new IllegalStateException("fd " + fd + ": the closed completion I/O of an earlier user still has"
                            + " operations in flight (close watchers and completion I/O before closing the descriptor)");
                }
                completions = null;
            }
            if (completions == null) {
                completions = new CompletionIo(this);
            }
            return completions;
        }

        @Override
        boolean heldBeyondWatchers() {
            return completions != null && !completions.isClosed();
        }

        /** The completion I/O was closed: drop the registration if no watcher is left either. */
        void completionsClosed() {
            if (!inUse()) {
                cancelRegistration();
                loop.forgetSource(this);
            }
        }

        private io.netty.channel.IoRegistration registration() throws Exception {
            if (registration == null || !registration.isValid()) {
                registration = loop.handler().register(this);
            }
            return registration;
        }

        @Override
        void submitRaw(int want, boolean force) throws Exception {
            io.netty.channel.IoRegistration r = registration();
            cancelPoll(r);
            int mask = 0;
            if ((want & Loop.READ) != 0) {
                mask |= POLLIN | POLLRDHUP;
            }
            if ((want & Loop.WRITE) != 0) {
                mask |= POLLOUT;
            }
            pollGen = (pollGen % 0x3fff) + 1;
            pollId = r.submit(new io.netty.channel.uring.IoUringIoOps(OP_POLL_ADD, (byte) 0, (short) 0, fd,
                    0L, 0L, 0, mask, (short) (KIND_POLL | pollGen), (short) 0, (short) 0, 0, 0L));
        }

        private void cancelPoll(io.netty.channel.IoRegistration r) {
            if (pollId != 0) {
                long id = pollId;
                pollId = 0;
                submitCancel(r, id);
            }
        }

        private static void submitCancel(io.netty.channel.IoRegistration r, long id) {
            r.submit(new io.netty.channel.uring.IoUringIoOps(OP_ASYNC_CANCEL, (byte) 0, (short) 0, -1,
                    0L, id, 0, 0, (short) 0, (short) 0, (short) 0, 0, 0L));
        }

        /** Submits a RECV or SEND; returns Netty's id of it (for {@link #cancelOp}). */
        long submitIo(boolean recv, long address, int length) throws java.io.IOException {
            io.netty.channel.IoRegistration r;
            try {
                r = registration();
            } catch (Exception e) {
                throw new java.io.IOException("io_uring refused fd " + fd + ": " + e, e);
            }
            return r.submit(new io.netty.channel.uring.IoUringIoOps(recv ? OP_RECV : OP_SEND, (byte) 0, (short) 0, fd,
                    0L, address, length, recv ? 0 : MSG_NOSIGNAL, (short) (recv ? KIND_RECV : KIND_SEND),
                    (short) 0, (short) 0, 0, 0L));
        }

        void cancelOp(long id) {
            io.netty.channel.IoRegistration r = registration;
            if (r != null && r.isValid()) {
                submitCancel(r, id);
            }
        }

        @Override
        void cancelRegistration() {
            io.netty.channel.IoRegistration r = registration;
            if (r != null && r.isValid()) {
                try {
                    cancelPoll(r);
                    if (completions != null) {
                        completions.cancelAll();
                    }
                } catch (RuntimeException e) {
                    log.debug("{}: cancelling in-flight operations failed", this, e);
                }
            }
            pollId = 0;
            super.cancelRegistration(); // Netty keeps it until the cancelled operations have completed
        }

        @Override
        void reduceToNothing() {
            // nothing to withdraw: a poll in flight completes once and is not re-armed
        }

        @Override
        public void handle(io.netty.channel.IoRegistration registration, io.netty.channel.IoEvent ioEvent) {
            var e = (io.netty.channel.uring.IoUringIoEvent) ioEvent;
            int data = e.data() & 0xffff;
            int kind = data & KIND_MASK;
            int res = e.res();
            if (kind == KIND_RECV || kind == KIND_SEND) {
                if (completions != null) {
                    completions.completed(kind == KIND_RECV, res);
                }
                return;
            }
            if (kind != KIND_POLL || (data & ~KIND_MASK) != pollGen || pollId == 0) {
                return; // a cancelled poll, or the completion of a cancel
            }
            pollId = 0;
            if (res < 0) {
                if (res == -ECANCELED) {
                    return;
                }
                submitted = 0;
                fail(); // EBADF and the like: wake the watchers, their retry sees the error
                return;
            }
            int ev = 0;
            if ((res & (POLLIN | POLLRDHUP | POLLERR | POLLHUP)) != 0) {
                ev |= Loop.READ;
            }
            if ((res & (POLLOUT | POLLERR | POLLHUP)) != 0) {
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

        private KQueueSource(Loop loop, int fd) {
            super(loop, fd);
        }

        static IoSource create(Loop loop, int fd) {
            return new KQueueSource(loop, fd);
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
