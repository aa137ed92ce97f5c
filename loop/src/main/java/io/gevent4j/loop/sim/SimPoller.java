package io.gevent4j.loop.sim;

import io.gevent4j.loop.Loop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;

import java.io.IOException;
import java.util.ArrayList;

/**
 * The epoll of a {@link SimKernel}, as a Netty {@link IoHandler} that a {@link Loop} drives. Level
 * triggered. A poll that may block never sleeps: it moves the virtual clock to the next network event
 * or the loop's next timer, whichever comes first, and reports what became ready; with neither left it
 * halts the kernel (nothing could ever wake the loop). Faults: ready descriptors reported in a shuffled
 * order, one poll late, or ready when they are not.
 *
 * <p>As with epoll, a registration belongs to an open socket, not to a number: closing the descriptor
 * takes the socket out of the interest set, and a later interest change on that registration fails
 * (ENOENT), also when the number was reused meanwhile; registering an open socket twice fails (EEXIST).
 */
final class SimPoller implements IoHandler {
    private final SimKernel kernel;
    private final ArrayList<Reg> regs = new ArrayList<>();
    private final ArrayList<Reg> ready = new ArrayList<>();
    private final ArrayList<Integer> masks = new ArrayList<>();
    private boolean destroyed;

    SimPoller(SimKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public int run(IoHandlerContext ctx) {
        if (destroyed || kernel.halted()) {
            return 0;
        }
        kernel.polled();
        kernel.deliverDue();
        collect();
        if (ready.isEmpty() && ctx.canBlock() && kernel.greenletsWaitForRealThreads()) {
            // A greenlet is parked where only a real thread wakes it: real time passes, the virtual clock
            // must not run ahead of it.
            if (!kernel.awaitRealWakeup()) {
                kernel.halt("hang: a greenlet waits for a real thread that did not wake it within 10 s (a JDK lock,"
                        + " Thread.sleep or a thread pool: outside the simulation)");
            }
            return 0;
        }
        if (ready.isEmpty() && ctx.canBlock()) {
            while (true) {
                long now = kernel.nanoTime();
                long delay = ctx.delayNanos(now);
                boolean timer = delay != Long.MAX_VALUE;
                long timerAt = now + delay;
                if (!kernel.hasEvents() && !timer) {
                    kernel.halt("hang: the loop waits and nothing can ever wake it (no timer, nothing in flight"
                            + " on the network; greenlets wait for each other, or for something outside the"
                            + " simulation)");
                    return 0;
                }
                boolean event = kernel.hasEvents() && (!timer || kernel.nextEventTime() - timerAt <= 0);
                long target = event ? kernel.nextEventTime() : timerAt;
                if (kernel.beyondLimit(target)) {
                    kernel.halt("virtual time limit: the run goes on past " + kernel.timeLimitNanos() / 1_000_000_000.0
                            + " s of virtual time (a livelock, a retry loop, or a wait that never ends)");
                    return 0;
                }
                kernel.advanceTo(target);
                if (!event) {
                    break; // the loop's timer is due: the loop expires it after this poll
                }
                kernel.deliverDue();
                collect();
                if (!ready.isEmpty()) {
                    break;
                }
            }
        } else if (kernel.beyondLimit(kernel.nanoTime())) {
            kernel.halt("virtual time limit: the run goes on past " + kernel.timeLimitNanos() / 1_000_000_000.0
                    + " s of virtual time (a livelock: the loop never waits)");
            return 0;
        }
        faults();
        int n = ready.size();
        for (int i = 0; i < n; i++) {
            Reg r = ready.get(i);
            if (r.valid && !r.stale) {
                int mask = masks.get(i);
                kernel.trace("poll", r.handle.fd(), mask, r.file.id);
                r.handle.handle(r, new SimIoEvent(mask));
            }
        }
        ready.clear();
        masks.clear();
        return n;
    }

    /** The registrations whose interest the socket's readiness meets now. */
    private void collect() {
        ready.clear();
        masks.clear();
        for (int i = 0, n = regs.size(); i < n; i++) {
            Reg r = regs.get(i);
            if (r.stale || r.interest == 0) {
                continue;
            }
            int m = r.file.readiness() & r.interest;
            if (m != 0) {
                ready.add(r);
                masks.add(m);
            }
        }
    }

    private void faults() {
        SimFaults f = kernel.faults();
        if (f.deferReady() > 0) {
            for (int i = ready.size() - 1; i >= 0; i--) {
                if (kernel.chance(f.deferReady())) {
                    kernel.count(SimKernel.Fault.DEFERRED_READY);
                    ready.remove(i);
                    masks.remove(i);
                }
            }
        }
        if (f.spurious() > 0 && !regs.isEmpty() && kernel.chance(f.spurious())) {
            Reg r = regs.get(kernel.rnd().nextInt(regs.size()));
            if (!r.stale && r.interest != 0 && (r.file.readiness() & r.interest) == 0) {
                kernel.count(SimKernel.Fault.SPURIOUS_READY);
                kernel.trace("poll: fd " + r.handle.fd() + " reported ready but is not [fault]", r.file.id, 0);
                ready.add(r);
                masks.add(r.interest);
            }
        }
        if (ready.size() > 1 && kernel.chance(f.reorder())) {
            kernel.count(SimKernel.Fault.REORDERED_POLL);
            for (int i = ready.size() - 1; i > 0; i--) {
                int j = kernel.rnd().nextInt(i + 1);
                ready.set(j, ready.set(i, ready.get(j)));
                masks.set(j, masks.set(i, masks.get(j)));
            }
        }
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        SimIoHandle h = (SimIoHandle) handle;
        SimSocket file = kernel.fileOrNull(h.fd());
        if (file == null) {
            throw new IOException("epoll_ctl(EPOLL_CTL_ADD, fd " + h.fd() + ") failed: Bad file descriptor");
        }
        for (Reg r : regs) {
            if (r.file == file && !r.stale) {
                throw new IOException("epoll_ctl(EPOLL_CTL_ADD, fd " + h.fd() + ") failed: File exists");
            }
        }
        Reg r = new Reg(h, file);
        regs.add(r);
        kernel.trace("epoll_ctl(ADD, fd " + h.fd() + ")", file.id, 0);
        return r;
    }

    /** Descriptor closed: its socket leaves the interest set; the registration objects stay until cancelled. */
    void fileClosed(SimSocket file) {
        for (Reg r : regs) {
            if (r.file == file) {
                r.stale = true;
                r.interest = 0;
            }
        }
    }

    int registrationCount() {
        return regs.size();
    }

    String interestOf(SimSocket file) {
        for (Reg r : regs) {
            if (r.file == file && !r.stale) {
                return r.interest == 0 ? " (registered, no interest)"
                        : " (waits for " + (r.interest == Loop.READ ? "READ" : r.interest == Loop.WRITE ? "WRITE"
                        : "READ|WRITE") + ")";
            }
        }
        return "";
    }

    @Override
    public void wakeup() {
        kernel.wakeup(); // a poll blocks in real time only while a greenlet waits for a real thread
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return SimIoHandle.class.isAssignableFrom(handleType);
    }

    @Override
    public void prepareToDestroy() {
        destroyed = true;
    }

    @Override
    public void destroy() {
        destroyed = true;
        regs.clear();
    }

    /** One registration: a socket, the loop's handle for it, and its interest. */
    private final class Reg implements IoRegistration {
        final SimIoHandle handle;
        final SimSocket file;
        int interest;
        boolean valid = true;
        /** Its socket's descriptor was closed: epoll forgot it. */
        boolean stale;

        Reg(SimIoHandle handle, SimSocket file) {
            this.handle = handle;
            this.file = file;
        }

        @Override
        public <T> T attachment() {
            return null;
        }

        @Override
        public long submit(IoOps ops) {
            if (!valid) {
                throw new IllegalStateException("registration cancelled");
            }
            if (stale) {
                throw new IllegalStateException("epoll_ctl(EPOLL_CTL_MOD, fd " + handle.fd()
                        + ") failed: No such file or directory (the descriptor was closed)");
            }
            int events = ((SimIoOps) ops).events();
            if (events != interest) {
                interest = events;
                kernel.trace(events == Loop.READ ? "epoll_ctl(MOD, READ)" : events == Loop.WRITE
                        ? "epoll_ctl(MOD, WRITE)" : "epoll_ctl(MOD, READ|WRITE)", file.id, handle.fd());
            }
            return 0;
        }

        @Override
        public boolean isValid() {
            return valid;
        }

        @Override
        public boolean cancel() {
            if (!valid) {
                return false;
            }
            valid = false;
            regs.remove(this);
            if (!stale) {
                kernel.trace("epoll_ctl(DEL, fd " + handle.fd() + ")", file.id, 0);
            }
            return true;
        }
    }
}
