package io.gevent4j.monkey;

import io.gevent4j.loop.internal.Opens;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.SocketImpl;

/**
 * Creates the JDK's own (platform) {@link SocketImpl}s, the ones {@code new java.net.Socket()} uses
 * when no factory is installed. The JDK has no public API for it: this needs
 * {@code --add-opens java.base/java.net=ALL-UNNAMED} (class path) or
 * {@code --add-opens java.base/java.net=io.gevent4j.monkey} (module path).
 */
final class PlatformSockets {
    /** The JVM flag without which patching sockets is impossible, spelled for how we were loaded. */
    static final String FLAG = Opens.flag("java.net", PlatformSockets.class);

    private static final MethodHandle CREATE;
    private static final Throwable FAILURE;

    static {
        MethodHandle h = null;
        Throwable failure = null;
        try {
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(SocketImpl.class, MethodHandles.lookup());
            h = l.findStatic(SocketImpl.class, "createPlatformSocketImpl",
                    MethodType.methodType(SocketImpl.class, boolean.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            failure = e;
        }
        CREATE = h;
        FAILURE = failure;
    }

    private PlatformSockets() {
    }

    /** Null when platform sockets can be created; else why not. */
    static Throwable unavailable() {
        return FAILURE;
    }

    /** A new platform SocketImpl: a client one, or a server one with {@code server}. */
    static SocketImpl create(boolean server) {
        if (CREATE == null) {
            throw new IllegalStateException("gevent4j.monkey needs the JVM flag " + FLAG, FAILURE);
        }
        try {
            return (SocketImpl) CREATE.invokeExact(server);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
