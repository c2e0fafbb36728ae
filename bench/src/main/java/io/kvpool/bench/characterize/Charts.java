package io.kvpool.bench.characterize;

import io.kvpool.protocol.ByteSizes;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The characterization's three charts. Sizes are plotted on a log2 axis labelled in B/KiB/MiB (never {@code 1E4}),
 * every title and series says which access pattern it shows, series take colours from the Okabe-Ito palette (told
 * apart with colour blindness too) and alternate markers, and the threads axis starts at 0. Stateless.
 */
final class Charts
{
    /** Okabe-Ito's eight colours, with grey for its yellow, which vanishes on white. */
    static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
        new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0x999999)};
    private static final Marker[] MARKERS = {
        SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND, SeriesMarkers.TRIANGLE_UP,
        SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CROSS, SeriesMarkers.OVAL, SeriesMarkers.PLUS};

    private Charts()
    {
    }

    /**
     * @param points every point of the run.
     * @return bandwidth against access size, one thread: sequential load/store per path and op, and the Aeron UDP
     *         transport's gets.
     */
    static XYChart bandwidthVsSize(final List<Point> points)
    {
        return sizeChart("Bandwidth vs access size, 1 thread (sequential access; Aeron UDP: random gets)",
            "access size", "GB/s", points, p -> p.kind().equals("bandwidth") && p.threads() == 1 &&
                (p.pattern().equals("sequential") || p.path().equals("aeron-udp")),
            p -> p.path() + " " + p.op() + " (" + p.pattern() + ")", Point::gbPerSecond);
    }

    /**
     * @param points every point of the run.
     * @return idle load latency against working set, per path: a random pointer chase.
     */
    static XYChart latencyVsSize(final List<Point> points)
    {
        return sizeChart("Idle load latency vs working set (random pointer chase)", "working set", "ns (p50)", points,
            p -> p.kind().equals("latency"), p -> p.path() + " (random chase)", Point::latencyNsP50);
    }

    /**
     * @param points every point of the run.
     * @return bandwidth against threads at each path's largest size: sequential copies, and Aeron UDP gets.
     */
    static XYChart bandwidthVsThreads(final List<Point> points)
    {
        final long cap = points.stream().filter(p -> p.kind().equals("bandwidth") && p.threads() > 1)
            .mapToLong(Point::sizeBytes).max().orElse(0);
        final XYChart chart = chart("Bandwidth vs threads (sequential copy at the largest size; Aeron UDP: " +
            "random gets)", "threads", "GB/s", points, p -> p.kind().equals("bandwidth") &&
            !p.path().startsWith("gpu") && (p.op().equals("copy") && p.pattern().equals("sequential") ||
            p.op().equals("get")) && p.sizeBytes() == largestSize(points, p.path(), cap),
            p -> p.path() + " " + p.op() + " " + ByteSizes.format(p.sizeBytes()) + " (" + p.pattern() + ")",
            Point::threads, Point::gbPerSecond);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setYAxisMin(0.0);
        // Whole threads only: the axis may put ticks between them.
        chart.getStyler().setxAxisTickLabelsFormattingFunction(value ->
            value == Math.rint(value) ? Long.toString(value.longValue()) : "");
        return chart;
    }

    /**
     * @param chart a chart.
     * @param file  where the PNG goes.
     */
    static void save(final XYChart chart, final Path file) throws IOException
    {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * @param log2Bytes a position on a size axis: log2 of a size in bytes.
     * @return the size it stands for, as {@code 64 B}, {@code 16 KiB}, {@code 4 MiB}.
     */
    static String sizeLabel(final double log2Bytes)
    {
        return ByteSizes.format(Math.round(Math.pow(2, log2Bytes)));
    }

    private static XYChart sizeChart(
        final String title, final String xTitle, final String yTitle, final List<Point> points,
        final Predicate<Point> include, final Function<Point, String> series, final ToDoubleFunction<Point> y)
    {
        final XYChart chart = chart(title, xTitle, yTitle, points, include, series,
            p -> Math.log(p.sizeBytes()) / Math.log(2), y);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(Charts::sizeLabel);
        chart.getStyler().setYAxisMin(0.0);
        return chart;
    }

    private static XYChart chart(
        final String title, final String xTitle, final String yTitle, final List<Point> points,
        final Predicate<Point> include, final Function<Point, String> series, final ToDoubleFunction<Point> x,
        final ToDoubleFunction<Point> y)
    {
        final XYChart chart = new XYChartBuilder().width(1000).height(560).title(title).xAxisTitle(xTitle)
            .yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setSeriesColors(PALETTE);
        chart.getStyler().setSeriesMarkers(MARKERS);
        final Map<String, List<Point>> bySeries = points.stream().filter(include).collect(Collectors.groupingBy(
            series, TreeMap::new, Collectors.toList()));
        for (final Map.Entry<String, List<Point>> entry : bySeries.entrySet())
        {
            final List<Point> sorted = new ArrayList<>(entry.getValue());
            sorted.sort(Comparator.comparingDouble(x));
            chart.addSeries(entry.getKey(), sorted.stream().mapToDouble(x).toArray(),
                sorted.stream().mapToDouble(y).toArray());
        }
        if (bySeries.isEmpty())
        {
            chart.addSeries("no points", new double[]{1}, new double[]{0});
        }
        return chart;
    }

    private static long largestSize(final List<Point> points, final String path, final long cap)
    {
        return points.stream().filter(p -> p.kind().equals("bandwidth") && p.path().equals(path) && p.threads() > 1)
            .mapToLong(Point::sizeBytes).filter(size -> size <= cap).max().orElse(-1);
    }
}
