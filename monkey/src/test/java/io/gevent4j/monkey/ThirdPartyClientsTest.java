package io.gevent4j.monkey;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.net.StreamServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.KeyValue;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unmodified third-party clients from Maven Central, patched: 1,000 greenlets on ONE hub thread (the
 * test's) each do 10 operations against a real server on 127.0.0.1. The operations overlap: the wall
 * time is far below the sum of the operations' own latencies (which would be the wall time if the
 * patched sockets blocked the hub); and every result is checked.
 */
@Timeout(180)
class ThirdPartyClientsTest {
    static final int GREENLETS = 1000;
    static final int OPS = 10;

    @BeforeAll
    static void patch() {
        Monkey.patchAll();
    }

    private static <T> T timed(AtomicLong sum, java.util.concurrent.Callable<T> op) throws Exception {
        long t0 = System.nanoTime();
        try {
            return op.call();
        } finally {
            sum.addAndGet(System.nanoTime() - t0);
        }
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ThirdPartyClientsTest.class);

    private static void assertOverlap(long wallNanos, long sumNanos, int factor) {
        log.info("{} operations: {} ms wall, {} ms summed latency ({}x overlap)", GREENLETS * OPS,
                wallNanos / 1_000_000, sumNanos / 1_000_000, sumNanos / Math.max(1, wallNanos));
        assertTrue(wallNanos * factor < sumNanos, "no overlap: the " + GREENLETS * OPS + " operations took "
                + sumNanos / 1_000_000 + " ms in sum but " + wallNanos / 1_000_000 + " ms of wall time (wanted"
                + " the wall time below 1/" + factor + " of the sum)");
    }

    /** Jedis: SET/GET/INCR plus a server-side BLPOP timeout of 100 ms per greenlet. */
    @Test
    void jedisThousandGreenletsOnOneHub() throws Exception {
        try (Services.Server redis = Services.startRedis()) {
            long before = GreenSocketImpl.CONNECTIONS.get();
            AtomicLong sum = new AtomicLong();
            long t0 = System.nanoTime();
            List<Greenlet<Void>> gs = new ArrayList<>();
            for (int i = 0; i < GREENLETS; i++) {
                int g = i;
                gs.add(Gevent.spawn(() -> {
                    try (Jedis j = new Jedis("127.0.0.1", redis.port(), 30_000)) {
                        for (int k = 0; k < 4; k++) {
                            String key = "k:" + g + ":" + k;
                            String value = "v" + g * 31 + k;
                            assertEquals("OK", timed(sum, () -> j.set(key, value)));
                            assertEquals(value, timed(sum, () -> j.get(key)));
                        }
                        timed(sum, () -> j.incr("counter"));
                        KeyValue<String, String> none = timed(sum, () -> j.blpop(0.1, "empty:" + g));
                        assertNull(none);
                    }
                    return null;
                }));
            }
            Gevent.joinallOrThrow(gs);
            long wall = System.nanoTime() - t0;
            for (Greenlet<Void> g : gs) {
                assertTrue(g.successful(), String.valueOf(g.exception()));
            }
            try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
                assertEquals(String.valueOf(GREENLETS), j.get("counter"));
                assertEquals("v" + 999 * 31 + 3, j.get("k:999:3"));
            }
            assertTrue(GreenSocketImpl.CONNECTIONS.get() - before >= GREENLETS, "Jedis did not use the patched sockets");
            // Sequentially the BLPOPs alone would take 1000 x 100 ms.
            assertOverlap(wall, sum.get(), 10);
        }
    }

    /**
     * The PostgreSQL JDBC driver: 50 connections opened by greenlets, shared through a
     * java.util.concurrent queue (cooperative as it is); each operation runs SELECT pg_sleep(0.01).
     */
    @Test
    void postgresJdbcThousandGreenletsOnOneHub() throws Exception {
        int connections = 50;
        try (Services.Server pg = Services.startPostgres(connections + 20)) {
            String url = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres";
            long before = GreenSocketImpl.CONNECTIONS.get();
            BlockingQueue<Connection> pool = new ArrayBlockingQueue<>(connections);
            List<Greenlet<Connection>> opening = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                opening.add(Gevent.spawn(() -> DriverManager.getConnection(url, "test", "")));
            }
            for (var o : opening) {
                pool.add(o.get());
            }
            assertTrue(GreenSocketImpl.CONNECTIONS.get() - before >= connections, "the driver did not use the patched sockets");
            try {
                AtomicLong sum = new AtomicLong();
                long t0 = System.nanoTime();
                List<Greenlet<Void>> gs = new ArrayList<>();
                for (int i = 0; i < GREENLETS; i++) {
                    int g = i;
                    gs.add(Gevent.spawn(() -> {
                        for (int k = 0; k < OPS; k++) {
                            Connection c = pool.take();
                            try (PreparedStatement ps = c.prepareStatement("SELECT pg_sleep(0.01), ?::int * 2")) {
                                ps.setInt(1, g * OPS + k);
                                try (ResultSet rs = timed(sum, ps::executeQuery)) {
                                    assertTrue(rs.next());
                                    assertEquals((g * OPS + k) * 2, rs.getInt(2));
                                }
                            } finally {
                                pool.put(c);
                            }
                        }
                        return null;
                    }));
                }
                Gevent.joinallOrThrow(gs);
                long wall = System.nanoTime() - t0;
                for (Greenlet<Void> g : gs) {
                    assertTrue(g.successful(), String.valueOf(g.exception()));
                }
                assertEquals(connections, pool.size());
                // Sequentially: at least 10,000 x 10 ms; with 50 connections in flight, about 1/50 of it.
                assertOverlap(wall, sum.get(), 5);
            } finally {
                for (Connection c : pool) {
                    c.close();
                }
            }
        }
    }

    /** The driver's socketFactory property accepts gevent4j's factory (no patch needed for it). */
    @Test
    void postgresJdbcWithTheCooperativeSocketFactory() throws Exception {
        try (Services.Server pg = Services.startPostgres(20)) {
            Properties props = new Properties();
            props.setProperty("user", "test");
            props.setProperty("socketFactory", CooperativeSocketFactory.class.getName());
            String url = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres";
            List<Greenlet<String>> gs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int g = i;
                gs.add(Gevent.spawn(() -> {
                    try (Connection c = DriverManager.getConnection(url, props);
                         PreparedStatement ps = c.prepareStatement("SELECT 'row ' || ?::text")) {
                        ps.setInt(1, g);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            return rs.getString(1);
                        }
                    }
                }));
            }
            for (int i = 0; i < 5; i++) {
                assertEquals("row " + i, gs.get(i).get());
            }
        }
    }

    /** HttpURLConnection against a minimal HTTP/1.1 server on gevent4j's StreamServer, same hub. */
    @Test
    void httpUrlConnectionFromManyGreenlets() throws Exception {
        StreamServer server = new StreamServer(new InetSocketAddress("127.0.0.1", 0), (sock, addr) -> {
            InputStream in = sock.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.append((char) b);
            }
            String path = head.substring(head.indexOf(" ") + 1, head.indexOf(" HTTP/"));
            Gevent.sleep(10);
            byte[] body = ("hello " + path).getBytes(StandardCharsets.UTF_8);
            sock.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            sock.write(ByteBuffer.wrap(body));
        });
        server.start();
        try {
            int port = server.address().getPort();
            List<Greenlet<String>> gs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int g = i;
                gs.add(Gevent.spawn(() -> {
                    var c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/item/" + g).toURL().openConnection();
                    c.setConnectTimeout(10_000);
                    c.setReadTimeout(10_000);
                    assertEquals(200, c.getResponseCode());
                    try (InputStream in = c.getInputStream()) {
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    } finally {
                        c.disconnect();
                    }
                }));
            }
            for (int i = 0; i < 100; i++) {
                assertEquals("hello /item/" + i, gs.get(i).get());
            }
        } finally {
            server.stop();
        }
    }
}
