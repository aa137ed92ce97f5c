package io.gevent4j;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.Waiter;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * What the resource-style primitives share (queues, channels, semaphores, locks): the hub they belong
 * to, the lock that guards their state, FIFO lists of parked waiters, and the one blocking loop.
 * (Things that are waited on until they "have happened" - events, results, greenlets - share
 * {@link Links} instead.)
 *
 * <h2>Locking</h2>
 * A primitive's state is guarded by its {@code Sync} (used as a monitor), so any thread may call it.
 * Critical sections never block: a greenlet never parks while holding the lock, so another greenlet of
 * the same hub never finds it held; a foreign thread holds it only for a few instructions.
 *
 * <h2>Waking: gevent's order</h2>
 * A waker never hands a resource to a waiter. When a resource appears (an item, a free slot, a permit),
 * the waiters are <em>unlocked</em> as in gevent's {@code Queue._unlock}: a hub callback, queued behind
 * what is already runnable, wakes the oldest waiter and lets it run at once; the waiter takes the
 * resource itself (and, if it loops, may take the next one too); when it blocks again the callback
 * goes on with the next waiter while resources remain. So two getters waiting while a greenlet puts two
 * items get them as gevent hands them out: the first getter, running first, takes both if it asks
 * twice. A newcomer may take a free resource before a waiter that was not woken yet, as in gevent.
 *
 * <h2>Other threads and hubs</h2>
 * A waiter parks on a {@link Waiter} of its own hub (a foreign platform thread gets one). The unlock
 * callback runs on the hub of the oldest waiter, scheduled by a waker on that hub. A waiter of
 * <em>another</em> hub than the waker's, or any waiter when the waker has no hub, cannot be run at once:
 * it is signalled across threads and holds a <em>reservation</em> - a newcomer may take a resource only
 * if more are available than reservations are outstanding - so that it finds its resource when it runs;
 * if it is killed or times out first it gives the reservation back and the next waiter is woken.
 * The hub's own owner thread (its main greenlet) is woken the same way: it runs only once the loop
 * stops. Nothing is lost or stranded either way. A waiter on another hub than the primitive's, or waiting on a
 * primitive that was {@linkplain #shared used from another thread}, announces a
 * {@linkplain Hub#externalWait() external wait} so that its hub's owner does not conclude it would
 * block forever.
 */
final class Sync {
    /** Longer waits (about 73 years) are waits without a limit, so that deadlines cannot overflow. */
    static final long FOREVER = Long.MAX_VALUE >> 2;

    final Hub hub;
    /** Set, for good, once a thread other than the hub's used the primitive. */
    volatile boolean shared;
    /** The primitive, named where a greenlet waits on it (run info, LoopExit). */
    Object subject;

    Sync(Hub hub) {
        this.hub = hub;
    }

    Sync() {
        this(Hub.current());
    }

    /** Marks the primitive shared when the caller is not on its hub's thread. */
    void touch() {
        if (!shared && !hub.inHubThread()) {
            shared = true;
        }
    }

    /** A list of this primitive's waiters, woken while {@code available} exceeds the reservations. */
    WaitList waitList(IntSupplier available) {
        return new WaitList(this, available);
    }

    /** Under the lock: tries to complete the operation; true when done. May throw (shutdown). */
    interface Attempt {
        boolean attempt();
    }

    /**
     * The blocking loop of every resource-style wait (queue get and put, semaphore and lock acquire):
     * under the lock, {@code op} tries to complete; if it cannot, the caller parks on {@code list} until
     * woken, times out, or is killed, and tries again (a woken waiter that finds nothing keeps its
     * place at the head). After every attempt the list passes on what is available.
     *
     * @param nanos 0: do not wait; negative: no limit
     * @return true when {@code op} completed, false when the time ran out
     */
    boolean acquire(WaitList list, Attempt op, long nanos) {
        if (nanos > FOREVER) {
            nanos = -1;
        }
        Node node = null;
        Hub here = null;
        AutoCloseable external = null;
        long deadline = nanos > 0 ? nanoTime() + nanos : 0;
        try {
            while (true) {
                long left;
                synchronized (this) {
                    boolean hadTurn = node != null && list.release(node);
                    node = null;
                    try {
                        if (op.attempt()) {
                            return true;
                        }
                        left = nanos < 0 ? -1 : nanos == 0 ? 0 : deadline - nanoTime();
                        if (nanos == 0 || (nanos > 0 && left <= 0)) {
                            return false;
                        }
                        if (here == null) {
                            here = Hub.current();
                        }
                        node = new Node(here, subject);
                        if (hadTurn) {
                            list.addFirst(node); // it was its turn: it keeps its place
                        } else {
                            list.addLast(node);
                        }
                    } finally {
                        list.wake();
                    }
                }
                if (external == null && (here != hub || shared)) {
                    external = here.externalWait();
                }
                node.park(left);
            }
        } finally {
            if (node != null) {
                synchronized (this) {
                    list.release(node);
                    list.wake();
                }
            }
            close(external);
        }
    }

    /**
     * Parks the calling thread on {@code node} (already in a list) up to {@code nanos} (negative: no
     * limit), holding an external wait when needed; the caller re-checks the state under the lock.
     */
    void park(Node node, long nanos) {
        AutoCloseable external = null;
        Hub here = node.waiter.hub();
        if (here != hub || shared) {
            external = here.externalWait();
        }
        try {
            node.park(nanos);
        } finally {
            close(external);
        }
    }

    static void close(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // an external-wait handle cannot fail
            }
        }
    }

    /**
     * The clock deadlines of waits are measured on: the caller's hub's loop clock (virtual on a
     * simulated hub, {@link System#nanoTime()} otherwise), {@code System.nanoTime()} without a hub.
     */
    static long nanoTime() {
        Hub h = Hub.currentIfAny();
        return h == null ? System.nanoTime() : h.loop().nanoTime();
    }

    /** Nanoseconds to wait: 0 when not blocking, negative for no limit. */
    static long nanos(boolean block, Duration timeout) {
        if (!block) {
            return 0;
        }
        if (timeout == null) {
            return -1;
        }
        if (timeout.isNegative() || timeout.isZero()) {
            return 0;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    static long nanos(long amount, TimeUnit unit) {
        return Math.max(0, unit.toNanos(amount));
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    /** One parked waiter: a one-shot {@link Waiter} on the waiting thread's hub. Guarded by the lock. */
    static final class Node {
        final Waiter<Object> waiter;
        Node prev;
        Node next;
        boolean linked;
        /** Taken off the list by a wake-up: its turn came. */
        boolean woken;
        /** Holds one of the list's reservations (woken across threads). */
        boolean reserved;
        /** Channel putters: the item offered, and whether a getter took it. */
        Object item;
        boolean taken;

        Node(Hub hub, Object subject) {
            this.waiter = new Waiter<>(hub, subject);
        }

        /** Wakes the parked thread; safe from any thread, ignored after the first. */
        void signal() {
            waiter.switchTo(null);
        }

        /**
         * @return false on timeout
         * @throws Error what was thrown in: a kill or a timeout aimed at the waiting greenlet
         */
        boolean park(long nanos) {
            boolean woke = nanos < 0 || nanos > FOREVER ? waiter.await((Duration) null)
                    : waiter.await(nanos, TimeUnit.NANOSECONDS);
            if (woke && waiter.exception() != null) {
                throw sneaky(waiter.exception());
            }
            return woke;
        }
    }

    /**
     * A FIFO of parked waiters (an intrusive doubly linked list), the count of reservations held by
     * waiters woken across threads, and the unlock callback (see the class comment). Guarded by the
     * owning {@link Sync}.
     */
    static final class WaitList {
        private final Sync sync;
        private final IntSupplier available;
        private final Runnable unlock = this::unlock;
        private Node head;
        private Node tail;
        private int waiting;
        /** Reservations held by woken waiters that have not run again yet. */
        int reserved;
        /** An unlock callback is queued (or running) on the hub of {@link #scheduledOn}. */
        private Hub scheduledOn;

        WaitList(Sync sync, IntSupplier available) {
            this.sync = sync;
            this.available = available;
        }

        /** Waiters parked and not woken. */
        int waiting() {
            return waiting;
        }

        boolean isEmpty() {
            return waiting == 0;
        }

        void addLast(Node n) {
            n.linked = true;
            n.prev = tail;
            n.next = null;
            if (tail == null) {
                head = n;
            } else {
                tail.next = n;
            }
            tail = n;
            waiting++;
        }

        void addFirst(Node n) {
            n.linked = true;
            n.next = head;
            n.prev = null;
            if (head == null) {
                tail = n;
            } else {
                head.prev = n;
            }
            head = n;
            waiting++;
        }

        void unlink(Node n) {
            if (!n.linked) {
                return;
            }
            if (n.prev == null) {
                head = n.next;
            } else {
                n.prev.next = n.next;
            }
            if (n.next == null) {
                tail = n.prev;
            } else {
                n.next.prev = n.prev;
            }
            n.prev = n.next = null;
            n.linked = false;
            waiting--;
        }

        /** The oldest parked waiter, unlinked, or null. */
        Node poll() {
            Node n = head;
            if (n != null) {
                unlink(n);
            }
            return n;
        }

        /** The oldest parked waiter, still linked, or null. */
        Node peek() {
            return head;
        }

        /**
         * Takes {@code n} out of the list and gives back its reservation. Idempotent.
         *
         * @return true if its turn had come (it was woken)
         */
        boolean release(Node n) {
            if (n.reserved) {
                n.reserved = false;
                reserved--;
            }
            boolean hadTurn = n.woken;
            n.woken = false;
            unlink(n);
            return hadTurn;
        }

        /**
         * Under the lock, after the state changed: passes on what is available. Waiters of other hubs
         * than the caller's are signalled at once with a reservation; for the oldest waiter of the
         * caller's hub an unlock callback is queued on that hub (gevent's {@code _schedule_unlock}).
         */
        void wake() {
            if (head == null || scheduledOn != null) {
                return;
            }
            Hub here = Hub.currentIfAny();
            while (head != null && available.getAsInt() > reserved) {
                Node n = head;
                Hub theirs = n.waiter.hub();
                if (theirs == here && here.inHubThread()) {
                    schedule(here);
                    return;
                }
                signalAcross(poll());
            }
        }

        private void signalAcross(Node n) {
            n.woken = true;
            n.reserved = true;
            reserved++;
            n.signal();
        }

        private void schedule(Hub on) {
            scheduledOn = on;
            try {
                on.loop().execute(unlock);
            } catch (RejectedExecutionException e) {
                scheduledOn = null; // that hub is gone, and its waiters with it
            }
        }

        /**
         * The unlock callback, on {@link #scheduledOn}'s thread: wakes the oldest waiter while resources
         * remain; one of this hub runs at once and the unlock goes on after it (its turn to take).
         */
        private void unlock() {
            Node local = null;
            Hub on;
            synchronized (sync) {
                on = scheduledOn;
                while (head != null && available.getAsInt() > reserved) {
                    Node n = poll();
                    if (n.waiter.hub() == on && !n.waiter.mainWaiting()) {
                        n.woken = true;
                        local = n;
                        break;
                    }
                    // Another hub's waiter, or this hub's owner (it runs only once the loop stops):
                    // it takes its resource later, so it holds a reservation meanwhile.
                    signalAcross(n);
                }
                if (local == null) {
                    scheduledOn = null;
                    return;
                }
            }
            local.signal(); // from a loop callback: it runs next, before anything else
            on.loop().executeNext(unlock); // and the unlock goes on right after it
        }

        /** Wakes every parked waiter (a shutdown: each finds out for itself). */
        void wakeAll() {
            Node n;
            while ((n = poll()) != null) {
                n.woken = true;
                n.signal();
            }
        }
    }
}
