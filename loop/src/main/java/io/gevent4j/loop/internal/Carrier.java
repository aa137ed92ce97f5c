package io.gevent4j.loop.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Which platform thread is executing right now, seen through virtual threads.
 *
 * <p>A greenlet is a virtual thread mounted on its hub's platform thread; inside it
 * {@code Thread.currentThread()} is the virtual thread. Ownership checks in the loop need the
 * carrier instead. The JDK's {@code Thread.currentCarrierThread()} (an intrinsic) gives it; it is
 * package-private, reachable only when {@code java.base/java.lang} is opened to us - the same flag
 * greenlets need. Without the flag no greenlet can exist, so {@code Thread.currentThread()} is then
 * exact.
 */
public final class Carrier {
    private static final MethodHandle CURRENT_CARRIER = lookup();

    private Carrier() {
    }

    private static MethodHandle lookup() {
        try {
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
            return l.findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** True when the JVM lets us see carrier threads (java.lang is opened to us). */
    public static boolean available() {
        return CURRENT_CARRIER != null;
    }

    /** The platform thread running the caller: the caller itself, or the carrier of a virtual thread. */
    public static Thread current() {
        MethodHandle mh = CURRENT_CARRIER;
        if (mh == null) {
            return Thread.currentThread();
        }
        try {
            return (Thread) mh.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
