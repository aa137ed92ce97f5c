package io.gevent4j;

import io.gevent4j.hub.Hub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;

/**
 * Operating-system signals delivered to greenlets (gevent's {@code signal_handler}): each time the
 * process receives the signal, the handler runs in a new greenlet on the hub that registered it.
 *
 * <pre>{@code
 * Gevent.signalHandler("TERM", () -> server.stop(Duration.ofSeconds(5)));   // graceful stop on SIGTERM
 * }</pre>
 *
 * <p>Signals come from the JDK's {@code sun.misc.Signal} (module {@code jdk.unsupported}, no JVM flag
 * needed): the JVM's signal dispatcher thread hands each delivery to the hub's loop, which spawns the
 * greenlet. Several handlers, on one hub or several, may watch one signal; they run in the order they
 * were registered. While any handler watches a signal, the JVM's own action for it is replaced (for
 * {@code TERM}, {@code INT} and {@code HUP}: running the shutdown hooks and exiting); cancelling the
 * last one restores it. As in gevent, a registered handler does not keep its hub alive, and an
 * exception thrown by a handler is reported by the hub like any failed greenlet's.
 *
 * <p>Signals the JVM keeps for itself ({@code QUIT}, {@code KILL}, {@code STOP}, and on some platforms
 * {@code USR1}/{@code USR2} when the VM uses them) cannot be handled: {@link IllegalArgumentException}.
 * Deliveries of one signal that arrive close together may be merged, as the operating system does.
 */
public final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);
    /** The signals we handle, by JDK name; guarded by the class. */
    private static final Map<String, Installed> INSTALLED = new HashMap<>();

    private Signals() {
    }

    /**
     * Runs {@code handler} in a new greenlet of the current hub each time the process receives
     * {@code signal} ({@code "TERM"}, {@code "SIGTERM"}, {@code "int"}...).
     *
     * @return the registration; {@link Handle#cancel()} stops further deliveries
     * @throws IllegalArgumentException for an unknown signal or one the JVM does not let go
     * @param handler the code to run
     * @param signal the signal's name, such as {@code "TERM"}
     */
    public static Handle handle(String signal, Runnable handler) {
        return handle(Hub.current(), signal, handler);
    }

    /**
     * Like {@link #handle(String, Runnable)}, on a given hub.
     *
     * @param handler the code to run
     * @param hub the hub
     * @param signal the signal's name, such as {@code "TERM"}
     * @return a handle whose {@code cancel()} removes the handler
     */
    public static Handle handle(Hub hub, String signal, Runnable handler) {
        Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(handler, "handler");
        String name = normalize(signal);
        Handle h = new Handle(hub, name, handler);
        synchronized (Signals.class) {
            Installed inst = INSTALLED.get(name);
            if (inst == null) {
                inst = Installed.install(name);
                INSTALLED.put(name, inst);
            }
            inst.handles.add(h);
        }
        return h;
    }

    private static String normalize(String signal) {
        Objects.requireNonNull(signal, "signal");
        String s = signal.strip().toUpperCase(Locale.ROOT);
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty signal name");
        }
        return s;
    }

    private static void remove(Handle h) {
        synchronized (Signals.class) {
            Installed inst = INSTALLED.get(h.signal);
            if (inst != null && inst.handles.remove(h) && inst.handles.isEmpty()) {
                INSTALLED.remove(h.signal);
                inst.restore();
            }
        }
    }

    /** One signal we handle: the JDK handler that fans deliveries out to the registered handles. */
    private static final class Installed {
        final String name;
        final Object signal;
        final CopyOnWriteArrayList<Handle> handles = new CopyOnWriteArrayList<>();
        private Object previous;

        private Installed(String name, Object signal) {
            this.name = name;
            this.signal = signal;
        }

        static Installed install(String name) {
            Object sig;
            try {
                sig = SignalBridge.signal(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown signal: " + name, e);
            }
            Installed inst = new Installed(name, sig);
            try {
                inst.previous = SignalBridge.handle(sig, SignalBridge.handler(inst::deliver));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("signal " + name + " cannot be handled: " + e.getMessage(), e);
            }
            return inst;
        }

        void restore() {
            try {
                SignalBridge.handle(signal, previous);
            } catch (IllegalArgumentException e) {
                log.warn("could not restore the JVM's handler of SIG{}", name, e);
            }
        }

        /** On the JVM's signal thread. */
        private void deliver() {
            for (Handle h : handles) {
                h.deliver();
            }
        }
    }

    /**
     * Prints {@link Gevent#formatRunInfo()} to standard error each time {@code signal} arrives (for
     * example {@code "USR2"}: {@code kill -USR2 <pid>}), as gevent lets a program do. It runs on the JVM's
     * signal thread, not in a greenlet, so it works while a hub is blocked - the case it is for.
     *
     * @param signal the signal's name, such as {@code "USR2"}
     * @return closing it puts back the JVM's previous handler
     * @throws IllegalArgumentException for an unknown signal, or one the JVM keeps for itself
     */
    public static AutoCloseable printRunInfoOn(String signal) {
        Object sig = SignalBridge.signal(java.util.Objects.requireNonNull(signal, "signal"));
        Object previous = SignalBridge.handle(sig, SignalBridge.handler(Gevent::printRunInfo));
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                SignalBridge.handle(sig, previous);
            }
        };
    }

    /** One registered handler. Thread-safe. */
    public static final class Handle implements AutoCloseable {
        private final Hub hub;
        private final String signal;
        private final Runnable handler;
        private volatile boolean cancelled;

        private Handle(Hub hub, String signal, Runnable handler) {
            this.hub = hub;
            this.signal = signal;
            this.handler = handler;
        }

        /**
         * The signal's name without the {@code SIG} prefix, e.g. {@code "TERM"}.
         *
         * @return the signal's name
         */
        public String signal() {
            return signal;
        }

        /**
         * The hub whose greenlets run the handler.
         *
         * @return the hub
         */
        public Hub hub() {
            return hub;
        }

        /**
         * True until {@link #cancel()}.
         *
         * @return true on success
         */
        public boolean isActive() {
            return !cancelled;
        }

        /**
         * Stops further deliveries to this handler (a greenlet already spawned for one still runs). When
         * no handler is left for the signal, the JVM's own action for it comes back. Idempotent; any thread.
         */
        public void cancel() {
            if (!cancelled) {
                cancelled = true;
                remove(this);
            }
        }

        /** Same as {@link #cancel()}. */
        @Override
        public void close() {
            cancel();
        }

        void deliver() {
            if (cancelled) {
                return;
            }
            try {
                hub.loop().execute(() -> {
                    if (!cancelled) {
                        new Greenlet<Void>(hub, () -> {
                            handler.run();
                            return null;
                        }).setName("signal-" + signal).start();
                    }
                });
            } catch (RejectedExecutionException e) {
                log.debug("SIG{} arrived after the hub of '{}' was destroyed: handler cancelled", signal,
                        hub.owner().getName());
                cancel();
            }
        }

        @Override
        public String toString() {
            return "Signals.Handle[SIG" + signal + " on hub of '" + hub.owner().getName() + "'"
                    + (cancelled ? ", cancelled]" : "]");
        }
    }
}
