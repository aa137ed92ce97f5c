package io.gevent4j.hub;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenarios where the hub's owner thread waits in a gevent call while it holds monitors
 * (the evidence of issue 9): each returns null when the promise holds, else what went wrong. Run by
 * {@link OwnerThreadMonitorTest} in the test JVM and, as {@link #main}, in a child JVM with {@code -Xint}.
 */
final class OwnerMonitors {
    private OwnerMonitors() {
    }

    /** The owner sleeps inside synchronized while greenlets park and wake around it; the monitor survives. */
    static String ownerHoldsMonitorWhileGreenletsPark() {
        Object lock = new Object();
        AtomicInteger ticks = new AtomicInteger();
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            for (int i = 0; i < 20; i++) {
                ticks.incrementAndGet();
                Gevent.sleep(1);
            }
        });
        synchronized (lock) {
            for (int i = 0; i < 5; i++) {
                Gevent.sleep(3);
                if (!Thread.holdsLock(lock)) {
                    return "holdsLock turned false on the owner after a wait";
                }
            }
        }
        if (Thread.holdsLock(lock)) {
            return "holdsLock still true after leaving the block";
        }
        ticker.join();
        if (ticks.get() != 20) {
            return "ticker ticked " + ticks.get() + " times";
        }
        // The monitor is free: another platform thread can take it at once.
        return lockableByOtherThread(lock) ? null : "the monitor stayed locked after the owner left it";
    }

    /** A greenlet that enters a monitor the owner holds waits until the owner leaves it. */
    static String greenletWaitsForOwnersMonitor() {
        Object lock = new Object();
        List<String> events = new CopyOnWriteArrayList<>();
        Greenlet<Void> g;
        synchronized (lock) {
            g = Gevent.spawn(() -> {
                events.add("greenlet holdsLock before=" + Thread.holdsLock(lock));
                synchronized (lock) {
                    events.add("greenlet inside holdsLock=" + Thread.holdsLock(lock));
                }
            });
            Gevent.sleep(20); // the greenlet runs and blocks on the monitor meanwhile
            events.add("owner leaving holdsLock=" + Thread.holdsLock(lock));
        }
        g.join();
        List<String> want = List.of("greenlet holdsLock before=false", "owner leaving holdsLock=true",
                "greenlet inside holdsLock=true");
        return events.equals(want) ? null : "order " + events + ", expected " + want;
    }

    /** Nested synchronized on one object around a wait in which a greenlet parks (evidence Spin.java). */
    static String nestedSynchronizedAroundAWait() {
        Object lock = new Object();
        String r = outer(lock);
        return "returned".equals(r) ? null : r;
    }

    private static String outer(Object lock) {
        synchronized (lock) {
            inner(lock);
            if (!Thread.holdsLock(lock)) {
                return "holdsLock false in the outer block";
            }
        }
        return "returned";
    }

    private static void inner(Object lock) {
        synchronized (lock) {
            Greenlet<Void> parker = Gevent.spawn(() -> LockSupport.parkNanos(1_000_000));
            Gevent.sleep(5);
            parker.join();
        }
    }

    /** {@code synchronized (L) { Gevent.sleep(50); }} with one ticking greenlet (crashed the JVM before). */
    static String sleepInSynchronizedWithTicker() {
        Object lock = new Object();
        AtomicInteger ticks = new AtomicInteger();
        Greenlet<Void> ticker = Gevent.spawn(() -> {
            while (true) {
                ticks.incrementAndGet();
                Gevent.sleep(1);
            }
        });
        for (int round = 0; round < 5; round++) {
            synchronized (lock) {
                Gevent.sleep(10);
            }
        }
        ticker.kill();
        return ticks.get() > 0 && ticker.ready() ? null : "ticker: " + ticks.get() + " ticks, ready=" + ticker.ready();
    }

    /** Many greenlets contend for a monitor the owner also takes between its waits: mutual exclusion holds. */
    static String mutualExclusionWithOwner() {
        Object lock = new Object();
        int[] counter = {0};
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            gs.add(Gevent.spawn(() -> {
                for (int k = 0; k < 10; k++) {
                    synchronized (lock) {
                        if (inside.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        counter[0]++;
                        Gevent.sleep(0); // park inside the monitor: JEP 491 lets a greenlet do that
                        inside.decrementAndGet();
                    }
                }
            }));
        }
        for (int k = 0; k < 10; k++) {
            synchronized (lock) {
                if (inside.incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                }
                counter[0]++;
                Gevent.sleep(1);
                inside.decrementAndGet();
            }
        }
        Gevent.joinall(gs);
        if (overlaps.get() != 0) {
            return overlaps.get() + " overlapping entries";
        }
        return counter[0] == 210 ? null : "counter " + counter[0];
    }

    private static boolean lockableByOtherThread(Object lock) {
        boolean[] got = {false};
        Thread t = Thread.ofPlatform().start(() -> {
            synchronized (lock) {
                got[0] = true;
            }
        });
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return got[0];
    }

    static final String[] ALL = {"ownerHoldsMonitorWhileGreenletsPark", "greenletWaitsForOwnersMonitor",
            "nestedSynchronizedAroundAWait", "sleepInSynchronizedWithTicker", "mutualExclusionWithOwner"};

    static String run(String name) {
        return switch (name) {
            case "ownerHoldsMonitorWhileGreenletsPark" -> ownerHoldsMonitorWhileGreenletsPark();
            case "greenletWaitsForOwnersMonitor" -> greenletWaitsForOwnersMonitor();
            case "nestedSynchronizedAroundAWait" -> nestedSynchronizedAroundAWait();
            case "sleepInSynchronizedWithTicker" -> sleepInSynchronizedWithTicker();
            case "mutualExclusionWithOwner" -> mutualExclusionWithOwner();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Runs every scenario; prints one line each; exit status 0 only if all held. */
    public static void main(String[] args) {
        int failed = 0;
        for (String name : ALL) {
            String r = run(name);
            System.out.println(name + ": " + (r == null ? "ok" : "FAILED " + r));
            if (r != null) {
                failed++;
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
