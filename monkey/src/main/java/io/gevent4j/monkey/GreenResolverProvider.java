package io.gevent4j.monkey;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The JDK's name-resolver hook ({@code java.net.spi.InetAddressResolverProvider}, found through
 * {@code META-INF/services} when this jar is on the class path). Until {@link Monkey#patchDns()} it
 * passes every lookup to the JDK's built-in resolver unchanged; afterwards a lookup made in a greenlet
 * runs the built-in resolver on a small daemon pool while the greenlet parks (cooperatively: it waits
 * on a {@link CompletableFuture}), so {@code getaddrinfo} no longer holds the hub's thread. Lookups by
 * address, and lookups outside greenlets, always go straight to the built-in resolver.
 *
 * <p>Public only because {@link java.util.ServiceLoader} requires it; not an API.
 */
public final class GreenResolverProvider extends InetAddressResolverProvider {
    static volatile boolean enabled;
    static volatile boolean installed;
    /** Lookups that ran on the pool for a greenlet (tests check it). */
    static final AtomicLong OFFLOADED = new AtomicLong();
    /** Name of the last thread that ran an offloaded lookup (tests check it is not the hub's). */
    static volatile String lastLookupThread;

    private static final ExecutorService POOL = Executors.newFixedThreadPool(4,
            Thread.ofPlatform().daemon().name("gevent4j-monkey-dns-", 0).factory());

    /** Required by {@link java.util.ServiceLoader}. */
    public GreenResolverProvider() {
    }

    @Override
    public InetAddressResolver get(Configuration configuration) {
        installed = true;
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                if (!enabled || !GreenSocketImpl.inGreenlet()) {
                    return builtin.lookupByName(host, policy);
                }
                CompletableFuture<InetAddress[]> f = CompletableFuture.supplyAsync(() -> {
                    lastLookupThread = Thread.currentThread().getName();
                    try {
                        return builtin.lookupByName(host, policy).toArray(InetAddress[]::new);
                    } catch (UnknownHostException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }, POOL);
                OFFLOADED.incrementAndGet();
                try {
                    return Stream.of(f.get()); // parks only the greenlet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UnknownHostException(host + ": lookup interrupted");
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownHostException u) {
                        throw u;
                    }
                    UnknownHostException u = new UnknownHostException(host + ": " + e.getCause());
                    u.initCause(e.getCause());
                    throw u;
                }
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                return builtin.lookupByAddress(addr);
            }
        };
    }

    @Override
    public String name() {
        return "gevent4j-monkey";
    }
}
