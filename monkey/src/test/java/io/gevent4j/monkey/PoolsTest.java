package io.gevent4j.monkey;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.gevent4j.Gevent;
import io.gevent4j.monkey.apps.PoolsApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.TestAbortedException;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real connection pools, unmodified ({@link PoolsApp}): HikariCP over MariaDB Connector/J and over the
 * PostgreSQL driver, OkHttp's pool, a Jedis pool - under the launcher (a child JVM) and, at the same
 * time, in this JVM with {@link Monkey#patchAll()}, in programs that also use platform threads. Each
 * pool is left idle past its eviction / keep-alive interval (its maintenance threads test, close and
 * replace connections that greenlets opened) and used again: every result right, nothing logged at
 * WARN or above, and the operations overlapped. The servers are started here on 127.0.0.1; one that
 * is not installed leaves its pool out, with the reason logged.
 */
@Timeout(170)
class PoolsTest {
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(PoolsTest.class);
    private static final String BLOCKING_MONITOR = "io.gevent4j.hub.BlockingMonitor";
    /** Longer than Hikari's idle timeout (10 s, its least) plus a housekeeping period (1 s). */
    static final long IDLE_MILLIS = 12_500;

    static Services.Server mariadb;
    static Services.Server postgres;
    static Services.Server redis;
    static final List<String> missing = new ArrayList<>();

    interface Start {
        Services.Server start() throws Exception;
    }

    private static Services.Server startOrSkip(String what, Start start) throws Exception {
        try {
            return start.start();
        } catch (TestAbortedException e) {
            missing.add(what + ": " + e.getMessage());
            return null;
        }
    }

    @BeforeAll
    static void startServers() throws Exception {
        Monkey.patchAll();
        mariadb = startOrSkip("mariadb", Services::startMariaDb);
        postgres = startOrSkip("postgres", () -> Services.startPostgres(60));
        redis = startOrSkip("redis", Services::startRedis);
        missing.forEach(m -> log.warn("PoolsTest runs without {}", m));
    }

    @AfterAll
    static void stopServers() {
        for (Services.Server s : new Services.Server[] {mariadb, postgres, redis}) {
            if (s != null) {
                s.close();
            }
        }
    }

    private static String port(Services.Server s) {
        return String.valueOf(s == null ? 0 : s.port());
    }

    /** Everything logged at WARN or above (SLF4J/logback and java.util.logging) while open. */
    private static final class Warnings implements AutoCloseable {
        private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
        private final List<String> jul = Collections.synchronizedList(new ArrayList<>());
        private final Handler julHandler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    jul.add(r.getLoggerName() + ": " + r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };

        Warnings() {
            appender.setContext(root.getLoggerContext());
            appender.start();
            root.addAppender(appender);
            java.util.logging.Logger.getLogger("").addHandler(julHandler);
        }

        /**
         * What the pools, drivers and gevent4j logged at WARN or above. The blocking monitor's reports are
         * left out (and logged here): they say the hub was held up - class loading and driver start-up
         * in a greenlet take their time on a loaded machine - not that a pool or a connection failed.
         */
        List<String> all() {
            List<String> out = new ArrayList<>(jul);
            synchronized (appender) {
                for (ILoggingEvent e : appender.list) {
                    if (e.getLevel().isGreaterOrEqual(Level.WARN)) {
                        if (e.getLoggerName().equals(BLOCKING_MONITOR)) {
                            log.info("blocking monitor: {}", e.getFormattedMessage().lines().findFirst().orElse(""));
                        } else {
                            out.add(e.getLoggerName() + ": " + e.getFormattedMessage());
                        }
                    }
                }
            }
            return out;
        }

        @Override
        public void close() {
            root.detachAppender(appender);
            java.util.logging.Logger.getLogger("").removeHandler(julHandler);
        }
    }

    private static void checkReport(String where, List<String> report) {
        log.info("{}:\n  {}", where, String.join("\n  ", report));
        assertTrue(report.contains("errors=0"), where + ": " + report);
        List<String> idle = report.stream().filter(l -> l.contains(".afterIdle=")).toList();
        int expected = 1 + (mariadb != null ? 1 : 0) + (postgres != null ? 1 : 0) + (redis != null ? 1 : 0);
        assertEquals(expected, idle.size(), where + ": " + report);
        for (String l : idle) {
            assertTrue(l.endsWith("evicted=true"), where + ": the pool's maintenance did not shrink it while idle: " + l);
        }
        for (String round : List.of("round1", "round2")) {
            String line = report.stream().filter(l -> l.startsWith(round + ".")).findFirst().orElseThrow();
            double overlap = Double.parseDouble(line.substring(line.indexOf("overlap=") + 8));
            // 48 tasks at once against pools of 8 connections: sequential work would give 1
            assertTrue(overlap >= 2, where + ": the operations did not overlap: " + line);
        }
    }

    @Test
    void poolsLeftIdlePastTheirEvictionIntervalsWorkAgainUnderTheLauncherAndWithPatchAll() throws Exception {
        String[] args = {PoolsApp.class.getName(), port(mariadb), port(postgres), port(redis),
                String.valueOf(IDLE_MILLIS), "child"};
        CompletableFuture<ChildJvm.Result> child = CompletableFuture.supplyAsync(() -> {
            try {
                return ChildJvm.run(List.of(), Main.class.getName(), args);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofPlatform().daemon().start(r));

        long patchedBefore = GreenSocketImpl.CONNECTIONS.get();
        List<String> report;
        List<String> warnings;
        try (Warnings w = new Warnings()) {
            report = Gevent.run(() -> PoolsApp.run(Integer.parseInt(port(mariadb)), Integer.parseInt(port(postgres)),
                    Integer.parseInt(port(redis)), IDLE_MILLIS, "in-process"));
            warnings = w.all();
        }
        checkReport("with Monkey.patchAll()", report);
        assertEquals(List.of(), warnings, "logged at WARN or above");
        assertTrue(GreenSocketImpl.CONNECTIONS.get() > patchedBefore, "no patched socket was used");

        ChildJvm.Result r = child.get();
        assertEquals(0, r.exit(), r.err());
        checkReport("under the launcher", r.out().lines().filter(l -> l.contains("=")).toList());
        for (String l : (r.out() + "\n" + r.err()).lines().toList()) {
            if (l.contains("BlockingMonitor") || l.startsWith("\tat ")) {
                continue; // the blocking monitor's reports and their stacks: see Warnings.all
            }
            assertTrue(!l.contains(" WARN ") && !l.contains(" ERROR ") && !l.startsWith("WARNING")
                    && !l.startsWith("SEVERE") && !l.contains("Exception"), "the launched program logged: " + l
                    + "\n" + r.out() + r.err());
        }
    }
}
