package io.gevent4j.monkey.apps;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An ordinary program with connection pools, written with no thought of gevent4j: HikariCP over MariaDB
 * Connector/J and over the PostgreSQL driver, OkHttp's connection pool against a JDK HttpServer (on a
 * platform thread pool), and a Jedis pool (commons-pool2). Its work runs as virtual-thread executor
 * tasks and, at the same time, on a pool of platform threads; the pools' own maintenance threads
 * (Hikari's housekeeper and connection closer, OkHttp's task runner, commons-pool2's evictor) are
 * platform threads. Two rounds of work with an idle pause between them, longer than every pool's
 * eviction or keep-alive interval, so that the second round uses pools whose maintenance threads have
 * been at work on the connections (tested, closed, replaced).
 *
 * <p>Arguments: {@code mariadbPort postgresPort redisPort idleMillis runId} (a port of 0 leaves that
 * pool out). Prints {@code key=value} lines; {@code errors=0} when every result was right.
 */
public class PoolsApp {
    static final int TASKS = 40;
    static final int PLATFORM_TASKS = 8;
    static final int ROUNDS = 2;

    /** One pool the program uses, with its operation and how to read its state. */
    interface Client extends AutoCloseable {
        String name();

        /** One operation for key {@code n}: returns the answer the server gave. */
        String call(int n) throws Exception;

        /** What the operation must answer for {@code n}. */
        String expected(int n);

        /** The pool's state, for the report. */
        String state();

        /** True once the pool's maintenance shrank it while idle. */
        boolean evicted();
    }

    public static void main(String[] args) throws Exception {
        List<String> report = run(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Long.parseLong(args[3]), args[4]);
        report.forEach(System.out::println);
    }

    /** Runs the program; returns its report lines. */
    public static List<String> run(int mariadbPort, int postgresPort, int redisPort, long idleMillis, String runId)
            throws Exception {
        // Hikari's housekeeper: every second instead of every 30 s, so that its idle timeout (10 s at the
        // least) is seen in a short test.
        System.setProperty("com.zaxxer.hikari.housekeeping.periodMs", "1000");
        List<String> report = new ArrayList<>();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        ExecutorService httpThreads = Executors.newFixedThreadPool(8);
        http.setExecutor(httpThreads);
        http.createContext("/", ex -> {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = ("echo " + ex.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        http.start();
        List<Client> clients = new ArrayList<>();
        ExecutorService platform = Executors.newFixedThreadPool(2);
        try {
            if (mariadbPort > 0) {
                clients.add(hikari("mariadb", "jdbc:mariadb://127.0.0.1:" + mariadbPort + "/mysql?user=test",
                        "SELECT SLEEP(0.01), ? * 2"));
            }
            if (postgresPort > 0) {
                clients.add(hikari("postgres", "jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres?user=test",
                        "SELECT pg_sleep(0.01), ?::int * 2"));
            }
            clients.add(okhttp(http.getAddress().getPort()));
            if (redisPort > 0) {
                clients.add(jedis(redisPort, runId));
            }
            for (int round = 1; round <= 2; round++) {
                if (round == 2) {
                    Thread.sleep(idleMillis); // every pool's maintenance runs meanwhile
                    for (Client c : clients) {
                        report.add(c.name() + ".afterIdle=" + c.state() + " evicted=" + c.evicted());
                    }
                }
                AtomicLong summed = new AtomicLong();
                long t0 = System.nanoTime();
                List<Future<?>> work = new ArrayList<>();
                try (ExecutorService tasks = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < TASKS; i++) {
                        int n = round * 1000 + i;
                        work.add(tasks.submit(() -> ops(clients, n, summed, errors)));
                    }
                    for (int i = 0; i < PLATFORM_TASKS; i++) { // the same pools, from platform threads
                        int n = round * 1000 + 500 + i;
                        work.add(platform.submit(() -> ops(clients, n, summed, errors)));
                    }
                    for (Future<?> f : work) {
                        f.get();
                    }
                }
                long wall = System.nanoTime() - t0;
                int ops = (TASKS + PLATFORM_TASKS) * ROUNDS * clients.size();
                report.add("round" + round + ".ops=" + ops + " wallMs=" + wall / 1_000_000 + " summedMs="
                        + summed.get() / 1_000_000 + " overlap=" + String.format("%.1f", summed.get() / (double) wall));
            }
        } finally {
            for (Client c : clients) {
                c.close();
            }
            platform.shutdown();
            http.stop(0);
            httpThreads.shutdown();
        }
        errors.forEach(e -> report.add("error: " + e));
        report.add("errors=" + errors.size());
        return report;
    }

    private static Void ops(List<Client> clients, int n, AtomicLong summed, ConcurrentLinkedQueue<String> errors) {
        for (int k = 0; k < ROUNDS; k++) {
            int key = n * 10 + k;
            for (Client c : clients) {
                long t0 = System.nanoTime();
                try {
                    String got = c.call(key);
                    if (!c.expected(key).equals(got)) {
                        errors.add(c.name() + " " + key + ": got " + got + ", expected " + c.expected(key));
                    }
                } catch (Exception e) {
                    errors.add(c.name() + " " + key + " on " + Thread.currentThread() + ": " + e);
                } finally {
                    summed.addAndGet(System.nanoTime() - t0);
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ the pools

    private static Client hikari(String name, String url, String sql) {
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName(name);
        cfg.setJdbcUrl(url);
        cfg.setMaximumPoolSize(8);
        cfg.setMinimumIdle(2);
        cfg.setIdleTimeout(10_000); // Hikari's least: idle connections above minimumIdle are retired
        cfg.setConnectionTimeout(10_000);
        HikariDataSource ds = new HikariDataSource(cfg);
        int[] peak = new int[1];
        return new Client() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String call(int n) throws Exception {
                try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                    synchronized (peak) {
                        peak[0] = Math.max(peak[0], ds.getHikariPoolMXBean().getTotalConnections());
                    }
                    ps.setInt(1, n);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return String.valueOf(rs.getInt(2));
                    }
                }
            }

            @Override
            public String expected(int n) {
                return String.valueOf(n * 2);
            }

            @Override
            public String state() {
                var mx = ds.getHikariPoolMXBean();
                return "total:" + mx.getTotalConnections() + ",idle:" + mx.getIdleConnections() + ",peak:" + peak[0];
            }

            @Override
            public boolean evicted() {
                return ds.getHikariPoolMXBean().getTotalConnections() < peak[0];
            }

            @Override
            public void close() {
                ds.close();
            }
        };
    }

    private static Client okhttp(int port) {
        OkHttpClient client = new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(8, 1, TimeUnit.SECONDS)) // idle connections live 1 s
                .callTimeout(Duration.ofSeconds(20))
                .build();
        int[] peak = new int[1];
        return new Client() {
            @Override
            public String name() {
                return "okhttp";
            }

            @Override
            public String call(int n) throws IOException {
                Request r = new Request.Builder().url("http://127.0.0.1:" + port + "/item/" + n).build();
                try (Response resp = client.newCall(r).execute()) {
                    synchronized (peak) {
                        peak[0] = Math.max(peak[0], client.connectionPool().connectionCount());
                    }
                    return resp.code() + " " + resp.body().string();
                }
            }

            @Override
            public String expected(int n) {
                return "200 echo /item/" + n;
            }

            @Override
            public String state() {
                return "connections:" + client.connectionPool().connectionCount() + ",peak:" + peak[0];
            }

            @Override
            public boolean evicted() {
                return client.connectionPool().connectionCount() == 0 && peak[0] > 0;
            }

            @Override
            public void close() {
                client.connectionPool().evictAll();
                client.dispatcher().executorService().shutdown();
            }
        };
    }

    private static Client jedis(int port, String runId) {
        JedisPoolConfig cfg = new JedisPoolConfig();
        cfg.setMaxTotal(8);
        cfg.setMinIdle(0);
        cfg.setMaxIdle(8);
        cfg.setTestWhileIdle(true); // the evictor thread PINGs idle connections...
        cfg.setTimeBetweenEvictionRuns(Duration.ofMillis(300));
        cfg.setMinEvictableIdleDuration(Duration.ofSeconds(1)); // ...and destroys those idle for 1 s
        cfg.setNumTestsPerEvictionRun(-1);
        // commons-pool2 2.12 busy-waits in GenericObjectPool.create() while another thread makes an
        // object, if maxWait is infinite (its default): on a hub that spin never lets the maker finish
        // (see the README: a library busy-wait). A finite maxWait makes it wait on a monitor instead.
        cfg.setMaxWait(Duration.ofSeconds(10));
        // commons-pool2 registers an MBean per pool by default; the JVM's first platform MBean server
        // takes a second of CPU to start, on the hub (the blocking monitor reports it). Not needed here.
        cfg.setJmxEnabled(false);
        JedisPool pool = new JedisPool(cfg, "127.0.0.1", port, 10_000);
        int[] peak = new int[1];
        return new Client() {
            @Override
            public String name() {
                return "jedis";
            }

            @Override
            public String call(int n) {
                try (Jedis j = pool.getResource()) {
                    synchronized (peak) {
                        peak[0] = Math.max(peak[0], pool.getNumActive() + pool.getNumIdle());
                    }
                    String key = runId + ":" + n;
                    j.set(key, "v" + n);
                    return j.get(key);
                }
            }

            @Override
            public String expected(int n) {
                return "v" + n;
            }

            @Override
            public String state() {
                return "idle:" + pool.getNumIdle() + ",destroyedByEvictor:" + pool.getDestroyedByEvictorCount()
                        + ",peak:" + peak[0];
            }

            @Override
            public boolean evicted() {
                return pool.getDestroyedByEvictorCount() > 0;
            }

            @Override
            public void close() {
                pool.close();
            }
        };
    }
}
