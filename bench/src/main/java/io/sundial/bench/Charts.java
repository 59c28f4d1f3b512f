package io.sundial.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lateness pictures with XChart: a CDF (fraction delivered within x ms) and a histogram (messages per bin), one
 * series per target, both on a logarithmic lateness axis because the targets differ by orders of magnitude.
 * Lateness below 1 ms is drawn at 1 ms (early deliveries are counted in the table, never hidden in a chart).
 */
final class Charts {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 520;
    private static final int CDF_POINTS = 400;
    private static final int BINS = 60;

    private Charts() {
    }

    /** Writes {@code name}-cdf.png and {@code name}-histogram.png in {@code dir}; returns the two files. */
    static List<Path> write(Path dir, String name, String title, Map<String, Distribution> series) throws IOException {
        Files.createDirectories(dir);
        Map<String, Distribution> present = new LinkedHashMap<>();
        series.forEach((label, d) -> {
            if (d != null && !d.isEmpty()) {
                present.put(label, d);
            }
        });
        if (present.isEmpty()) {
            return List.of();
        }
        Path cdf = dir.resolve(name + "-cdf.png");
        Path histogram = dir.resolve(name + "-histogram.png");
        BitmapEncoder.saveBitmap(cdf(title, present), cdf.toString(), BitmapEncoder.BitmapFormat.PNG);
        BitmapEncoder.saveBitmap(histogram(title, present), histogram.toString(), BitmapEncoder.BitmapFormat.PNG);
        return List.of(cdf, histogram);
    }

    static XYChart cdf(String title, Map<String, Distribution> series) {
        XYChart chart = chart(title + ": lateness CDF", "fraction of messages delivered");
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setYAxisDecimalPattern("0.0");
        series.forEach((label, d) -> {
            long[] v = d.values();
            int points = Math.min(CDF_POINTS, v.length);
            double[] x = new double[points];
            double[] y = new double[points];
            for (int p = 0; p < points; p++) {
                int i = (int) Math.min(v.length - 1, Math.round((p + 1.0) * v.length / points) - 1);
                x[p] = Math.max(1, v[i]);
                y[p] = (i + 1.0) / v.length;
            }
            XYSeries s = chart.addSeries(label + " (p99 " + d.percentile(99) + " ms)", x, y);
            s.setMarker(SeriesMarkers.NONE);
        });
        return chart;
    }

    static XYChart histogram(String title, Map<String, Distribution> series) {
        XYChart chart = chart(title + ": lateness histogram", "messages per bin");
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
        long hi = 1;
        for (Distribution d : series.values()) {
            hi = Math.max(hi, d.max());
        }
        double logHi = Math.log10(Math.max(2, hi)) + 1e-9;
        double[] edges = new double[BINS + 1];
        for (int b = 0; b <= BINS; b++) {
            edges[b] = Math.pow(10, logHi * b / BINS);
        }
        series.forEach((label, d) -> {
            double[] counts = new double[BINS];
            for (long v : d.values()) {
                double x = Math.max(1, v);
                int b = (int) Math.min(BINS - 1, Math.floor(Math.log10(x) / logHi * BINS));
                counts[b]++;
            }
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int b = 0; b < BINS; b++) {
                xs.add(edges[b]);
                ys.add(counts[b]);
            }
            XYSeries s = chart.addSeries(label, xs, ys);
            s.setMarker(SeriesMarkers.NONE);
        });
        return chart;
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("lateness: receive time - intended delivery time (ms, log scale)").yAxisTitle(yTitle)
                .build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        return chart;
    }
}
