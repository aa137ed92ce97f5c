package io.gevent4j.loop;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.nio.NioIoHandler;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The kernel poller behind a {@link Loop}, each one of Netty 4.2's {@code IoHandler}s.
 *
 * <p>{@link #auto()} picks epoll on Linux, kqueue on macOS/BSD and NIO elsewhere; the system
 * property {@code gevent4j.loop=epoll|kqueue|nio} overrides the choice.
 */
public enum Backend {
    /** Linux epoll through {@code netty-transport-native-epoll}. I/O sources are file descriptors. */
    EPOLL,
    /** BSD/macOS kqueue through {@code netty-transport-native-kqueue}. I/O sources are file descriptors. */
    KQUEUE,
    /** {@code java.nio} selectors: portable. I/O sources are {@link java.nio.channels.SelectableChannel}s. */
    NIO;

    /** The system property that forces a backend. */
    public static final String PROPERTY = "gevent4j.loop";

    /** {@return true when this backend's native library loads on this machine} */
    public boolean isAvailable() {
        return switch (this) {
            case EPOLL -> Natives.epoll();
            case KQUEUE -> Natives.kqueue();
            case NIO -> true;
        };
    }

    /** {@return true when I/O watchers of this backend take file descriptors rather than NIO channels} */
    public boolean usesFileDescriptors() {
        return this != NIO;
    }

    /**
     * {@return the backend named by {@value #PROPERTY}, else the best available one}
     *
     * @throws IllegalArgumentException if the property names an unknown backend
     * @throws IllegalStateException if the property names a backend that does not load here
     */
    public static Backend auto() {
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isBlank()) {
            Backend b;
            try {
                b = valueOf(forced.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "-D" + PROPERTY + "=" + forced + ": expected one of epoll, kqueue, nio", e);
            }
            if (!b.isAvailable()) {
                throw new IllegalStateException("-D" + PROPERTY + "=" + forced
                        + ": that backend does not load on this machine (" + Natives.why(b) + ")");
            }
            return b;
        }
        if (EPOLL.isAvailable()) {
            return EPOLL;
        }
        if (KQUEUE.isAvailable()) {
            return KQUEUE;
        }
        warnNioFallback();
        return NIO;
    }

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** Once per JVM: on Linux or macOS NIO is a fallback worth knowing about (slower, more garbage). */
    private static void warnNioFallback() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        Backend expected = os.contains("linux") ? EPOLL : os.contains("mac") || os.contains("bsd") ? KQUEUE : null;
        if (expected == null || !WARNED.compareAndSet(false, true)) {
            return;
        }
        String jars = expected == EPOLL ? "netty-transport-classes-epoll and netty-transport-native-epoll"
                : "netty-transport-classes-kqueue and netty-transport-native-kqueue";
        LoggerFactory.getLogger(Backend.class).warn("{} is not available ({}); gevent4j loops use NIO. On the "
                        + "class path add {} (with the classifier of this machine); on the module path also "
                        + "--add-modules ALL-MODULE-PATH (or the modules of those jars), since nothing requires "
                        + "them. -D{}=nio silences this.", expected, Natives.why(expected), jars, PROPERTY);
    }

    /** Netty's handler factory for this backend; only the chosen backend's classes are loaded. */
    IoHandlerFactory ioHandlerFactory() {
        return switch (this) {
            case EPOLL -> Natives.epollFactory();
            case KQUEUE -> Natives.kqueueFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    /**
     * Every reference to a backend's classes, kept apart so that loading Backend (or Loop) never loads
     * a native class: a class path may lack the other system's jars (no kqueue on Linux).
     */
    private static final class Natives {
        static IoHandlerFactory epollFactory() {
            return io.netty.channel.epoll.EpollIoHandler.newFactory();
        }

        static IoHandlerFactory kqueueFactory() {
            return io.netty.channel.kqueue.KQueueIoHandler.newFactory();
        }

        static boolean epoll() {
            try {
                return io.netty.channel.epoll.Epoll.isAvailable();
            } catch (Throwable t) {
                return false;
            }
        }

        static boolean kqueue() {
            try {
                return io.netty.channel.kqueue.KQueue.isAvailable();
            } catch (Throwable t) {
                return false;
            }
        }

        static String why(Backend b) {
            try {
                Throwable cause = switch (b) {
                    case EPOLL -> io.netty.channel.epoll.Epoll.unavailabilityCause();
                    case KQUEUE -> io.netty.channel.kqueue.KQueue.unavailabilityCause();
                    case NIO -> null;
                };
                return String.valueOf(cause);
            } catch (Throwable t) {
                return t.toString();
            }
        }
    }
}
