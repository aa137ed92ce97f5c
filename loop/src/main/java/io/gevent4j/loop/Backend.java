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
 * property {@code gevent4j.loop=epoll|io_uring|kqueue|nio} overrides the choice. io_uring is chosen only
 * when asked for: on this project's measurements (bench/run-all.sh, README "Benchmarks") it does not
 * clearly beat epoll (ahead on some loads, behind on others, within the noise), it holds more memory per
 * idle connection, and container runtimes often filter it out; so epoll stays the default. Asked for where it is
 * unavailable (an old kernel, {@code kernel.io_uring_disabled}, a seccomp filter, no native library for
 * the CPU), the loop logs one line and uses epoll instead.
 * {@link #SIM}, the simulated kernel of deterministic tests, is chosen on a thread that has one
 * installed, and only there.
 */
public enum Backend {
    /** Linux epoll through {@code netty-transport-native-epoll}. I/O sources are file descriptors. */
    EPOLL,
    /**
     * Linux io_uring through {@code netty-transport-native-io_uring}. I/O sources are file descriptors:
     * readiness watchers become one-shot {@code POLL_ADD}s, and sockets submit their reads and writes as
     * {@code RECV}/{@code SEND} and park until the completion arrives ({@link CompletionIo}).
     */
    IO_URING,
    /** BSD/macOS kqueue through {@code netty-transport-native-kqueue}. I/O sources are file descriptors. */
    KQUEUE,
    /** {@code java.nio} selectors: portable. I/O sources are {@link java.nio.channels.SelectableChannel}s. */
    NIO,
    /**
     * A simulated kernel ({@link io.gevent4j.loop.sim.SimKernel}): virtual clock, in-memory network, faults
     * from a seed. Available, and picked by {@link #auto()}, on a thread with an
     * {@linkplain io.gevent4j.loop.sim.SimKernel#install installed} kernel. I/O sources are simulated
     * file descriptors.
     */
    SIM;

    /** The system property that forces a backend. */
    public static final String PROPERTY = "gevent4j.loop";

    /** {@return true when this backend's native library loads on this machine} */
    public boolean isAvailable() {
        return switch (this) {
            case EPOLL -> Natives.epoll();
            case IO_URING -> Natives.ioUring();
            case KQUEUE -> Natives.kqueue();
            case NIO -> true;
            case SIM -> io.gevent4j.loop.sim.SimKernel.installed() != null;
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
     * @throws IllegalStateException if the property names a backend that does not load here (io_uring
     *                               excepted: it falls back to epoll with a warning)
     */
    public static Backend auto() {
        if (SIM.isAvailable()) {
            return SIM; // a simulation installed its kernel on this thread: it wins over everything
        }
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isBlank()) {
            Backend b;
            try {
                b = valueOf(forced.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "-D" + PROPERTY + "=" + forced + ": expected one of epoll, io_uring, kqueue, nio", e);
            }
            if (b == IO_URING && !b.isAvailable() && EPOLL.isAvailable()) {
                Natives.warnFallback();
                return EPOLL;
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
            case IO_URING -> Natives.ioUringFactory();
            case KQUEUE -> Natives.kqueueFactory();
            case NIO -> NioIoHandler.newFactory();
            case SIM -> throw new IllegalStateException("a simulated loop's handler comes from its kernel");
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

        static IoHandlerFactory ioUringFactory() {
            // our loop passes between the hub's owner and carrier threads: not a single issuer
            return io.netty.channel.uring.IoUringIoHandler.newFactory(
                    new io.netty.channel.uring.IoUringIoHandlerConfig().setSingleIssuer(false));
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

        static boolean ioUring() {
            try {
                return io.netty.channel.uring.IoUring.isAvailable();
            } catch (Throwable t) {
                return false;
            }
        }

        private static volatile boolean warned;

        /** One line per JVM: io_uring was asked for and is not there. */
        static void warnFallback() {
            if (!warned) {
                warned = true;
                LoggerFactory.getLogger(Backend.class).warn("-D{}=io_uring: io_uring is not available here ({}); using epoll",
                        PROPERTY, why(IO_URING));
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
                    case IO_URING -> io.netty.channel.uring.IoUring.unavailabilityCause();
                    case KQUEUE -> io.netty.channel.kqueue.KQueue.unavailabilityCause();
                    case NIO -> null;
                    case SIM -> new IllegalStateException("no simulated kernel is installed on this thread"
                            + " (io.gevent4j.sim.Simulation installs one)");
                };
                return String.valueOf(cause);
            } catch (Throwable t) {
                return t.toString();
            }
        }
    }
}
