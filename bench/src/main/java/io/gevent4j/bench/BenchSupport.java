package io.gevent4j.bench;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Small helpers shared by the load benchmarks: CPU time of this JVM, medians, a self-signed TLS context, child JVMs. */
public final class BenchSupport {
    private BenchSupport() {
    }

    /** CPU time (user + system) of this process so far, in nanoseconds, from /proc/self/stat. */
    public static long processCpuNanos() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
        return ticks * 10_000_000L; // USER_HZ = 100
    }

    /** "median (min..max)" of the values. */
    public static String spread(List<Double> v, String fmt) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        double med = s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
        return String.format(Locale.ROOT, fmt + " (" + fmt + ".." + fmt + ")", med, s.get(0), s.get(s.size() - 1));
    }

    public static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }

    /** A server TLS context with a fresh self-signed certificate for localhost/127.0.0.1 (keytool). */
    public static SSLContext selfSignedServerContext() throws Exception {
        Path dir = Files.createTempDirectory("bench-tls");
        Path ks = dir.resolve("bench.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "bench", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed");
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = new FileInputStream(ks.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        Files.delete(ks);
        Files.delete(dir);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** A child JVM with this one's class path and the JVM flags greenlets need, running {@code main args}. */
    public static ProcessBuilder childJvm(String main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--enable-native-access") || a.startsWith("--add-exports"))
                .toList());
        cmd.add("-Xmx2g");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** Starts {@code server} on a new daemon platform thread with its own hub; returns once it listens. */
    public static io.gevent4j.http.HttpServer startOnHubThread(io.gevent4j.http.HttpServer server) throws Exception {
        java.util.concurrent.CompletableFuture<Void> started = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            io.gevent4j.hub.Hub hub = io.gevent4j.hub.Hub.current();
            try {
                server.start();
                started.complete(null);
                server.serveForever();
            } catch (Throwable e) {
                started.completeExceptionally(e);
            } finally {
                hub.destroy();
            }
        }, "bench-hub");
        t.setDaemon(true);
        t.start();
        started.get(30, TimeUnit.SECONDS);
        return server;
    }
}
