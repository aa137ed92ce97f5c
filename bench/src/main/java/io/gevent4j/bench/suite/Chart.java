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
        String when = report.meta.get("date") + ", " + report.meta.get("cpus") + " CPUs, load " + report.meta.get("load_average_before")
                + ", " + report.meta.get("mode") + " mode";
        JFreeChart top = bars("Throughput vs netty-epoll (median of " + report.meta.get("rounds") + " rounds; higher is better)",
                rate, when);
        JFreeChart bottom = bars("Server CPU per operation vs netty-epoll (lower is better)", cpu, String.valueOf(report.meta.get("command")));
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
