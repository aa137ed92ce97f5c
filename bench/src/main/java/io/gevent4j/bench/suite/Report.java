package io.gevent4j.bench.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The suite's results: every sample, the per-server summary (medians, spread, ratios), JSON and Markdown. */
final class Report {
    static final String BASELINE = "netty-epoll";

    /** Median and spread of one server on one workload; ratios are to {@value #BASELINE}'s medians. */
    record Row(String workload, String server, int n, double median, double min, double max, double cpuUs,
               double rateRatio, double cpuRatio, double p99Ms) {
    }

    final List<RunAll.Sample> samples;
    final Map<String, Map<String, Object>> micro;
    final Map<String, Object> meta;
    final List<Row> rows = new ArrayList<>();

    Report(List<RunAll.Sample> samples, Map<String, Map<String, Object>> micro, Map<String, Object> meta) {
        this.samples = samples;
        this.micro = micro;
        this.meta = meta;
        Map<String, Map<String, List<RunAll.Sample>>> by = new LinkedHashMap<>();
        for (RunAll.Sample s : samples) {
            by.computeIfAbsent(s.workload(), k -> new LinkedHashMap<>()).computeIfAbsent(s.server(), k -> new ArrayList<>()).add(s);
        }
        by.forEach((w, servers) -> {
            List<RunAll.Sample> base = servers.get(BASELINE);
            double baseRate = base == null ? Double.NaN : median(base.stream().mapToDouble(RunAll.Sample::rate).toArray());
            double baseCpu = base == null ? Double.NaN : median(base.stream().mapToDouble(RunAll.Sample::cpuUs).toArray());
            servers.forEach((srv, list) -> {
                double[] r = list.stream().mapToDouble(RunAll.Sample::rate).toArray();
                double med = median(r);
                double cpu = median(list.stream().mapToDouble(RunAll.Sample::cpuUs).toArray());
                rows.add(new Row(w, srv, r.length, med, Arrays.stream(r).min().orElse(Double.NaN),
                        Arrays.stream(r).max().orElse(Double.NaN), cpu, med / baseRate, cpu / baseCpu,
                        median(list.stream().mapToDouble(RunAll.Sample::p99Ms).toArray())));
            });
        });
    }

    static double median(double[] v) {
        double[] a = Arrays.stream(v).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (a.length == 0) {
            return Double.NaN;
        }
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    Row row(String workload, String server) {
        for (Row r : rows) {
            if (r.workload().equals(workload) && r.server().equals(server)) {
                return r;
            }
        }
        return null;
    }

    void write(Path dir) throws IOException {
        Files.writeString(dir.resolve("results.json"), json());
        Files.writeString(dir.resolve("results.md"), markdown());
    }

    // ------------------------------------------------------------------ JSON (small enough to write by hand)

    String json() {
        StringBuilder b = new StringBuilder("{\n  \"meta\": ");
        obj(b, meta);
        b.append(",\n  \"micro\": ");
        obj(b, new LinkedHashMap<>(micro));
        b.append(",\n  \"summary\": [\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.workload());
            m.put("server", r.server());
            m.put("rounds", r.n());
            m.put("median", r.median());
            m.put("min", r.min());
            m.put("max", r.max());
            m.put("cpu_us_per_op", r.cpuUs());
            m.put("rate_vs_" + BASELINE, r.rateRatio());
            m.put("cpu_vs_" + BASELINE, r.cpuRatio());
            m.put("p99_ms", r.p99Ms());
            b.append("    ");
            obj(b, m);
            b.append(i + 1 < rows.size() ? ",\n" : "\n");
        }
        b.append("  ],\n  \"samples\": [\n");
        for (int i = 0; i < samples.size(); i++) {
            RunAll.Sample s = samples.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", s.workload());
            m.put("server", s.server());
            m.put("round", s.round());
            m.put("rate", s.rate());
            m.put("cpu_us_per_op", s.cpuUs());
            m.put("p99_ms", s.p99Ms());
            m.put("note", s.note());
            b.append("    ");
            obj(b, m);
            b.append(i + 1 < samples.size() ? ",\n" : "\n");
        }
        return b.append("  ]\n}\n").toString();
    }

    @SuppressWarnings("unchecked")
    private static void obj(StringBuilder b, Map<String, ?> m) {
        b.append('{');
        boolean first = true;
        for (var e : m.entrySet()) {
            if (!first) {
                b.append(", ");
            }
            first = false;
            str(b, e.getKey());
            b.append(": ");
            Object v = e.getValue();
            if (v instanceof Map<?, ?> mm) {
                obj(b, (Map<String, ?>) mm);
            } else if (v instanceof Number n) {
                double d = n.doubleValue();
                b.append(Double.isNaN(d) || Double.isInfinite(d) ? "null"
                        : (n instanceof Integer || n instanceof Long) ? n.toString() : String.format(Locale.ROOT, "%.6g", d));
            } else if (v == null) {
                b.append("null");
            } else {
                str(b, v.toString());
            }
        }
        b.append('}');
    }

    private static void str(StringBuilder b, String s) {
        b.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    // ------------------------------------------------------------------ Markdown

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Run %s (%s mode, %s rounds of %s s), %s CPUs (%s), Linux %s, Java %s; "
                        + "load average %s before, %s after.%n%n",
                meta.get("date"), meta.get("mode"), meta.get("rounds"), meta.get("seconds"), meta.get("cpus"), meta.get("cpu"),
                meta.get("kernel"), meta.get("java"), meta.get("load_average_before"), meta.get("load_average_after")));
        b.append("| workload | server | median | spread (min-max) | server CPU/op | vs netty-epoll (rate) | vs netty-epoll (CPU/op) | p99 |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            boolean idle = r.workload().equals("idle-connections");
            String median = idle ? String.format(Locale.ROOT, "%.2f KiB/conn", r.median())
                    : String.format(Locale.ROOT, "%,.0f %s", r.median(), r.workload().equals("echo") ? "rt/s" : "req/s");
            String spread = idle ? "-" : String.format(Locale.ROOT, "%,.0f-%,.0f", r.min(), r.max());
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", r.workload(), r.server(),
                    median, spread,
                    Double.isNaN(r.cpuUs()) ? "-" : String.format(Locale.ROOT, "%.2f us", r.cpuUs()),
                    Double.isNaN(r.rateRatio()) ? "-" : String.format(Locale.ROOT, "%.2fx", r.rateRatio()),
                    Double.isNaN(r.cpuRatio()) ? "-" : String.format(Locale.ROOT, "%.2fx", r.cpuRatio()),
                    Double.isNaN(r.p99Ms()) ? "-" : String.format(Locale.ROOT, "%.1f ms", r.p99Ms())));
        }
        b.append("\n(idle-connections: growth of the server's resident memory per idle connection; lower is better.)\n");
        if (!micro.isEmpty()) {
            b.append("\n| micro-benchmark | figures |\n|---|---|\n");
            micro.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        }
        b.append("\n").append(goals());
        return b.toString();
    }

    /** The goal table, filled in from this run (gevent4j on epoll, its default backend). */
    String goals() {
        StringBuilder b = new StringBuilder("| workload | netty-epoll | gevent4j-epoll | gevent4j-io_uring | netty-io_uring | goal |\n|---|---|---|---|---|---|\n");
        goal(b, "HTTP plaintext, wrk -t1 -c64", "http-plaintext", ">= 1.3x, CPU/request <= 0.75x");
        goal(b, "HTTP 16-deep pipelined", "http-pipelined", ">= 1.6x");
        goal(b, "echo 64 B ping-pong, 64 conns", "echo", ">= 1.2x");
        Row one = row("echo", "gevent4j-epoll");
        Row two = row("echo", "gevent4j-2hubs");
        if (one != null && two != null) {
            b.append(String.format(Locale.ROOT, "| echo, 2 hubs | - | %.2fx of 1 hub's rate | - | - | >= 1 hub's rate when a core is free |%n",
                    two.median() / one.median()));
        }
        Map<String, Object> sp = micro.get("spawn");
        if (sp != null) {
            b.append(String.format(Locale.ROOT, "| spawn+park+join, %s greenlets | (vthreads %.2f us, %.0f B) | %.2f us, %.0f B | - | - | <= 1.5 us, <= 600 B |%n",
                    sp.get("count"), sp.get("vthreads_us"), sp.get("vthreads_bytes"), sp.get("gevent4j_us"), sp.get("gevent4j_bytes")));
        }
        Map<String, Object> sl = micro.get("sleep");
        if (sl != null) {
            b.append(String.format(Locale.ROOT, "| %s concurrent 50-150 ms sleeps, lateness p99 | (vthreads %.1f ms) | %.1f ms | - | - | <= 40 ms |%n",
                    sl.get("count"), sl.get("vthreads_p99_ms"), sl.get("gevent4j_p99_ms")));
        }
        return b.toString();
    }

    private void goal(StringBuilder b, String label, String workload, String goal) {
        Row n = row(workload, BASELINE);
        if (n == null) {
            return;
        }
        b.append("| ").append(label).append(String.format(Locale.ROOT, " | 1.00 (%.2f us CPU/op)", n.cpuUs()));
        for (String s : List.of("gevent4j-epoll", "gevent4j-io_uring", "netty-io_uring")) {
            Row r = row(workload, s);
            b.append(r == null ? " | -" : String.format(Locale.ROOT, " | %.2fx (%.2f-%.2fx), CPU/op %.2fx", r.rateRatio(),
                    r.min() / n.median(), r.max() / n.median(), r.cpuRatio()));
        }
        b.append(" | ").append(goal).append(" |\n");
    }
}
