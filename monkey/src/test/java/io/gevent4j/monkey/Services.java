package io.gevent4j.monkey;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real servers for the third-party client tests, started on 127.0.0.1 on a free port by the test and
 * stopped after it. A missing binary makes the test skip (JUnit assumption) with the reason.
 */
final class Services {
    private Services() {
    }

    /** A started server process; closing it stops the process and deletes its files. */
    record Server(Process process, int port, Path dir) implements AutoCloseable {
        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteTree(dir);
        }
    }

    /** The first of {@code names} found on the PATH or in {@code extraDirs}, or empty. */
    static Optional<Path> findBinary(String name, List<String> extraDirs) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(extraDirs);
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = Monkey.originalServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    // ------------------------------------------------------------------ redis

    static Server startRedis() throws Exception {
        Optional<Path> bin = findBinary("redis-server", List.of("/usr/bin", "/usr/local/bin", "/usr/sbin"));
        Assumptions.assumeTrue(bin.isPresent(), "redis-server not installed (apt-get install -y redis-server; "
                + ".ci/services does it in CI): skipping the Jedis test");
        Path dir = Files.createTempDirectory("gevent4j-redis");
        int port = freePort();
        Process p = new ProcessBuilder(bin.get().toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--maxclients", "4096")
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        Server s = new Server(p, port, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket c = Monkey.originalSocket()) {
                c.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                c.setSoTimeout(1000);
                c.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] b = new byte[7];
                int n = c.getInputStream().readNBytes(b, 0, 7);
                if (n == 7 && new String(b, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
                    return s;
                }
            } catch (IOException notYet) {
                // starting
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String log = Files.exists(dir.resolve("redis.log")) ? Files.readString(dir.resolve("redis.log")) : "";
                s.close();
                throw new IllegalStateException("redis-server did not start on port " + port + ":\n" + log);
            }
            Thread.sleep(50);
        }
    }

    // ------------------------------------------------------------------ postgresql

    static Server startPostgres(int maxConnections) throws Exception {
        List<String> pgDirs = new ArrayList<>();
        Path lib = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(lib)) {
            try (Stream<Path> versions = Files.list(lib)) {
                versions.sorted(Comparator.reverseOrder()).forEach(v -> pgDirs.add(v.resolve("bin").toString()));
            }
        }
        Optional<Path> initdb = findBinary("initdb", pgDirs);
        Optional<Path> postgres = findBinary("postgres", pgDirs);
        Assumptions.assumeTrue(initdb.isPresent() && postgres.isPresent(), "postgresql not installed (apt-get install"
                + " -y postgresql; .ci/services does it in CI): skipping the PostgreSQL JDBC test");
        // PostgreSQL refuses to run as root: run it as the 'postgres' user the Debian package creates.
        List<String> asUser = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            Optional<Path> runuser = findBinary("runuser", List.of("/usr/sbin", "/sbin"));
            boolean hasUser = Files.readString(Path.of("/etc/passwd")).lines().anyMatch(l -> l.startsWith("postgres:"));
            Assumptions.assumeTrue(runuser.isPresent() && hasUser, "running as root and there is no 'postgres' user"
                    + " to run the server as: skipping the PostgreSQL JDBC test");
            asUser.addAll(List.of(runuser.get().toString(), "-u", "postgres", "--"));
        }
        Path dir = Files.createTempDirectory("gevent4j-pg");
        Path data = dir.resolve("data");
        if (!asUser.isEmpty()) {
            run(List.of("chown", "-R", "postgres", dir.toString()));
        }
        List<String> init = new ArrayList<>(asUser);
        init.addAll(List.of(initdb.get().toString(), "-D", data.toString(), "-U", "test", "--auth=trust",
                "-E", "UTF8", "--no-sync", "--no-instructions"));
        run(init);
        int port = freePort();
        List<String> start = new ArrayList<>(asUser);
        start.addAll(List.of(postgres.get().toString(), "-D", data.toString(), "-h", "127.0.0.1",
                "-p", String.valueOf(port), "-k", dir.toString(), "-c", "max_connections=" + maxConnections,
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"));
        Process p = new ProcessBuilder(start).redirectErrorStream(true)
                .redirectOutput(dir.resolve("postgres.log").toFile()).start();
        Server s = new Server(p, port, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                    "test", "")) {
                if (c.isValid(2)) {
                    return s;
                }
            } catch (java.sql.SQLException notYet) {
                // starting
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(dir.resolve("postgres.log"));
                s.close();
                throw new IllegalStateException("postgres did not start on port " + port + ":\n" + log);
            }
            Thread.sleep(100);
        }
    }

    // ------------------------------------------------------------------ mariadb

    /**
     * A private MariaDB server (Debian's mariadb-server) on 127.0.0.1: a fresh data directory, no
     * grant tables (any user, no password), stopped and deleted on close.
     */
    static Server startMariaDb() throws Exception {
        List<String> dirs = List.of("/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin");
        Optional<Path> installDb = findBinary("mariadb-install-db", dirs);
        Optional<Path> server = findBinary("mariadbd", dirs);
        Assumptions.assumeTrue(installDb.isPresent() && server.isPresent(), "mariadb-server not installed"
                + " (apt-get install -y mariadb-server; .ci/services does it in CI): skipping the MariaDB test");
        // As root the server must be told which user to run as: the 'mysql' user of the Debian package.
        boolean root = "root".equals(System.getProperty("user.name"));
        String user = root && Files.readString(Path.of("/etc/passwd")).lines().anyMatch(l -> l.startsWith("mysql:"))
                ? "mysql" : System.getProperty("user.name");
        Path dir = Files.createTempDirectory("gevent4j-mariadb");
        Path data = dir.resolve("data");
        if (root && user.equals("mysql")) {
            run(List.of("chown", "-R", "mysql", dir.toString()));
        }
        run(List.of(installDb.get().toString(), "--no-defaults", "--datadir=" + data, "--user=" + user,
                "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"));
        int port = freePort();
        Process p = new ProcessBuilder(server.get().toString(), "--no-defaults", "--datadir=" + data,
                "--user=" + user, "--port=" + port, "--bind-address=127.0.0.1", "--socket=" + dir.resolve("sock"),
                "--pid-file=" + dir.resolve("pid"), "--skip-grant-tables", "--skip-name-resolve",
                "--skip-log-bin", "--innodb-buffer-pool-size=16M", "--max-connections=300")
                .redirectErrorStream(true).redirectOutput(dir.resolve("mariadb.log").toFile()).start();
        Server s = new Server(p, port, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (var c = java.sql.DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/mysql?user=test")) {
                if (c.isValid(2)) {
                    return s;
                }
            } catch (java.sql.SQLException notYet) {
                // starting
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(dir.resolve("mariadb.log"));
                s.close();
                throw new IllegalStateException("mariadbd did not start on port " + port + ":\n" + log);
            }
            Thread.sleep(100);
        }
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(cmd + " failed:\n" + out);
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
