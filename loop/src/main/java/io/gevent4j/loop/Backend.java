package io.gevent4j.loop;

import java.util.Locale;

/**
 * The kernel poller behind a {@link Loop}, each one of Netty 4.2's {@code IoHandler}s.
 *
 * <p>{@link #auto()} picks epoll on Linux, kqueue on macOS/BSD and NIO elsewhere; the system
 * property {@code gevent4j.loop=epoll|kqueue|nio} overrides the choice. {@link #SIM}, the simulated
 * kernel of deterministic tests, is chosen on a thread that has one installed, and only there.
 */
public enum Backend {
    /** Linux epoll through {@code netty-transport-native-epoll}. I/O sources are file descriptors. */
    EPOLL,
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

    /** True when this backend's native library loads on this machine. */
    public boolean isAvailable() {
        return switch (this) {
            case EPOLL -> Natives.epoll();
            case KQUEUE -> Natives.kqueue();
            case NIO -> true;
            case SIM -> io.gevent4j.loop.sim.SimKernel.installed() != null;
        };
    }

    /** True when I/O watchers of this backend take file descriptors rather than NIO channels. */
    public boolean usesFileDescriptors() {
        return this != NIO;
    }

    /**
     * The backend named by {@value #PROPERTY}, else the best available one.
     *
     * @throws IllegalArgumentException if the property names an unknown backend
     * @throws IllegalStateException if the property names a backend that does not load here
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
        return NIO;
    }

    /** Probes kept apart so that loading Backend never loads a native class. */
    private static final class Natives {
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
