package io.kvpool.bench.characterize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvpool.protocol.SuperblockDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CharacterizeTest
{
    @TempDir
    Path directory;

    @Test
    void shouldSweepSizesFrom64BytesTo4MiBByFours()
    {
        assertArrayEquals(new long[]{64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304},
            CharacterizeCommand.SIZES);
        assertArrayEquals(new long[]{16 << 10, 64 << 10}, CharacterizeCommand.powersOfFour(16 << 10, 100 << 10));
    }

    @Test
    void shouldMeasureWritesThatLandAndLatencyThatGrowsWithTheWorkingSet() throws InterruptedException
    {
        try (Arena arena = Arena.ofShared())
        {
            final MemorySegment memory = arena.allocate(64L << 20, 4096);
            final MemoryProbe probe = new MemoryProbe("dram", memory);
            final Point write = probe.bandwidth("write", true, 4096, 2, 20_000_000);
            assertEquals("bandwidth", write.kind());
            assertEquals("random", write.pattern());
            assertEquals(2, write.threads());
            assertTrue(write.gbPerSecond() > 0.01, write.toString());
            final long written = memory.mismatch(arena.allocate(memory.byteSize()));
            assertTrue(written >= 0 && memory.get(ValueLayout.JAVA_BYTE, written) == 0x5A,
                "the writes reached the memory");
            final Point copy = probe.bandwidth("copy", false, 1 << 20, 1, 20_000_000);
            assertTrue(copy.gbPerSecond() > 0.01 && Double.isNaN(copy.latencyNsP50()), copy.toString());
            final Point small = probe.chase(16 << 10, 20_000_000);
            final Point large = probe.chase(64L << 20, 50_000_000);
            assertEquals("latency", small.kind());
            assertTrue(small.latencyNsP50() > 0 && small.latencyNsP99() >= small.latencyNsP50(), small.toString());
            assertTrue(large.latencyNsP50() > small.latencyNsP50(),
                "a 64 MiB working set (out of cache) is slower to chase than 16 KiB: " + small + " " + large);
        }
    }

    @Test
    void shouldWriteEveryReportFile() throws IOException
    {
        final List<Point> points = List.of(
            Point.bandwidth("dram", "copy", "sequential", 4096, 1, 10.5),
            Point.bandwidth("dram", "copy", "sequential", 4096, 2, 19.0),
            Point.bandwidth("region", "read", "random", 65536, 1, 7.25),
            new Point("latency", "region", "chase", "random", 1 << 20, 1, Double.NaN, 5.5, 9.0),
            new Point("loaded-latency", "region", "chase", "random", 1 << 20, 2, Double.NaN, 7.5, 12.0),
            new Point("bandwidth", "aeron-udp", "get", "random", 1 << 20, 1, 0.8, 1_200_000, 2_300_000));
        final Machine machine = new Machine("Test CPU", 2, 24L << 30, "6.1", "25", "TMPFS_FILE /dev/shm/r",
            "tmpfs on /dev/shm type tmpfs (rw)");
        Reports.write(directory, machine, points, Map.of("gpu-h2d, gpu-d2h", "no NVIDIA GPU"), true);
        for (final String file : Reports.FILES)
        {
            assertTrue(Files.size(directory.resolve(file)) > 0, file);
        }
        final List<String> csv = Files.readAllLines(directory.resolve("points.csv"));
        assertEquals(Point.CSV_HEADER, csv.getFirst());
        assertEquals(points.size() + 1, csv.size());
        assertEquals("bandwidth,region,read,random,65536,1,7.250,,", csv.get(3));
        assertEquals("latency,region,chase,random,1048576,1,,5.500,9.000", csv.get(4));
        final JsonNode json = new ObjectMapper().readTree(directory.resolve("points.json").toFile());
        assertEquals("Test CPU", json.get("machine").get("cpu").asText());
        assertEquals(points.size(), json.get("points").size());
        assertTrue(json.get("points").get(3).get("gbPerSecond").isNull());
        assertEquals(5.5, json.get("points").get(3).get("latencyNsP50").asDouble());
        assertEquals("no NVIDIA GPU", json.get("skipped").get("gpu-h2d, gpu-d2h").asText());
        for (final String chart : List.of("bandwidth-vs-size.png", "latency-vs-size.png", "bandwidth-vs-threads.png"))
        {
            final BufferedImage image = ImageIO.read(directory.resolve(chart).toFile());
            assertNotNull(image, chart + " is a PNG");
            assertEquals(1000, image.getWidth(), "wide enough for the legend's pattern names");
            assertTrue(colours(image) > 20, chart + " has more than a background");
        }
        final String summary = Files.readString(directory.resolve("summary.md"));
        assertTrue(summary.contains("| CPU | Test CPU |"), summary);
        assertTrue(summary.contains("| dram | copy | sequential | 19.00 | 4 KiB | 2 |"), summary);
        assertTrue(summary.contains("| region | 1 MiB | 5.5 | 9.0 | 7.5 | 12.0 | 1 copying |"), summary);
        assertTrue(summary.contains("| 1 MiB | 1 | 0.80 | 1200.0 | 2300.0 |"), summary);
        assertTrue(summary.contains("- gpu-h2d, gpu-d2h: no NVIDIA GPU"), summary);
    }

    @Test
    void shouldRunQuicklyOverTheMemoryPathsAndWriteTheResults() throws IOException
    {
        final StringWriter text = new StringWriter();
        final CommandLine command = new CommandLine(new CharacterizeCommand());
        command.setOut(new PrintWriter(text));
        final Path out = directory.resolve("out");
        final int exit = command.execute("--quick", "--no-network", "--size", "16m", "--point-ms", "2", "--out",
            out.toString(), "--region-file", directory.resolve("region").toString());
        assertEquals(0, exit, text.toString());
        final List<String> rows = Files.readAllLines(out.resolve("points.csv"));
        final int threads = Runtime.getRuntime().availableProcessors() > 1 ? 2 : 1;
        // Per memory path: 3 ops x 2 patterns x 9 sizes x thread counts, 6 chase working sets (16 KiB to 16 MiB),
        // 1 loaded chase.
        assertEquals(1 + 2 * (3 * 2 * 9 * threads + 6 + 1), rows.size());
        assertTrue(rows.stream().anyMatch(row -> row.startsWith("bandwidth,region,copy,sequential,4194304,1,")));
        assertTrue(rows.stream().anyMatch(row -> row.startsWith("latency,dram,chase,random,16777216,1,")));
        assertTrue(text.toString().contains("aeron-udp: --no-network"), text.toString());
    }

    @Test
    void shouldRefuseToOverwriteAPool() throws IOException
    {
        final Path region = directory.resolve("pool");
        final ByteBuffer header = ByteBuffer.allocate(16 << 20).order(ByteOrder.nativeOrder());
        header.putLong(SuperblockDescriptor.MAGIC_OFFSET, SuperblockDescriptor.MAGIC);
        Files.write(region, header.array());
        final StringWriter errors = new StringWriter();
        final CommandLine command = new CommandLine(new CharacterizeCommand());
        command.setErr(new PrintWriter(errors));
        assertEquals(1, command.execute("--quick", "--no-network", "--size", "16m", "--region-file",
            region.toString(), "--out", directory.resolve("out").toString()));
        assertTrue(errors.toString().contains("holds a kvpool pool"), errors.toString());
        final MemorySegment kept = MemorySegment.ofArray(Files.readAllBytes(region));
        assertEquals(SuperblockDescriptor.MAGIC, kept.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(
            ByteOrder.nativeOrder()), 0), "the pool is untouched");
    }

    @Test
    void shouldRefuseFewerThanOneThreadBeforeMeasuring()
    {
        final StringWriter errors = new StringWriter();
        final CommandLine command = new CommandLine(new CharacterizeCommand());
        command.setErr(new PrintWriter(errors));
        final Path out = directory.resolve("out");
        assertEquals(1, command.execute("--quick", "--no-network", "--threads", "0", "--out", out.toString()));
        assertTrue(errors.toString().contains("--threads=0 must be at least 1"), errors.toString());
        assertFalse(Files.exists(out), "nothing measured or written");
    }

    private static int colours(final BufferedImage image)
    {
        final Set<Integer> seen = new HashSet<>();
        for (int x = 0; x < image.getWidth(); x += 3)
        {
            for (int y = 0; y < image.getHeight(); y += 3)
            {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
