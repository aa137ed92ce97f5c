package io.gevent4j;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * The JDK's {@code sun.misc.Signal} (module {@code jdk.unsupported}, open to every module without a
 * flag), reached reflectively so that compiling against it does not print "internal proprietary API"
 * warnings in every build. Signal objects and handlers travel as {@code Object}.
 */
final class SignalBridge {
    private static final Class<?> SIGNAL;
    private static final Class<?> HANDLER;
    private static final Method HANDLE;

    static {
        try {
            SIGNAL = Class.forName("sun.misc.Signal");
            HANDLER = Class.forName("sun.misc.SignalHandler");
            HANDLE = SIGNAL.getMethod("handle", SIGNAL, HANDLER);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private SignalBridge() {
    }

    /** {@code new Signal(name)}; {@link IllegalArgumentException} for an unknown name. */
    static Object signal(String name) {
        try {
            return SIGNAL.getConstructor(String.class).newInstance(name);
        } catch (InvocationTargetException e) {
            throw rethrow(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A {@code SignalHandler} that runs {@code action}. */
    static Object handler(Runnable action) {
        return Proxy.newProxyInstance(SignalBridge.class.getClassLoader(), new Class<?>[] {HANDLER}, (proxy, m, args) ->
                switch (m.getName()) {
                    case "handle" -> {
                        action.run();
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "gevent4j signal handler";
                    default -> throw new UnsupportedOperationException(m.toString());
                });
    }

    /**
     * {@code Signal.handle(signal, handler)}: installs {@code handler}, returns the one it replaces;
     * {@link IllegalArgumentException} if the JVM keeps that signal for itself.
     */
    static Object handle(Object signal, Object handler) {
        try {
            return HANDLE.invoke(null, signal, handler);
        } catch (InvocationTargetException e) {
            throw rethrow(e);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RuntimeException rethrow(InvocationTargetException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException r) {
            throw r;
        }
        if (c instanceof Error er) {
            throw er;
        }
        throw new IllegalStateException(c);
    }
}
