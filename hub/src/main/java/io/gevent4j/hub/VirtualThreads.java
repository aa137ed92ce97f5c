package io.gevent4j.hub;

import io.gevent4j.loop.internal.Carrier;
import io.gevent4j.loop.internal.Opens;

import java.lang.reflect.Constructor;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * Makes virtual threads whose scheduler is a given {@link Executor}. JDK 25 has no public API for
 * that; {@code java.lang.ThreadBuilders$VirtualThreadBuilder} has a package-private constructor taking
 * the executor, reachable only with {@code java.base/java.lang} opened to us. The loop's
 * {@link Carrier} needs the same for its thread checks inside greenlets, so both this module and the
 * loop's must have it. Without it the first use throws an exception that names the flag as it must be
 * written: {@code --add-opens java.base/java.lang=ALL-UNNAMED} on the class path,
 * {@code --add-opens java.base/java.lang=io.gevent4j.hub,io.gevent4j.loop} on the module path.
 */
final class VirtualThreads {

    private static final Constructor<?> BUILDER;
    private static final Throwable FAILURE;

    static {
        // JDK 25 on Linux polls for blocked virtual threads with "sub-poller" virtual threads that it
        // creates with Thread.ofVirtual() when its poller first initializes: if a greenlet triggers that
        // (a JDK socket read in a greenlet), they inherit the greenlet's hub as their scheduler, every
        // virtual thread of the JVM then waits through that hub, and once it is destroyed all of them
        // hang. Platform poller threads (the JDK 21 default) have no such tie. Set before any greenlet
        // exists; a choice of the user's (-Djdk.pollerMode) is kept.
        if (System.getProperty("jdk.pollerMode") == null) {
            System.setProperty("jdk.pollerMode", "1");
        }
        Constructor<?> c = null;
        Throwable failure = null;
        try {
            Class<?> cls = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            c = cls.getDeclaredConstructor(Executor.class);
            c.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            c = null;
            failure = e;
        }
        BUILDER = c;
        FAILURE = failure;
    }

    private VirtualThreads() {
    }

    /** True when greenlets can be made in this JVM. */
    static boolean available() {
        return BUILDER != null && Carrier.available();
    }

    /** The flag greenlets need, as it must be written for the way gevent4j was loaded. */
    static String flag() {
        String missing = Opens.missing("java.lang", VirtualThreads.class, Carrier.class);
        return missing != null ? missing : Opens.flag("java.lang", VirtualThreads.class, Carrier.class);
    }

    /**
     * A factory of unstarted virtual threads scheduled by {@code scheduler}.
     *
     * @throws IllegalStateException naming the missing JVM flag
     */
    static ThreadFactory factory(Executor scheduler) {
        if (!available()) {
            throw new IllegalStateException("gevent4j greenlets are virtual threads scheduled by their hub, which "
                    + "needs the JVM flag: " + flag() + " (add it to the java command line, to "
                    + "JDK_JAVA_OPTIONS, or as Add-Opens to the manifest of an executable jar)", FAILURE);
        }
        try {
            Thread.Builder.OfVirtual builder = (Thread.Builder.OfVirtual) BUILDER.newInstance(scheduler);
            return builder.factory();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create a virtual thread builder with a custom scheduler", e);
        }
    }
}
