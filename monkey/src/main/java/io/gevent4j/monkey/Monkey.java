package io.gevent4j.monkey;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketImpl;
import java.net.SocketImplFactory;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * gevent's {@code gevent.monkey} for Java: makes unmodified blocking code cooperative inside greenlets.
 *
 * <h2>What is cooperative without any patch</h2>
 * Greenlets are virtual threads scheduled by their hub, so every JDK call that parks a virtual thread
 * already lets the hub run the other greenlets: {@code Thread.sleep}, {@code java.util.concurrent}
 * queues, locks, latches, futures and executors, {@code synchronized} and {@code Object.wait}
 * (JDK 24+ no longer pins for those), {@code Thread.join}. {@link #patchSleep()}, {@link #patchQueue()}
 * and {@link #patchThread()} change nothing and report so. Blocking on the hub's <em>owner</em> thread
 * (outside any greenlet) is the exception: there, use {@link Cooperative#sleep(long)} and gevent's own
 * primitives.
 *
 * <h2>What the socket patch changes</h2>
 * {@link #patchSocket()} installs JVM-wide factories ({@link Socket#setSocketImplFactory} and
 * {@link ServerSocket#setSocketFactory}), so every {@code java.net.Socket} and
 * {@code java.net.ServerSocket} created afterwards, by any library, picks its implementation when it
 * is constructed:
 * <ul>
 *   <li>constructed in a greenlet (any virtual thread that runs on a hub, an executor's task started in
 *       a greenlet included): gevent4j's cooperative socket ({@link io.gevent4j.net.Socket}) that parks
 *       the greenlet on an I/O watcher of the hub's own loop (epoll/kqueue/NIO), not on the JDK's
 *       poller threads. It works from any thread: a call from another thread (a pool's maintenance
 *       thread, a greenlet of another hub) runs on the socket's hub while the caller waits;
 *       {@code close} works from anywhere;</li>
 *   <li>constructed anywhere else (any platform thread, including a hub's owner thread outside its
 *       greenlets, or a virtual thread that runs on no hub): the JDK's own platform implementation,
 *       exactly as before; a hub's owner thread blocking on such a socket holds its hub, as with any
 *       JDK blocking call there. The launcher runs {@code main} in a greenlet. A connection that a
 *       cooperative {@code ServerSocket} accepts is cooperative, whichever thread accepts it.</li>
 * </ul>
 * An unpatched socket still works inside a greenlet (it parks the virtual thread through the JDK's
 * poller, one extra hop through a poller thread and the hub's cross-thread queue per wait); the patch
 * removes that hop.
 *
 * <h2>Limits of the socket patch</h2>
 * <ul>
 *   <li>It needs {@code --add-opens java.base/java.net=ALL-UNNAMED} (to keep creating the JDK's
 *       platform sockets outside greenlets); {@link #patchSocket()} throws
 *       {@link IllegalStateException} naming the flag without it.</li>
 *   <li>It is permanent: the JDK allows each factory to be set once per JVM and never unset; it also
 *       fails if another library set one first.</li>
 *   <li>An {@code SSLServerSocket} created in a greenlet must accept in a greenlet (the JDK makes the
 *       accepted {@code SSLSocket} where {@code accept} is called).</li>
 *   <li>Not covered: {@code java.nio.channels} ({@code SocketChannel} and the sockets it returns from
 *       {@code socket()}), {@code DatagramSocket}/UDP, sockets through a SOCKS or HTTP proxy
 *       ({@code new Socket(Proxy)} uses the platform implementation), urgent data and
 *       {@code SO_OOBINLINE}, {@code java.net.http.HttpClient} (NIO based). Name resolution is
 *       {@link #patchDns()}'s job; without it a lookup holds the hub's thread.</li>
 *   <li>{@code Thread.interrupt()} does not wake a greenlet the hub spawned that is blocked on a patched
 *       socket (the JDK's sockets would close and throw); the greenlet stays blocked until the I/O
 *       completes and keeps its interrupt status. Use {@code Greenlet.kill}, a
 *       {@link io.gevent4j.Timeout} or {@code SO_TIMEOUT} to give up on a read. A virtual thread the
 *       hub adopted (an executor's task) keeps the JDK's contract: the socket is closed and the call
 *       throws {@code SocketException("Closed by interrupt")}.</li>
 *   <li>{@code InputStream.available()} always answers 0. Options set before {@code connect} are applied
 *       right after it (so a larger {@code SO_RCVBUF} does not change the TCP window scale), and the local
 *       port of a socket bound but not yet connected reads as the one asked for.</li>
 *   <li>TLS: the JDK's {@code SSLSocket}/{@code SSLServerSocket} are {@code java.net} sockets, so
 *       those created in greenlets are cooperative too.</li>
 * </ul>
 *
 * <p>Every {@code patch...} method is idempotent and returns a {@link Patch} saying what it changed.
 */
public final class Monkey {
    private static final Logger log = LoggerFactory.getLogger(Monkey.class);

    /** Name of the socket patch ({@code java.net.Socket} and {@code java.net.ServerSocket}). */
    public static final String SOCKET = "socket";
    /** Name of the name-resolution patch ({@code InetAddress} lookups by name). */
    public static final String DNS = "dns";
    /** Name of the sleep item ({@code Thread.sleep}: cooperative natively). */
    public static final String SLEEP = "sleep";
    /** Name of the queue item ({@code java.util.concurrent}: cooperative natively). */
    public static final String QUEUE = "queue";
    /** Name of the thread item (locks, {@code synchronized}, {@code join}: cooperative natively). */
    public static final String THREAD = "thread";

    private static final Set<String> NATIVE = Set.of(SLEEP, QUEUE, THREAD);
    private static volatile boolean socketPatched;

    private Monkey() {
    }

    /** What one {@code patch...} call did. */
    public enum Outcome {
        /** This call changed the JVM. */
        PATCHED,
        /** An earlier call had already made the change; nothing was done. */
        ALREADY_PATCHED,
        /** Nothing needed changing: greenlets being virtual threads makes this cooperative already. */
        ALREADY_COOPERATIVE,
        /** The patch cannot be applied in this JVM; the detail says why. Nothing was changed. */
        UNAVAILABLE
    }

    /**
     * The report of one patch.
     *
     * @param name    the item ({@link #SOCKET}, {@link #DNS}, {@link #SLEEP}, {@link #QUEUE}, {@link #THREAD})
     * @param outcome what this call did
     * @param detail  what exactly, in one sentence
     */
    public record Patch(String name, Outcome outcome, String detail) {
        /** {@return true when this call changed something} */
        public boolean changed() {
            return outcome == Outcome.PATCHED;
        }

        @Override
        public String toString() {
            return name + ": " + outcome.name().toLowerCase(Locale.ROOT) + " (" + detail + ")";
        }
    }

    /**
     * Applies every patch: {@link #patchSocket()}, {@link #patchDns()}, {@link #patchSleep()},
     * {@link #patchQueue()}, {@link #patchThread()}. Idempotent.
     *
     * @return one report per item, in that order
     * @throws IllegalStateException when the socket patch cannot be installed (flag missing, or
     *                               another socket factory was installed first)
     */
    public static List<Patch> patchAll() {
        return List.of(patchSocket(), patchDns(), patchSleep(), patchQueue(), patchThread());
    }

    /**
     * Makes {@code InetAddress} lookups by name made in greenlets cooperative: the JDK's own resolver
     * runs on a small daemon pool while the greenlet parks, instead of holding the hub's thread for
     * {@code getaddrinfo}. Works through the JDK's resolver SPI
     * ({@code java.net.spi.InetAddressResolverProvider}), which the JDK picks once, at the first lookup,
     * from the system class path: the outcome is {@link Outcome#UNAVAILABLE} when this jar was not on
     * it then (or another provider won). Lookups outside greenlets, reverse lookups and the JDK's
     * address cache are unchanged. Idempotent.
     *
     * @return what was done
     */
    public static synchronized Patch patchDns() {
        if (GreenResolverProvider.enabled) {
            return new Patch(DNS, Outcome.ALREADY_PATCHED, "InetAddress lookups already cooperative in greenlets");
        }
        try {
            InetAddress.getByName("localhost"); // makes the JDK choose its resolver now
        } catch (java.net.UnknownHostException ignored) {
            // the resolver was chosen anyway
        }
        if (!GreenResolverProvider.installed) {
            return new Patch(DNS, Outcome.UNAVAILABLE, "the JDK did not pick gevent4j's resolver provider"
                    + " (gevent4j-monkey not on the system class path at the first lookup, or another provider)");
        }
        GreenResolverProvider.enabled = true;
        return new Patch(DNS, Outcome.PATCHED, "InetAddress lookups by name in greenlets run on a resolver pool"
                + " while the greenlet parks");
    }

    /**
     * Makes {@code java.net.Socket} and {@code java.net.ServerSocket} created from now on in greenlets
     * cooperative on the hub's own loop (see the class comment for the limits). Idempotent.
     *
     * @return what was done
     * @throws IllegalStateException without {@code --add-opens java.base/java.net=ALL-UNNAMED}, or when
     *                               another library installed a socket factory first
     */
    @SuppressWarnings("deprecation") // the JDK's only hook; deprecated (JDK 17) but not for removal
    public static synchronized Patch patchSocket() {
        if (socketPatched) {
            return new Patch(SOCKET, Outcome.ALREADY_PATCHED, "java.net.Socket/ServerSocket factories already installed");
        }
        if (PlatformSockets.unavailable() != null) {
            throw new IllegalStateException("Monkey.patchSocket() needs the JVM flag " + PlatformSockets.FLAG
                    + " (to keep the JDK's own sockets outside greenlets)", PlatformSockets.unavailable());
        }
        try {
            Socket.setSocketImplFactory(new ImplFactory(false));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot install the java.net.Socket factory (one was set already?)", e);
        }
        try {
            ServerSocket.setSocketFactory(new ImplFactory(true));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("installed the java.net.Socket factory but not the ServerSocket one"
                    + " (one was set already?)", e);
        }
        socketPatched = true;
        log.debug("patched java.net.Socket and java.net.ServerSocket");
        return new Patch(SOCKET, Outcome.PATCHED, "java.net.Socket/ServerSocket created in greenlets now use "
                + "gevent4j's cooperative sockets; elsewhere the JDK's");
    }

    /**
     * Reports that {@code Thread.sleep} in a greenlet already parks only that greenlet. Changes nothing.
     *
     * @return what was done (nothing)
     */
    public static Patch patchSleep() {
        return new Patch(SLEEP, Outcome.ALREADY_COOPERATIVE,
                "Thread.sleep in a greenlet parks its virtual thread; the hub runs the others");
    }

    /**
     * Reports that {@code java.util.concurrent} queues already park greenlets cooperatively. Changes nothing.
     *
     * @return what was done (nothing)
     */
    public static Patch patchQueue() {
        return new Patch(QUEUE, Outcome.ALREADY_COOPERATIVE,
                "java.util.concurrent queues, latches, futures park greenlets (virtual threads) cooperatively");
    }

    /**
     * Reports that locks, {@code synchronized}, {@code Object.wait} and {@code join} already cooperate.
     *
     * @return what was done (nothing)
     */
    public static Patch patchThread() {
        return new Patch(THREAD, Outcome.ALREADY_COOPERATIVE,
                "locks, synchronized, Object.wait and Thread.join park greenlets cooperatively (JDK 24+)");
    }

    /**
     * {@return whether {@code name} is cooperative in greenlets now: {@link #SOCKET} after {@link
     * #patchSocket()}, {@link #DNS} after a {@link #patchDns()} that was not {@link Outcome#UNAVAILABLE};
     * {@link #SLEEP}, {@link #QUEUE} and {@link #THREAD} always (natively); anything else false}
     *
     * @param name a patch name, e.g. {@link #SOCKET}
     */
    public static boolean isPatched(String name) {
        if (SOCKET.equals(name)) {
            return socketPatched;
        }
        if (DNS.equals(name)) {
            return GreenResolverProvider.enabled;
        }
        return NATIVE.contains(name);
    }

    /**
     * {@return the unpatched original of {@code name}: for {@link #SOCKET}, a {@link javax.net.SocketFactory}
     * of the JDK's own sockets; for {@code "serversocket"}, a {@link javax.net.ServerSocketFactory} of the
     * JDK's own server sockets} These work whether or not the patch is installed, in greenlets too (where
     * they park through the JDK's poller).
     *
     * @param name {@code "socket"} or {@code "serversocket"}
     * @throws IllegalArgumentException for any other name
     */
    public static Object original(String name) {
        return switch (name) {
            case SOCKET -> OriginalFactories.SOCKETS;
            case "serversocket" -> OriginalFactories.SERVER_SOCKETS;
            default -> throw new IllegalArgumentException("no original for '" + name + "' (known: socket, serversocket)");
        };
    }

    /**
     * {@return a new unconnected {@code java.net.Socket} with the JDK's own implementation, patched or not}
     *
     * @throws IOException if an I/O error occurs
     */
    public static Socket originalSocket() throws IOException {
        return new OriginalFactories.PlatformSocket();
    }

    /**
     * {@return a new unbound {@code java.net.ServerSocket} with the JDK's own implementation, patched or not}
     *
     * @throws IOException if an I/O error occurs
     */
    public static ServerSocket originalServerSocket() throws IOException {
        return new OriginalFactories.PlatformServerSocket();
    }

    /** The factory installed by {@link #patchSocket()}: decides per socket, where it is constructed. */
    private record ImplFactory(boolean server) implements SocketImplFactory {
        @Override
        public SocketImpl createSocketImpl() {
            if (GreenSocketImpl.inGreenlet() || !server && GreenSocketImpl.forCooperativeAccept()) {
                return new GreenSocketImpl(server);
            }
            return PlatformSockets.create(server);
        }
    }
}
