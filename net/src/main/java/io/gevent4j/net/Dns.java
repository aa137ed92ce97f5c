package io.gevent4j.net;

import io.gevent4j.hub.Hub;
import io.gevent4j.hub.Waiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Name resolution that never blocks the hub: the system resolver ({@link InetAddress#getAllByName})
 * runs on a small pool of daemon platform threads while the calling greenlet parks on a
 * {@link Waiter}; IP literals are answered at once. See the package documentation for why.
 */
public final class Dns {
    private static final Logger log = LoggerFactory.getLogger(Dns.class);
    /** Default limit of one resolution. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "gevent4j-dns-" + IDS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    static {
        POOL.allowCoreThreadTimeOut(true);
    }

    private Dns() {
    }

    /**
     * {@return all addresses of {@code host}, within {@link #DEFAULT_TIMEOUT}}
     *
     * @param host a host name or a literal address
     * @throws UnknownHostException if the host cannot be resolved
     */
    public static InetAddress[] resolve(String host) throws UnknownHostException {
        return resolve(host, DEFAULT_TIMEOUT);
    }

    /**
     * {@return all addresses of {@code host}, parking the calling greenlet while a pool thread asks the
     * system resolver}
     *
     * @param host a host name or a literal address
     * @param timeout null: no limit
     * @throws UnknownHostException if the name does not resolve, or not within {@code timeout} (the
     *                              lookup thread finishes in the background and its answer is dropped)
     */
    public static InetAddress[] resolve(String host, Duration timeout) throws UnknownHostException {
        if (host == null || host.isEmpty()) {
            return InetAddress.getAllByName(host); // loopback, never blocks
        }
        InetAddress literal = literal(host);
        if (literal != null) {
            return new InetAddress[] {literal};
        }
        Hub hub = Hub.current();
        Waiter<InetAddress[]> waiter = new Waiter<>(hub);
        try (AutoCloseable ignored = hub.externalWait()) {
            try {
                POOL.execute(() -> {
                    try {
                        waiter.switchTo(InetAddress.getAllByName(host));
                    } catch (UnknownHostException e) {
                        deliver(waiter, e);
                    } catch (RuntimeException e) {
                        deliver(waiter, e);
                    }
                });
            } catch (RejectedExecutionException e) {
                throw new UnknownHostException(host + ": resolver pool rejected the lookup");
            }
            if (!waiter.await(timeout)) {
                throw new UnknownHostException(host + ": lookup timed out after " + timeout.toMillis() + " ms");
            }
            return waiter.get();
        } catch (UnknownHostException | RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@return the first address of {@code host}}
     *
     * @param host a host name or a literal address
     * @param timeout how long the lookup may take
     * @throws UnknownHostException if the host cannot be resolved
     */
    public static InetAddress resolveOne(String host, Duration timeout) throws UnknownHostException {
        return resolve(host, timeout)[0];
    }

    private static void deliver(Waiter<?> waiter, Throwable e) {
        try {
            waiter.throwInto(e);
        } catch (RejectedExecutionException gone) {
            log.debug("hub gone before the DNS answer", gone);
        }
    }

    private static InetAddress literal(String host) {
        try {
            return InetAddress.ofLiteral(host.startsWith("[") && host.endsWith("]")
                    ? host.substring(1, host.length() - 1) : host);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
