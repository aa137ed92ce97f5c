package io.gevent4j.bench.suite;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The suite's chart: for each server load, every server's median throughput and its server CPU per
 * operation as a ratio to raw Netty on epoll measured in the same run (1.0, the dashed line), two
 * panels stacked in one PNG.
 */
final class Chart {
    private static final List<String> LOADS = List.of("http-plaintext", "http-pipelined", "echo");

    private Chart() {
    }

    /**
     * Draws the chart again from a results.json of {@link RunAll} (no rerun): {@code results.json out.png}.
     * Reads the one-object-per-line layout that {@link Report#json()} writes.
     */
    public static void main(String[] args) throws IOException {
        java.util.List<RunAll.Sample> samples = new java.util.ArrayList<>();
        java.util.Map<String, Object> meta = new java.util.LinkedHashMap<>();
        boolean inSamples = false;
        for (String line : java.nio.file.Files.readAllLines(Path.of(args[0]))) {
            if (line.startsWith("  \"meta\": ")) {
                var m = java.util.regex.Pattern.compile("\"(\\w+)\": (\"[^\"]*\"|[^,}]+)").matcher(line.substring(10));
                while (m.find()) {
                    meta.put(m.group(1), m.group(2).replace("\"", ""));
                }
            } else if (line.startsWith("  \"samples\"")) {
                inSamples = true;
            } else if (inSamples && line.startsWith("    {")) {
                samples.add(new RunAll.Sample(field(line, "workload"), field(line, "server"),
                        (int) number(line, "round"), number(line, "rate"), number(line, "cpu_us_per_op"),
                        number(line, "p99_ms"), field(line, "note")));
            }
        }
        draw(new Report(samples, new java.util.LinkedHashMap<>(), meta), Path.of(args[1]));
    }

    private static String field(String line, String name) {
        var m = java.util.regex.Pattern.compile("\"" + name + "\": \"([^\"]*)\"").matcher(line);
        return m.find() ? m.group(1) : "";
    }

    private static double number(String line, String name) {
        var m = java.util.regex.Pattern.compile("\"" + name + "\": ([-0-9.eE+]+|null)").matcher(line);
        return m.find() && !m.group(1).equals("null") ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    static void draw(Report report, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        DefaultCategoryDataset rate = new DefaultCategoryDataset();
        DefaultCategoryDataset cpu = new DefaultCategoryDataset();
        for (Report.Row r : report.rows) {
            if (!LOADS.contains(r.workload()) || Double.isNaN(r.rateRatio())) {
                continue;
            }
            rate.addValue(r.rateRatio(), r.server(), r.workload());
            if (!Double.isNaN(r.cpuRatio())) {
                cpu.addValue(r.cpuRatio(), r.server(), r.workload());
            }
        }
        String date = String.valueOf(report.meta.get("date"));
        String when = date.substring(0, Math.min(16, date.length())).replace('T', ' ') + " UTC, " + report.meta.get("cpus")
                + " CPUs, load average " + report.meta.get("load_average_before") + " at start, " + report.meta.get("mode") + " mode";
        JFreeChart top = bars("Throughput vs netty-epoll (median of " + report.meta.get("rounds") + " rounds; higher is better)",
                rate, when);
        JFreeChart bottom = bars("Server CPU per operation vs netty-epoll (lower is better; log scale)", cpu,
                String.valueOf(report.meta.get("command")));
        org.jfree.chart.axis.LogAxis log = new org.jfree.chart.axis.LogAxis("ratio to netty-epoll");
        log.setBase(2);
        log.setNumberFormatOverride(new java.text.DecimalFormat("0.##"));
        log.setStandardTickUnits(org.jfree.chart.axis.NumberAxis.createStandardTickUnits());
        double max = 1;
        double min = 1;
        for (int i = 0; i < cpu.getRowCount(); i++) {
            for (int j = 0; j < cpu.getColumnCount(); j++) {
                Number v = cpu.getValue(i, j);
                if (v != null) {
                    max = Math.max(max, v.doubleValue());
                    min = Math.min(min, v.doubleValue());
                }
            }
        }
        log.setRange(Math.min(0.5, min / 1.5), Math.max(2, max * 1.5));
        bottom.getCategoryPlot().setRangeAxis(log);
        BarRenderer br = (BarRenderer) bottom.getCategoryPlot().getRenderer();
        br.setBase(1.0); // bars grow from 1.0: up costs more CPU than Netty, down less
        br.setIncludeBaseInRange(false);
        int w = 1200;
        int h = 520;
        BufferedImage img = new BufferedImage(w, 2 * h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        top.draw(g, new Rectangle2D.Double(0, 0, w, h));
        bottom.draw(g, new Rectangle2D.Double(0, h, w, h));
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }

    private static JFreeChart bars(String title, DefaultCategoryDataset data, String subtitle) {
        JFreeChart c = ChartFactory.createBarChart(title, null, "ratio to netty-epoll", data,
                PlotOrientation.VERTICAL, true, false, false);
        c.addSubtitle(new org.jfree.chart.title.TextTitle(subtitle));
        c.setBackgroundPaint(Color.WHITE);
        CategoryPlot p = c.getCategoryPlot();
        p.setBackgroundPaint(new Color(0xF7F7F7));
        p.setRangeGridlinePaint(Color.LIGHT_GRAY);
        p.addRangeMarker(new ValueMarker(1.0, Color.DARK_GRAY, new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 1, new float[] {6, 4}, 0)));
        CategoryAxis x = p.getDomainAxis();
        x.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        BarRenderer r = (BarRenderer) p.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.03);
        return c;
    }
}
