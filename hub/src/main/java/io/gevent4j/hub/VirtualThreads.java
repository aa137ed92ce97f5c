package io.gevent4j.hub;

import io.gevent4j.loop.internal.Carrier;
import io.gevent4j.loop.internal.Opens;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.util.concurrent.Executor;

/**
 * Makes virtual threads whose scheduler is a given {@link Executor}, and tells which virtual thread a
 * continuation task handed to such a scheduler belongs to. JDK 25 has no public API for either:
 * {@code java.lang.ThreadBuilders.newVirtualThread(Executor, String, int, Runnable)} is package-private,
 * and the task the JDK submits to a scheduler is its private {@code VirtualThread::runContinuation},
 * whose only captured value is the thread. Both are reachable only with {@code java.base/java.lang}
 * opened to us; the loop's {@link Carrier} needs the same for its thread checks inside greenlets, so
 * both this module and the loop's must have it. Without it the first use throws an exception that names
 * the flag as it must be written: {@code --add-opens java.base/java.lang=ALL-UNNAMED} on the class path,
 * {@code --add-opens java.base/java.lang=io.gevent4j.hub,io.gevent4j.loop} on the module path.
 */
final class VirtualThreads {

    private static final MethodHandle NEW_THREAD;
    private static final Throwable FAILURE;

    static {
        // JDK 25 on Linux polls for blocked virtual threads with "sub-poller" virtual threads that it
        // creates with Thread.ofVirtual() when its poller first initializes: if a greenlet triggers that
        // (a JDK socket read in a greenlet), they inherit the greenlet's hub as their scheduler (and
        // would be adopted as greenlets that never end), every virtual thread of the JVM then waits
        // through that hub, and once it is destroyed all of them hang. Platform poller threads (the
        // JDK 21 default) have no such tie. Set before any greenlet exists; a choice of the user's
        // (-Djdk.pollerMode) is kept.
        if (System.getProperty("jdk.pollerMode") == null) {
            System.setProperty("jdk.pollerMode", "1");
        }
        MethodHandle h = null;
        Throwable failure = null;
        try {
            Class<?> builders = Class.forName("java.lang.ThreadBuilders");
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(builders, MethodHandles.lookup());
            h = l.findStatic(builders, "newVirtualThread", MethodType.methodType(Thread.class,
                    Executor.class, String.class, int.class, Runnable.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            failure = e;
        }
        NEW_THREAD = h;
        FAILURE = failure;
    }

    private VirtualThreads() {
    }

    /** True when greenlets can be made in this JVM. */
    static boolean available() {
        return NEW_THREAD != null && Carrier.available();
    }

    /** The flag greenlets need, as it must be written for the way gevent4j was loaded. */
    static String flag() {
        String missing = Opens.missing("java.lang", VirtualThreads.class, Carrier.class);
        return missing != null ? missing : Opens.flag("java.lang", VirtualThreads.class, Carrier.class);
    }

    /**
     * A new unstarted, unnamed virtual thread running {@code task}, scheduled by {@code scheduler};
     * it inherits inheritable thread locals, as {@code Thread.ofVirtual()} does. Virtual threads it
     * creates inherit {@code scheduler} (the JDK gives a child the scheduler of the virtual thread that
     * created it).
     *
     * @throws IllegalStateException naming the missing JVM flag
     */
    static Thread newThread(Executor scheduler, Runnable task) {
        if (!available()) {
            throw new IllegalStateException("gevent4j greenlets are virtual threads scheduled by their hub, which "
                    + "needs the JVM flag: " + flag() + " (add it to the java command line, to "
                    + "JDK_JAVA_OPTIONS, or as Add-Opens to the manifest of an executable jar)", FAILURE);
        }
        try {
            return (Thread) NEW_THREAD.invokeExact(scheduler, (String) null, 0, task);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create a virtual thread with a custom scheduler", e);
        }
    }

    /** Per task class: the getter of its captured virtual thread, or null when it has none. */
    private static final ClassValue<MethodHandle> THREAD_FIELD = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
            for (Field f : type.getDeclaredFields()) {
                if (Thread.class.isAssignableFrom(f.getType())) {
                    try {
                        f.setAccessible(true);
                        return MethodHandles.lookup().unreflectGetter(f)
                                .asType(MethodType.methodType(Thread.class, Object.class));
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        return null;
                    }
                }
            }
            return null;
        }
    };

    /**
     * The virtual thread whose continuation {@code task} (as the JDK submits it to a scheduler) runs,
     * or null if it cannot be told.
     */
    static Thread threadOf(Runnable task) {
        MethodHandle getter = THREAD_FIELD.get(task.getClass());
        if (getter == null) {
            return null;
        }
        try {
            Thread t = (Thread) getter.invokeExact((Object) task);
            return t != null && t.isVirtual() ? t : null;
        } catch (Throwable e) {
            return null;
        }
    }
}
