package io.kvpool.bench.characterize;

import io.kvpool.cli.Progress;
import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.SuperblockDescriptor;
import io.kvpool.transport.cxl.Region;
import io.kvpool.transport.cxl.RegionSource;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * {@code ./kvpool bench characterize}: measures every data path present on the machine (local DRAM, the pool
 * region by load/store, the network transport, the GPU from the registered region) and writes CSV, JSON, charts
 * and a markdown summary.
 */
@Command(
    name = "characterize",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Measures the bandwidth and latency of every data path present here.",
    description = {
        "Measures every data path present here: local DRAM and the pool region by load/store (read, write, copy; " +
            "sequential and random; 64 B to 4 MiB; 1 to N threads; pointer-chase latency idle and under load), the " +
            "network transport (Aeron UDP on loopback) and the GPU from the registered region when there is one. " +
            "Writes points.csv, points.json, three PNG charts and summary.md.",
        ""})
public final class CharacterizeCommand implements Callable<Integer>
{
    /** Access sizes of the bandwidth sweeps: 64 B to 4 MiB by factors of 4. */
    static final long[] SIZES = powersOfFour(64, 4L << 20);

    @Spec
    private CommandSpec spec;

    @Option(names = "--quick", description = "Shorter points, threads 1 and N only, fewer network sizes: " +
        "under 2 minutes.")
    private boolean quick;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/characterize",
        description = "Where the results go (default: ${DEFAULT-VALUE}).")
    private Path out;

    @Option(names = "--region", paramLabel = "DEVICE",
        description = "Measure this devdax device (/dev/daxX.Y) as the pool region. Its contents are overwritten.")
    private Path device;

    @Option(names = "--region-file", paramLabel = "FILE",
        description = "Measure this file (on tmpfs or hugetlbfs) as the pool region, created if missing; its " +
            "contents are overwritten. Default: a scratch file in /dev/shm, deleted after.")
    private Path regionFile;

    @Option(names = "--size", paramLabel = "SIZE",
        description = "Working set of the memory paths (default: 512m, 256m with --quick).")
    private String size;

    @Option(names = "--threads", paramLabel = "N", description = "Most threads (default: the cores).")
    private Integer maxThreads;

    @Option(names = "--point-ms", paramLabel = "MS",
        description = "Milliseconds per bandwidth point (default: 250, 50 with --quick); latency and network " +
            "points take a small multiple of it.")
    private int pointMillis;

    @Option(names = "--overwrite", description = "Measure a region even though it holds a kvpool pool.")
    private boolean overwrite;

    @Option(names = "--no-network", description = "Skip the network transport.")
    private boolean noNetwork;

    @Option(names = "--no-gpu", description = "Skip the GPU even where there is one.")
    private boolean noGpu;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter stdout = spec.commandLine().getOut();
        final long workingSet = ByteSizes.parse(size != null ? size : quick ? "256m" : "512m");
        if (workingSet < (16L << 20))
        {
            throw new IllegalArgumentException("--size=" + size + " must be at least 16m");
        }
        if (maxThreads != null && maxThreads < 1)
        {
            throw new IllegalArgumentException("--threads=" + maxThreads + " must be at least 1");
        }
        final int cores = Runtime.getRuntime().availableProcessors();
        final int threads = maxThreads != null ? maxThreads : cores;
        final int[] threadCounts = quick ? IntStream.of(1, threads).distinct().toArray() :
            IntStream.rangeClosed(1, threads).toArray();
        if (pointMillis < 0)
        {
            throw new IllegalArgumentException("--point-ms=" + pointMillis + " must be positive");
        }
        final long nanos = TimeUnit.MILLISECONDS.toNanos(pointMillis > 0 ? pointMillis : quick ? 50 : 250);
        final long[] networkSizes = quick ? new long[]{64 << 10, 1 << 20} :
            new long[]{16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20};
        final long[] gpuSizes = quick ? new long[]{64 << 10, 1 << 20, 4 << 20} :
            new long[]{64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20};
        final long[] chaseSets = powersOfFour(16 << 10, workingSet);
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);

        final Map<String, String> skipped = new LinkedHashMap<>();
        final String gpuMissing = noGpu ? "--no-gpu" : GpuProbe.unavailable();
        if (gpuMissing != null)
        {
            skipped.put("gpu-h2d, gpu-d2h", gpuMissing);
        }
        if (noNetwork)
        {
            skipped.put("aeron-udp", "--no-network");
        }
        skipped.put("rdma", "measured by the rig (./kvpool rig rdma), not here");
        final int memorySteps = 2 * (SIZES.length * 3 * 2 * threadCounts.length + chaseSets.length + 1);
        final int steps = memorySteps + (noNetwork ? 0 : networkSizes.length * threadCounts.length) +
            (gpuMissing == null ? 2 * gpuSizes.length : 0);

        final List<Point> points = new ArrayList<>();
        final Path scratch = regionFile == null && device == null ?
            Files.createTempFile(Path.of("/dev/shm"), "kvpool-characterize-", ".region") : null;
        final RegionSource source = device != null ? RegionSource.devDax(device) :
            RegionSource.file(scratch != null ? scratch : regionFile, workingSet);
        try (Region region = Region.map(source);
             Arena arena = Arena.ofShared();
             ProgressBar bar = Progress.builder("characterize", steps).build())
        {
            refuseToOverwritePool(region);
            region.prefault();
            final long measured = Math.min(workingSet, region.lengthBytes());
            final Machine machine = Machine.describe(region.description(), Path.of(region.path()));
            final MemorySegment dram = arena.allocate(measured, 4096);
            dram.fill((byte)1);
            for (final MemoryProbe probe : List.of(new MemoryProbe("dram", dram),
                new MemoryProbe("region", region.segment().asSlice(0, measured))))
            {
                sweep(probe, threadCounts, nanos, points, bar);
                for (final long set : chaseSets)
                {
                    points.add(probe.chase(set, nanos * 2));
                    bar.step();
                }
                points.add(probe.loadedChase(Math.min(64L << 20, measured / 4), Math.max(1, threads - 1), nanos * 4));
                bar.step();
            }
            if (!noNetwork)
            {
                for (final long block : networkSizes)
                {
                    points.addAll(NetworkProbe.measure(block, threadCounts, nanos * 4, bar::step));
                }
            }
            if (gpuMissing == null)
            {
                points.addAll(GpuProbe.measure(region.segment(), gpuSizes, bar::step));
            }
            bar.stepTo(steps);
            Reports.write(out, machine, points, skipped, quick);
        }
        finally
        {
            if (scratch != null)
            {
                Files.deleteIfExists(scratch);
            }
        }
        stdout.println(Files.readString(out.resolve("summary.md")));
        stdout.println("results: " + out.toAbsolutePath());
        stdout.flush();
        return 0;
    }

    private static void sweep(
        final MemoryProbe probe, final int[] threadCounts, final long nanos, final List<Point> points,
        final ProgressBar bar) throws InterruptedException
    {
        for (final String op : List.of("read", "write", "copy"))
        {
            for (final boolean random : new boolean[]{false, true})
            {
                for (final long size : SIZES)
                {
                    for (final int threads : threadCounts)
                    {
                        points.add(probe.bandwidth(op, random, size, threads, nanos));
                        bar.step();
                    }
                }
            }
        }
    }

    private void refuseToOverwritePool(final Region region)
    {
        if (!overwrite && region.lengthBytes() >= Long.BYTES &&
            region.segment().get(ValueLayout.JAVA_LONG, SuperblockDescriptor.MAGIC_OFFSET) ==
            SuperblockDescriptor.MAGIC)
        {
            throw new IllegalArgumentException(region.path() + " holds a kvpool pool, which measuring would " +
                "destroy; give --overwrite to measure it anyway");
        }
    }

    /**
     * @return from, 4 * from, 16 * from, ... up to and including {@code to}.
     */
    static long[] powersOfFour(final long from, final long to)
    {
        final List<Long> values = new ArrayList<>();
        for (long value = from; value <= to; value *= 4)
        {
            values.add(value);
        }
        return values.stream().mapToLong(Long::longValue).toArray();
    }
}
