package io.gevent4j;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.Waiter;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * What every cooperative primitive shares: the hub it belongs to, the lock that guards its state, FIFO
 * lists of parked waiters with wake-up reservations, and the one blocking loop.
 *
 * <h2>Locking</h2>
 * A primitive's state is guarded by its {@code Sync} (used as a monitor), so any thread may call it.
 * Critical sections never block: a greenlet never parks while holding the lock, so another greenlet of
 * the same hub never finds it held; a foreign thread holds it only for a few instructions.
 *
 * <h2>Waking (gevent's rule)</h2>
 * A waker never hands a resource to a waiter: it only <em>signals</em> the oldest waiter, which then
 * takes the resource itself once it runs again. A signalled waiter holds a <em>reservation</em>: a
 * newcomer may take a resource only if more are available than reservations are outstanding, so
 * waiters are served in FIFO order. A signalled waiter that is killed or times out before it runs
 * again gives its reservation back and the next waiter is signalled, so nothing is lost or stranded.
 *
 * <h2>Cross-thread waits</h2>
 * A waiter parks on a {@link Waiter} of its own hub (a foreign platform thread gets its own hub and
 * runs it while it waits); a waker on any thread wakes it with {@link Waiter#switchTo}, which is
 * thread-safe. A waiter on another hub than the primitive's, or waiting on a primitive that was
 * {@linkplain #shared used from another thread}, announces a {@linkplain Hub#externalWait() external
 * wait} so that its hub's owner does not conclude it would block forever.
 */
final class Sync {
    /** Longer waits (about 73 years) are waits without a limit, so that deadlines cannot overflow. */
    static final long FOREVER = Long.MAX_VALUE >> 2;

    final Hub hub;
    /** Set, for good, once a thread other than the hub's used the primitive. */
    volatile boolean shared;

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

    /** Under the lock: tries to complete the operation; true when done. May throw (shutdown). */
    interface Attempt {
        boolean attempt();
    }

    /**
     * The blocking loop of every resource-style wait (queue get and put, semaphore and lock acquire):
     * under the lock, {@code op} tries to complete; if it cannot, the caller parks on {@code list} until
     * signalled, times out, or is killed, and tries again. After every attempt, waiters are signalled
     * while {@code available} exceeds the outstanding reservations (passing on a reservation that was
     * not used).
     *
     * @param nanos 0: do not wait; negative: no limit
     * @return true when {@code op} completed, false when the time ran out
     */
    boolean acquire(WaitList list, IntSupplier available, Attempt op, long nanos) {
        if (nanos > FOREVER) {
            nanos = -1;
        }
        Node node = null;
        Hub here = null;
        AutoCloseable external = null;
        long deadline = nanos > 0 ? System.nanoTime() + nanos : 0;
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
                        left = nanos < 0 ? -1 : nanos == 0 ? 0 : deadline - System.nanoTime();
                        if (nanos == 0 || (nanos > 0 && left <= 0)) {
                            return false;
                        }
                        if (here == null) {
                            here = Hub.current();
                        }
                        node = new Node(here);
                        if (hadTurn) {
                            list.addFirst(node); // it was its turn: it keeps its place
                        } else {
                            list.addLast(node);
                        }
                    } finally {
                        list.wake(available.getAsInt());
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
                    list.wake(available.getAsInt());
                }
            }
            close(external);
        }
    }

    /**
     * The blocking step of every "wait until it has happened" (event, async result): unless
     * {@code done} holds under the lock, parks the caller on {@code list} until signalled, killed or
     * {@code nanos} passed (0: do not wait; negative: no limit).
     *
     * @return true when {@code done} held at once or the caller was signalled, false otherwise
     */
    boolean awaitSignal(WaitList list, java.util.function.BooleanSupplier done, long nanos) {
        Node node;
        synchronized (this) {
            if (done.getAsBoolean()) {
                return true;
            }
            if (nanos == 0) {
                return false;
            }
            node = new Node(Hub.current());
            list.addLast(node);
        }
        boolean signalled = false;
        try {
            park(node, nanos);
        } finally {
            synchronized (this) {
                signalled = list.release(node);
            }
        }
        return signalled;
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
        boolean signalled;
        /** Channel putters: the item offered, and whether a getter took it. */
        Object item;
        boolean taken;

        Node(Hub hub) {
            this.waiter = new Waiter<>(hub);
        }

        /** Wakes the parked thread; safe from any thread, ignored after the first. */
        void signal() {
            waiter.switchTo(null);
        }

        /**
         * @return false on timeout
         * @throws RuntimeException what was thrown in: a kill or a timeout aimed at the waiting greenlet
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
     * A FIFO of parked waiters (an intrusive doubly linked list) plus the count of signalled ones that
     * have not run yet. Guarded by the owning {@link Sync}.
     */
    static final class WaitList {
        private Node head;
        private Node tail;
        private int waiting;
        /** Waiters signalled that have not run again yet: outstanding reservations. */
        int signalled;

        /** Waiters parked and not signalled. */
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
         * Takes {@code n} out of the list, or gives back its reservation if it was signalled. Idempotent.
         *
         * @return true if it held a reservation
         */
        boolean release(Node n) {
            if (n.signalled) {
                n.signalled = false;
                signalled--;
                return true;
            }
            unlink(n);
            return false;
        }

        /** Signals the oldest parked waiters until {@code available} reservations are outstanding. */
        void wake(int available) {
            while (signalled < available && head != null) {
                Node n = poll();
                n.signalled = true;
                signalled++;
                n.signal();
            }
        }

        /** Signals every parked waiter (a reservation each). */
        void wakeAll() {
            Node n;
            while ((n = poll()) != null) {
                n.signalled = true;
                signalled++;
                n.signal();
            }
        }
    }
}
