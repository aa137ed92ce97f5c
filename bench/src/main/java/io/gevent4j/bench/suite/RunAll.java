package io.gevent4j.bench.suite;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole comparison suite in one command ({@code bench/run-all.sh}): JMH micro-benchmarks, spawn and
 * sleep lateness, and the server loads - HTTP plaintext and 16-deep pipelined (wrk), 64-byte echo
 * ping-pong, idle connections - each against its baselines in the same run: raw Netty on epoll and on
 * io_uring, plain virtual threads, Helidon SE 4.3.2, and real gevent (Debian's python3-gevent) where
 * installed. Every server runs in a process of its own, one server thread each unless its name says
 * otherwise; the servers are alternated over the rounds (each round starts one place further down the
 * list), and the summary gives each figure's median with its spread (min-max) and the server's CPU per
 * operation read from {@code /proc/PID/stat}, which holds up better than the rate when other processes
 * compete for the cores.
 *
 * <p>Writes {@code results.json} (every sample and the summary), {@code results.md} (the tables) and
 * {@code results.png} (the chart, {@link Chart}) into the output directory.
 *
 * <p>Arguments: {@code [--quick] [--rounds N] [--seconds S] [--out DIR] [--only a,b]} where the
 * {@code --only} names are of {@code jmh, spawn, sleep, http, echo, idle}.
 */
public final class RunAll {
    static final int PORT = 18_190;
    private static final long TICK_NANOS = 10_000_000; // USER_HZ = 100 on Linux

    private final Options o;
    private final String java;
    private final String cp;
    private final Path root;
    private final List<Sample> samples = new ArrayList<>();
    private final Map<String, Map<String, Object>> micro = new LinkedHashMap<>();

    record Options(boolean quick, int rounds, double seconds, double warmup, int idle, int greenlets, int sleeps,
                   Path out, List<String> only) {
        boolean wants(String part) {
            return only.isEmpty() || only.contains(part);
        }
    }

    /** One measured run: {@code rate} operations per second, {@code cpuUs} server CPU per operation. */
    record Sample(String workload, String server, int round, double rate, double cpuUs, double p99Ms, String note) {
    }

    /** A server of the suite: a name and the command that starts it on {@link #PORT}. */
    record Server(String name, List<String> command) {
    }

    private RunAll(Options o) {
        this.o = o;
        this.java = ProcessHandle.current().info().command().orElse("java");
        this.cp = System.getProperty("java.class.path");
        this.root = Path.of(System.getProperty("bench.root", ".")).toAbsolutePath().normalize();
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Integer rounds = null;
        Double seconds = null;
        Path out = null;
        List<String> only = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected --quick, --rounds N, --seconds S, --out DIR, --only jmh,spawn,sleep,http,echo,idle)");
            }
        }
        Options o = new Options(quick, rounds != null ? rounds : (quick ? 2 : 5),
                seconds != null ? seconds : (quick ? 1 : 10), quick ? 0.5 : 3,
                quick ? 1_000 : 10_000, quick ? 50_000 : 1_000_000, quick ? 20_000 : 100_000,
                out != null ? out : Path.of("bench/results"), only);
        new RunAll(o).run(String.join(" ", args));
    }

    private void run(String argLine) throws Exception {
        long t0 = System.nanoTime();
        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String loadBefore = loadAverage();
        Files.createDirectories(o.out);
        log("gevent4j comparison suite: %s mode, %d rounds, %.1f s per measurement, load average %s",
                o.quick ? "quick" : "full", o.rounds, o.seconds, loadBefore);
        if (o.wants("jmh")) {
            Jmh.run(o.quick, micro);
        }
        if (o.wants("spawn")) {
            child("spawn", o.greenlets);
        }
        if (o.wants("sleep")) {
            child("sleep", o.sleeps);
        }
        if (o.wants("http")) {
            http();
        }
        if (o.wants("echo")) {
            echo();
        }
        if (o.wants("idle")) {
            idle();
        }
        String loadAfter = loadAverage();
        double minutes = (System.nanoTime() - t0) / 60e9;
        Report report = new Report(samples, micro, meta(started, argLine, loadBefore, loadAfter, minutes));
        report.write(o.out);
        Chart.draw(report, o.out.resolve("results.png"));
        System.out.println();
        System.out.println(report.markdown());
        log("wrote %s/results.json, results.md, results.png in %.1f min", o.out, minutes);
        System.exit(0);
    }

    private Map<String, Object> meta(String started, String argLine, String loadBefore, String loadAfter, double minutes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", started);
        m.put("command", "bench/run-all.sh" + (argLine.isEmpty() ? "" : " " + argLine));
        m.put("mode", o.quick ? "quick" : "full");
        m.put("rounds", o.rounds);
        m.put("seconds", o.seconds);
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("cpu", cpuModel());
        m.put("kernel", System.getProperty("os.version"));
        m.put("java", System.getProperty("java.vm.version"));
        m.put("load_average_before", loadBefore);
        m.put("load_average_after", loadAfter);
        m.put("minutes", Math.round(minutes * 100) / 100.0);
        return m;
    }

    // ------------------------------------------------------------------ servers

    private List<String> jvm(String main, String... extra) {
        List<String> c = new ArrayList<>(List.of(java, "-Xms1g", "-Xmx1g", "-Dio.netty.leakDetection.level=disabled",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                "-Dlogback.configurationFile=" + root.resolve("bench/src/main/resources/bench-logback.xml")));
        int i = 0;
        while (i < extra.length && extra[i].startsWith("-")) {
            c.add(extra[i++]);
        }
        c.add("-cp");
        c.add(cp);
        c.add(main);
        while (i < extra.length) {
            c.add(extra[i++]);
        }
        return c;
    }

    private static final String VT1 = "-Djdk.virtualThreadScheduler.parallelism=1";
    private static final String P = String.valueOf(PORT);

    private List<Server> httpServers() {
        String g = "io.gevent4j.bench.http.GeventHttpServer";
        List<Server> s = new ArrayList<>(List.of(
                new Server("netty-epoll", jvm("io.gevent4j.bench.http.NettyHttpServer", P, "1", "epoll")),
                new Server("netty-io_uring", jvm("io.gevent4j.bench.http.NettyHttpServer", P, "1", "io_uring")),
                new Server("vthreads", jvm("io.gevent4j.bench.http.VirtualThreadHttpServer", VT1, P)),
                new Server("helidon", jvm("io.gevent4j.bench.http.HelidonHttpServer", VT1, P)),
                new Server("gevent4j-epoll", jvm(g, "-Dgevent4j.loop=epoll", P, "1")),
                new Server("gevent4j-io_uring", jvm(g, "-Dgevent4j.loop=io_uring", P, "1")),
                new Server("gevent4j-2hubs", jvm(g, "-Dgevent4j.loop=epoll", P, "2"))));
        if (Python.hasGevent()) {
            s.add(new Server("gevent-pywsgi", List.of(Python.PYTHON, root.resolve("bench/py/pywsgi_hello.py").toString(), P)));
        } else {
            log("python3-gevent not installed: gevent's pywsgi is left out (apt-get install python3-gevent)");
        }
        return s;
    }

    private List<Server> echoServers() {
        String e = "io.gevent4j.bench.net.EchoServer";
        List<Server> s = new ArrayList<>(List.of(
                new Server("netty-epoll", jvm(e, "netty", P)),
                new Server("netty-io_uring", jvm(e, "netty-io_uring", P)),
                new Server("vthreads", jvm(e, VT1, "vthreads", P)),
                new Server("gevent4j-epoll", jvm(e, "-Dgevent4j.loop=epoll", "gevent", P)),
                new Server("gevent4j-io_uring", jvm(e, "-Dgevent4j.loop=io_uring", "gevent", P)),
                new Server("gevent4j-2hubs", jvm(e, "-Dgevent4j.loop=epoll", "gevent2", P))));
        if (Python.hasGevent()) {
            s.add(new Server("gevent-py", List.of(Python.PYTHON, root.resolve("bench/py/gevent_echo.py").toString(), P)));
        }
        return s;
    }

    /** Round {@code r} visits the servers starting at index r: no server always runs first or last. */
    private static <T> List<T> rotated(List<T> list, int r) {
        List<T> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(list.get((i + r) % list.size()));
        }
        return out;
    }

    /** A started server process. */
    private final class Running implements AutoCloseable {
        final Server server;
        final Process process;

        Running(Server server) throws Exception {
            this.server = server;
            Path logFile = o.out.resolve("logs").resolve(server.name() + ".log");
            Files.createDirectories(logFile.getParent());
            this.process = new ProcessBuilder(server.command()).redirectErrorStream(true)
                    .redirectOutput(logFile.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", PORT))) {
                    break;
                } catch (IOException notYet) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        close();
                        throw new IllegalStateException(server.name() + " did not start: see " + logFile);
                    }
                    Thread.sleep(20);
                }
            }
        }

        /** utime + stime of the server process, in nanoseconds. */
        long cpuNanos() throws IOException {
            return ProcStat.cpuNanos(process.pid());
        }

        long rssBytes() throws IOException {
            return ProcStat.rssBytes(process.pid());
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            waitPortFree();
        }
    }

    private static void waitPortFree() throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", PORT))) {
                Thread.sleep(20);
            } catch (IOException free) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ HTTP

    private void http() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/wrk"))) {
            log("wrk not installed (apt-get install wrk): HTTP loads skipped");
            return;
        }
        List<Server> servers = httpServers();
        for (int r = 0; r < o.rounds; r++) {
            for (Server s : rotated(servers, r)) {
                try (Running run = new Running(s)) {
                    if (o.quick) {
                        // pipelined first: its many requests warm the server up for the plaintext run
                        samples.add(measureWrk(run, "http-pipelined", r, true));
                        samples.add(measureWrk(run, "http-plaintext", r, false));
                        continue;
                    }
                    wrk(run, "-", o.warmup, false); // warm-up (wrk runs whole seconds, at least one)
                    samples.add(measureWrk(run, "http-plaintext", r, false));
                    wrk(run, "-", o.warmup, true);
                    samples.add(measureWrk(run, "http-pipelined", r, true));
                } catch (Exception e) {
                    log("%s failed in round %d: %s", s.name(), r + 1, e);
                }
            }
        }
    }

    private Sample measureWrk(Running run, String workload, int round, boolean pipelined) throws Exception {
        long c0 = run.cpuNanos();
        String out = wrk(run, workload, o.seconds, pipelined);
        long c1 = run.cpuNanos();
        double rps = num(out, "Requests/sec:\\s+([0-9.]+)");
        long requests = (long) num(out, "([0-9]+) requests in");
        double p99 = latencyMs(out, "99%");
        String errors = out.contains("Socket errors") || out.contains("Non-2xx") ? "wrk reported errors" : "";
        Sample s = new Sample(workload, run.server.name(), round + 1, rps, requests > 0 ? (c1 - c0) / 1e3 / requests : Double.NaN, p99, errors);
        log("round %d  %-15s %-18s %,12.0f req/s  %6.2f us CPU/req  p99 %7.2f ms %s", round + 1, workload,
                run.server.name(), s.rate(), s.cpuUs(), p99, errors);
        return s;
    }

    private String wrk(Running run, String what, double seconds, boolean pipelined) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/wrk", "-t1", "-c64",
                "-d" + Math.max(1, Math.round(seconds)) + "s", "--latency"));
        if (pipelined) {
            cmd.addAll(List.of("-s", root.resolve("bench/http-pipeline.lua").toString()));
        }
        cmd.add("http://127.0.0.1:" + PORT + "/");
        if (pipelined) {
            cmd.addAll(List.of("--", "16"));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    // ------------------------------------------------------------------ echo and idle

    private void echo() throws Exception {
        List<Server> servers = echoServers();
        for (int r = 0; r < o.rounds; r++) {
            for (Server s : rotated(servers, r)) {
                try (Running run = new Running(s); EchoClient client = new EchoClient(PORT, 64, 64)) {
                    Thread.sleep((long) (o.warmup * 1000));
                    long n0 = client.trips();
                    long c0 = run.cpuNanos();
                    long t0 = System.nanoTime();
                    Thread.sleep((long) (o.seconds * 1000));
                    long n1 = client.trips();
                    long c1 = run.cpuNanos();
                    long t1 = System.nanoTime();
                    double n = n1 - n0;
                    Sample smp = new Sample("echo", s.name(), r + 1, n / ((t1 - t0) / 1e9), (c1 - c0) / 1e3 / n, Double.NaN, "");
                    samples.add(smp);
                    log("round %d  %-15s %-18s %,12.0f round trips/s  %6.2f us CPU/rt", r + 1, "echo", s.name(),
                            smp.rate(), smp.cpuUs());
                } catch (Exception e) {
                    log("%s failed in round %d: %s", s.name(), r + 1, e);
                }
            }
        }
    }

    /** Memory (resident set growth) per idle connection: {@code o.idle} connections opened and kept. */
    private void idle() throws Exception {
        for (Server s : echoServers()) {
            if (s.name().equals("gevent4j-2hubs") || s.name().equals("netty-io_uring")) {
                continue;
            }
            List<SocketChannel> conns = new ArrayList<>(o.idle);
            try (Running run = new Running(s)) {
                try (EchoClient warm = new EchoClient(PORT, 8, 64)) {
                    Thread.sleep(500); // the code paths of a connection have run once
                }
                Thread.sleep(300);
                long before = run.rssBytes();
                for (int i = 0; i < o.idle; i++) {
                    conns.add(SocketChannel.open(new InetSocketAddress("127.0.0.1", PORT)));
                }
                Thread.sleep(1000);
                long after = run.rssBytes();
                double per = (after - before) / (double) o.idle;
                samples.add(new Sample("idle-connections", s.name(), 1, per / 1024, Double.NaN, Double.NaN,
                        "resident KiB per idle connection, " + o.idle + " connections"));
                log("idle      %-18s %,8.2f KiB resident per idle connection (%d connections)", s.name(), per / 1024, o.idle);
            } catch (Exception e) {
                log("%s failed in the idle test: %s", s.name(), e);
            } finally {
                for (SocketChannel c : conns) {
                    c.close();
                }
            }
        }
    }

    // ------------------------------------------------------------------ in-process benchmarks

    private void child(String what, int n) throws Exception {
        List<String> cmd = jvm("io.gevent4j.bench.SuiteChild", what, String.valueOf(n));
        cmd.set(1, "-Xms3g");
        cmd.set(2, "-Xmx6g");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        Matcher m = Pattern.compile("RESULT (\\w+) (.*)").matcher(out);
        if (!m.find()) {
            log("%s benchmark failed:%n%s", what, out);
            return;
        }
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("count", n);
        for (String pair : m.group(2).trim().split(" ")) {
            String[] a = pair.split("=");
            kv.put(a[0], Double.parseDouble(a[1]));
        }
        micro.put(what, kv);
        log("%-6s %s", what, kv);
    }

    // ------------------------------------------------------------------ helpers

    static double num(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** A wrk latency percentile line ({@code 99%   1.23ms}) in milliseconds. */
    static double latencyMs(String text, String pct) {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(pct) + "\\s+([0-9.]+)(us|ms|s)").matcher(text);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    static void log(String fmt, Object... args) {
        System.out.println(String.format(Locale.ROOT, fmt, args));
    }

    /** Figures from /proc. */
    static final class ProcStat {
        private ProcStat() {
        }

        static long cpuNanos(long pid) throws IOException {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": state is field 3, utime 14, stime 15 (1-based)
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS;
        }

        static long rssBytes(long pid) throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            throw new IOException("no VmRSS for " + pid);
        }
    }

    /** Real gevent, if Debian's python3-gevent is installed. */
    static final class Python {
        static final String PYTHON = "/usr/bin/python3";
        private static Boolean has;

        private Python() {
        }

        static synchronized boolean hasGevent() {
            if (has == null) {
                try {
                    Process p = new ProcessBuilder(PYTHON, "-c", "import gevent").redirectErrorStream(true).start();
                    p.getInputStream().readAllBytes();
                    has = p.waitFor() == 0;
                } catch (IOException | InterruptedException e) {
                    has = false;
                }
            }
            return has;
        }
    }
}
