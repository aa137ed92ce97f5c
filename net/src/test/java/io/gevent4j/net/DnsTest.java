package io.gevent4j.net;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.loop.Backend;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DnsTest {
    @Test
    void literalsResolveWithoutThePoolAndNamesMatchTheSystemResolver() throws Exception {
        OnHub.run(Backend.EPOLL, hub -> {
            assertEquals(InetAddress.getByName("127.0.0.1"), Dns.resolveOne("127.0.0.1", Duration.ZERO));
            assertEquals(InetAddress.getByName("::1"), Dns.resolveOne("[::1]", Duration.ZERO));
            assertArrayEquals(InetAddress.getAllByName("localhost"), Dns.resolve("localhost", Duration.ofSeconds(10)));
        });
    }

    @Test
    void lookupParksOnlyTheCallingGreenlet() throws Exception {
        OnHub.run(Backend.EPOLL, hub -> {
            AtomicInteger ticks = new AtomicInteger();
            Greenlet<Void> ticker = Gevent.spawn(() -> {
                for (int i = 0; i < 3; i++) {
                    ticks.incrementAndGet();
                    Gevent.sleep(0);
                }
            });
            InetAddress[] a = Dns.resolve("localhost", Duration.ofSeconds(10));
            assertTrue(a.length > 0);
            ticker.join();
            assertEquals(3, ticks.get());
        });
    }

    @Test
    void timeoutOrFailureIsUnknownHostException() throws Exception {
        OnHub.run(Backend.EPOLL, hub -> {
            long t0 = System.nanoTime();
            // .invalid never resolves (RFC 6761); whichever comes first, failure or our 1 s limit.
            assertThrows(UnknownHostException.class, () -> Dns.resolve("no-such-host.invalid", Duration.ofSeconds(1)));
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            assertThrows(UnknownHostException.class,
                    () -> Sockets.createConnection("no-such-host.invalid", 80, Duration.ofSeconds(1), null));
        });
    }
}
