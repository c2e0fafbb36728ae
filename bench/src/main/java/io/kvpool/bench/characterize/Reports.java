package io.kvpool.bench.characterize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kvpool.protocol.ByteSizes;

import java.awt.AWTError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a characterization's results: every point as CSV and JSON, three PNG charts (bandwidth against access
 * size per path, latency against working set per path, bandwidth against threads per path) and a markdown summary
 * with the machine's description. Stateless.
 */
public final class Reports
{
    /** The files {@link #write} produces, in its output directory (the charts where AWT can draw text). */
    public static final List<String> FILES = List.of("points.csv", "points.json", "bandwidth-vs-size.png",
        "latency-vs-size.png", "bandwidth-vs-threads.png", "summary.md");

    private Reports()
    {
    }

    /**
     * @param skipped paths not measured here, with why.
     */
    public static void write(
        final Path directory, final Machine machine, final List<Point> points, final Map<String, String> skipped,
        final boolean quick) throws IOException
    {
        Files.createDirectories(directory);
        final StringBuilder csv = new StringBuilder(Point.CSV_HEADER).append('\n');
        points.forEach(point -> csv.append(point.csv()).append('\n'));
        Files.writeString(directory.resolve("points.csv"), csv);
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("machine", machine);
        json.put("quick", quick);
        json.put("skipped", skipped);
        json.put("points", points.stream().map(Reports::asMap).toList());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(
            directory.resolve("points.json").toFile(), json);
        final Map<String, String> notMeasured = new LinkedHashMap<>(skipped);
        try
        {
            Charts.save(Charts.bandwidthVsSize(points), directory.resolve("bandwidth-vs-size.png"));
            Charts.save(Charts.latencyVsSize(points), directory.resolve("latency-vs-size.png"));
            Charts.save(Charts.bandwidthVsThreads(points), directory.resolve("bandwidth-vs-threads.png"));
        }
        catch (final RuntimeException | AWTError ex)
        {
            // AWT draws the charts' text: a machine without fontconfig or fonts cannot. The numbers stand alone.
            notMeasured.put("charts", "not drawn: " + ex + " (install fontconfig and a font, e.g. " +
                "fonts-dejavu-core)");
        }
        Files.writeString(directory.resolve("summary.md"), summary(machine, points, notMeasured, quick));
    }

    private static Map<String, Object> asMap(final Point point)
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        map.put("kind", point.kind());
        map.put("path", point.path());
        map.put("op", point.op());
        map.put("pattern", point.pattern());
        map.put("sizeBytes", point.sizeBytes());
        map.put("threads", point.threads());
        map.put("gbPerSecond", Double.isNaN(point.gbPerSecond()) ? null : point.gbPerSecond());
        map.put("latencyNsP50", Double.isNaN(point.latencyNsP50()) ? null : point.latencyNsP50());
        map.put("latencyNsP99", Double.isNaN(point.latencyNsP99()) ? null : point.latencyNsP99());
        return map;
    }

    static String summary(
        final Machine machine, final List<Point> points, final Map<String, String> skipped, final boolean quick)
    {
        final StringBuilder md = new StringBuilder();
        md.append("# kvpool characterization").append(quick ? " (quick)" : "").append("\n\n");
        md.append("| machine | |\n|---|---|\n");
        md.append("| CPU | ").append(machine.cpu()).append(" |\n");
        md.append("| cores | ").append(machine.cores()).append(" |\n");
        md.append(String.format(Locale.ROOT, "| memory | %.1f GiB |%n", machine.memoryBytes() / (double)(1L << 30)));
        md.append("| kernel | ").append(machine.kernel()).append(" |\n");
        md.append("| Java | ").append(machine.java()).append(" |\n");
        md.append("| region | ").append(machine.region()).append(" |\n");
        md.append("| region mount | ").append(machine.regionMount()).append(" |\n\n");
        md.append("## Peak bandwidth\n\n| path | op | pattern | GB/s | at size | threads |\n")
            .append("|---|---|---|---:|---:|---:|\n");
        final Map<String, Point> best = new TreeMap<>();
        for (final Point point : points)
        {
            if (point.kind().equals("bandwidth"))
            {
                best.merge(point.path() + "|" + point.op() + "|" + point.pattern(), point,
                    (a, b) -> a.gbPerSecond() >= b.gbPerSecond() ? a : b);
            }
        }
        best.values().forEach(p -> md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %s | %d |%n",
            p.path(), p.op(), p.pattern(), p.gbPerSecond(), sizeText(p.sizeBytes()), p.threads())));
        md.append("\n## Load latency (pointer chase over a working set)\n\n")
            .append("| path | working set | idle p50 ns | idle p99 ns | loaded p50 ns | loaded p99 ns | loaded by |\n")
            .append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (final Point loaded : points.stream().filter(p -> p.kind().equals("loaded-latency")).toList())
        {
            final Point idle = points.stream().filter(p -> p.kind().equals("latency") &&
                p.path().equals(loaded.path()) && p.sizeBytes() == loaded.sizeBytes()).findFirst().orElse(null);
            md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | %.1f | %d copying |%n",
                loaded.path(), sizeText(loaded.sizeBytes()), idle == null ? Double.NaN : idle.latencyNsP50(),
                idle == null ? Double.NaN : idle.latencyNsP99(), loaded.latencyNsP50(), loaded.latencyNsP99(),
                loaded.threads() - 1));
        }
        final List<Point> network = points.stream().filter(p -> p.path().equals("aeron-udp")).toList();
        if (!network.isEmpty())
        {
            md.append("\n## Network transport (Aeron UDP, loopback)\n\n| block | threads | GB/s | get p50 us | " +
                "get p99 us |\n|---:|---:|---:|---:|---:|\n");
            network.forEach(p -> md.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.1f | %.1f |%n",
                sizeText(p.sizeBytes()), p.threads(), p.gbPerSecond(), p.latencyNsP50() / 1e3,
                p.latencyNsP99() / 1e3)));
        }
        if (!skipped.isEmpty())
        {
            md.append("\n## Not measured here\n\n");
            skipped.forEach((path, why) -> md.append("- ").append(path).append(": ").append(why).append('\n'));
        }
        md.append("\nCopy bandwidth counts the bytes copied (each is read once and written once). Reads are 8-byte " +
            "Java loads, writes MemorySegment.fill, copies MemorySegment.copy into a thread's own buffer.\n");
        md.append("\nEvery point: points.csv, points.json. Charts: bandwidth-vs-size.png, latency-vs-size.png, " +
            "bandwidth-vs-threads.png.\n");
        return md.toString();
    }

    static String sizeText(final long bytes)
    {
        return ByteSizes.format(bytes);
    }
}
