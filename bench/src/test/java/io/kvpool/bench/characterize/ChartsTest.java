package io.kvpool.bench.characterize;

import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The charts a person reads: sizes in B/KiB/MiB, the access pattern in every title and series, colours told apart,
 * threads from 0.
 */
class ChartsTest
{
    private static final List<Point> POINTS = points();

    @Test
    void shouldLabelSizesInBinaryUnits()
    {
        final Function<Double, String> label =
            Charts.bandwidthVsSize(POINTS).getStyler().getxAxisTickLabelsFormattingFunction();
        assertEquals("64 B", label.apply(6.0));
        assertEquals("16 KiB", label.apply(14.0));
        assertEquals("1 MiB", label.apply(20.0));
        assertEquals("4 MiB", Charts.latencyVsSize(POINTS).getStyler().getxAxisTickLabelsFormattingFunction()
            .apply(22.0));
        final XYSeries region = Charts.bandwidthVsSize(POINTS).getSeriesMap().get("region copy (sequential)");
        assertEquals(16.0, region.getXData()[1], 1e-9, "a 64 KiB access sits at log2 = 16");
    }

    @Test
    void shouldSayWhichAccessPatternEachChartShows()
    {
        for (final XYChart chart : List.of(Charts.bandwidthVsSize(POINTS), Charts.latencyVsSize(POINTS),
            Charts.bandwidthVsThreads(POINTS)))
        {
            assertTrue(chart.getTitle().contains("sequential") || chart.getTitle().contains("random"),
                chart.getTitle());
            for (final String series : chart.getSeriesMap().keySet())
            {
                assertTrue(series.endsWith("(sequential)") || series.endsWith("(random)") ||
                    series.endsWith("(random chase)"), series);
            }
        }
        assertEquals(List.of("aeron-udp get (random)", "dram copy (sequential)", "region copy (sequential)"),
            new ArrayList<>(Charts.bandwidthVsSize(POINTS).getSeriesMap().keySet()));
    }

    @Test
    void shouldUseColoursThatAreToldApart()
    {
        final Color[] palette = Charts.PALETTE;
        for (int i = 0; i < palette.length; i++)
        {
            for (int j = i + 1; j < palette.length; j++)
            {
                final double distance = Math.sqrt(square(palette[i].getRed() - palette[j].getRed()) +
                    square(palette[i].getGreen() - palette[j].getGreen()) +
                    square(palette[i].getBlue() - palette[j].getBlue()));
                assertTrue(distance > 60, "colours " + i + " and " + j + " are " + distance + " apart");
            }
            final int brightness = palette[i].getRed() + palette[i].getGreen() + palette[i].getBlue();
            assertTrue(brightness < 600, "colour " + i + " would vanish on white");
        }
        assertEquals(List.of(palette), List.of(Charts.bandwidthVsSize(POINTS).getStyler().getSeriesColors()));
    }

    @Test
    void shouldStartTheThreadsAxisAtZero()
    {
        final XYChart chart = Charts.bandwidthVsThreads(POINTS);
        assertEquals(0.0, chart.getStyler().getXAxisMin());
        assertEquals("2", chart.getStyler().getxAxisTickLabelsFormattingFunction().apply(2.0));
        assertEquals("", chart.getStyler().getxAxisTickLabelsFormattingFunction().apply(0.5));
    }

    private static double square(final double value)
    {
        return value * value;
    }

    private static List<Point> points()
    {
        final List<Point> points = new ArrayList<>();
        for (final String path : List.of("dram", "region"))
        {
            for (final long size : new long[]{64, 64 * 1024, 4L << 20})
            {
                points.add(Point.bandwidth(path, "copy", "sequential", size, 1, 10));
            }
            points.add(Point.bandwidth(path, "copy", "sequential", 4L << 20, 2, 18));
            points.add(Point.bandwidth(path, "copy", "random", 64 * 1024, 1, 5));
        }
        points.add(new Point("latency", "dram", "chase", "random", 4L << 20, 1, Double.NaN, 90, 120));
        points.add(Point.bandwidth("aeron-udp", "get", "random", 64 * 1024, 1, 0.5));
        points.add(Point.bandwidth("aeron-udp", "get", "random", 64 * 1024, 2, 0.7));
        return points;
    }
}
