package io.kvpool.cli;

import io.kvpool.client.ManagerClient;
import io.kvpool.client.ManagerClientContext;
import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.FileTrees;
import me.tongfei.progressbar.ProgressBar;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;

/**
 * {@code kvpool demo}: the main job, end to end. Starts a pool manager on a 1 GiB emulated CXL region in /dev/shm,
 * then several engine processes that replay a Mooncake trace against it (probe, get the leading hits by
 * load/store with every byte checked, put the rest), and reports hit rate, bytes served, bandwidth, get latency and
 * the prefill time the hits saved.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Runs a pool manager and engine processes on a Mooncake trace; reports hits, GB/s, prefill saved.",
    description = {
        "Starts a pool manager on an emulated CXL region (a 1 GiB file in /dev/shm), then several engine " +
            "processes that replay a Mooncake trace against it, and reports block hit rate, blocks and bytes served, " +
            "GB/s, p50/p99 get latency and the prefill time saved. The last line is a one-line summary."})
final class DemoCommand implements Callable<Integer>
{
    private static final String NAMESPACE = "mooncake-demo";
    private static final int TOKENS_PER_BLOCK = 512;
    /** How long {@code --quick} takes on a 2-core machine; the README says the same (KvPoolCliTest checks). */
    static final String QUICK_TAKES = "about 10 s on 2 cores";

    @Spec
    private CommandSpec spec;

    @Option(names = "--quick", description = "Replay the first 400 requests with 2 engines (" + QUICK_TAKES + ").")
    private boolean quick;

    @Option(names = "--trace", paramLabel = "FILE",
        description = "Mooncake-format trace (default: the 1,000-request sample shipped with kvpool).")
    private Path trace;

    @Option(names = "--requests", paramLabel = "N", description = "Replay only the first N requests.")
    private int requests;

    @Option(names = "--engines", paramLabel = "N", defaultValue = "3",
        description = "Engine processes (default: ${DEFAULT-VALUE}).")
    private int engines;

    @Option(names = "--block-size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "64k",
        description = "Bytes of KV per 512-token block (default: ${DEFAULT-VALUE}).")
    private long blockSizeBytes;

    @Option(names = "--size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "1g",
        description = "Region size (default: ${DEFAULT-VALUE}).")
    private long regionBytes;

    @Option(names = "--transport", paramLabel = "PATH", defaultValue = "auto",
        description = "Data path of the engines: auto (map the region, else RDMA, else Aeron), cxl, rdma or aeron " +
            "(default: ${DEFAULT-VALUE}).")
    private String transport;

    @Option(names = "--prefill-rate", paramLabel = "TOKENS/S", defaultValue = "10000",
        description = "Prefill throughput the saving is stated at (default: ${DEFAULT-VALUE} tokens/s).")
    private double prefillRate;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (quick)
        {
            requests = requests == 0 ? 400 : requests;
            engines = Math.min(engines, 2);
        }
        if (!List.of("auto", "cxl", "rdma", "aeron").contains(transport))
        {
            throw new IllegalArgumentException("--transport=" + transport + " must be auto, cxl, rdma or aeron");
        }
        if (engines < 1 || engines > 16)
        {
            throw new IllegalArgumentException("--engines=" + engines + " must be between 1 and 16");
        }
        if (requests < 0)
        {
            throw new IllegalArgumentException("--requests=" + requests + " must be 0 (all) or more");
        }
        if (!(prefillRate > 0) || !Double.isFinite(prefillRate))
        {
            throw new IllegalArgumentException("--prefill-rate=" + prefillRate + " must be positive (tokens/s)");
        }
        if (trace != null && !Files.isReadable(trace))
        {
            throw new IllegalArgumentException("--trace " + trace + " is not a readable file");
        }
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        final Path directory = Files.createTempDirectory(shm(), "kvpool-demo-");
        final long start = System.nanoTime();
        try (PoolManager manager = PoolManager.launch(new ManagerContext().pool(new PoolContext()
                .regionFile(directory.resolve("region")).regionSizeBytes(regionBytes).format(true))
            .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1)))
        {
            try (ManagerClient admin = ManagerClient.connect(new ManagerClientContext()
                .aeronDir(manager.aeronDir()).connectTimeout(Duration.ofSeconds(20))))
            {
                admin.createNamespace(NAMESPACE, blockSizeBytes, 0, 0, "");
            }
            final String traceArg = trace == null ? "-sample" : trace.toString();
            final int total = DemoEngine.load(traceArg, requests).size();
            out.printf("kvpool demo: %d requests of %s, %d engine processes, %s blocks, on %s%n", total,
                trace == null ? "the Mooncake conversation trace (sample)" : trace.getFileName(), engines,
                ByteSizes.format(blockSizeBytes), manager.description());
            out.flush();
            final Totals totals = replay(manager.aeronDir(), traceArg, total);
            report(out, totals, total, (System.nanoTime() - start) / 1e9);
            return totals.corrupt == 0 ? 0 : 1;
        }
        finally
        {
            FileTrees.delete(directory);
        }
    }

    private Totals replay(final Path aeronDir, final String traceArg, final int total)
        throws IOException, InterruptedException
    {
        final List<Process> processes = new ArrayList<>();
        final List<Thread> readers = new ArrayList<>();
        final Totals totals = new Totals();
        final long[] progress = new long[engines];
        try (ProgressBar bar = Progress.start("replay", total, " req"))
        {
            for (int engine = 0; engine < engines; engine++)
            {
                final Process process = new ProcessBuilder(engineCommand(aeronDir, traceArg, engine))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                processes.add(process);
                final int id = engine;
                final Thread reader = new Thread(() -> follow(process, id, progress, bar, totals), "engine-" + id);
                reader.start();
                readers.add(reader);
            }
            for (int i = 0; i < processes.size(); i++)
            {
                if (!processes.get(i).waitFor(30, TimeUnit.MINUTES) || processes.get(i).exitValue() != 0)
                {
                    processes.forEach(Process::destroyForcibly);
                    throw new IllegalStateException("engine " + i + " failed (exit " +
                        processes.get(i).exitValue() + ")");
                }
                readers.get(i).join();
            }
            bar.stepTo(total);
        }
        if (totals.engines != engines)
        {
            throw new IllegalStateException("only " + totals.engines + " of " + engines + " engines reported");
        }
        return totals;
    }

    private void follow(
        final Process process, final int engine, final long[] progress, final ProgressBar bar, final Totals totals)
    {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = lines.readLine()) != null)
            {
                if (line.startsWith("P "))
                {
                    synchronized (progress)
                    {
                        progress[engine] = Long.parseLong(line.substring(2));
                        bar.stepTo(Arrays.stream(progress).sum());
                    }
                }
                else if (line.startsWith("T ") && engine == 0)
                {
                    totals.transport = line.substring(2);
                }
                else if (line.startsWith("RESULT "))
                {
                    totals.add(line.substring(7).split(" "));
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private List<String> engineCommand(final Path aeronDir, final String traceArg, final int engine)
    {
        final String home = System.getProperty("kvpool.home", ".");
        final String options = System.getProperty("kvpool.jvm.options", home + "/jvm.options");
        return List.of(ProcessHandle.current().info().command().orElse("java"), "@" + options,
            "-cp", System.getProperty("java.class.path"), DemoEngine.class.getName(), aeronDir.toString(), NAMESPACE,
            Long.toString(blockSizeBytes), traceArg, Integer.toString(engine), Integer.toString(engines),
            Integer.toString(requests), transport);
    }

    private void report(final PrintWriter out, final Totals t, final int total, final double seconds)
    {
        final double hitRate = t.blocksRequested == 0 ? 0 : 100.0 * t.blocksHit / t.blocksRequested;
        final double gbPerSecond = t.getNanos == 0 ? 0 : t.bytesServed / (double)t.getNanos;
        final double savedSeconds = t.blocksHit * (double)TOKENS_PER_BLOCK / prefillRate;
        out.printf(Locale.ROOT, "data path         %s%n", t.transport);
        out.printf(Locale.ROOT, "requests          %,d (%,d by %d engines in %.1f s)%n", total, t.requests, engines,
            seconds);
        out.printf(Locale.ROOT, "blocks requested  %,d%n", t.blocksRequested);
        out.printf(Locale.ROOT, "block hit rate    %.1f %% (leading-run hits; blocks after a request's first miss " +
            "count as misses)%n", hitRate);
        out.printf(Locale.ROOT, "blocks served     %,d (%s), every byte checked: %d corrupt; %,d blocks stored%n",
            t.blocksHit, ByteSizes.format(t.bytesServed), t.corrupt, t.stored);
        out.printf(Locale.ROOT, "get bandwidth     %.2f GB/s (bytes served / time spent in get)%n", gbPerSecond);
        out.printf(Locale.ROOT, "get latency       p50 %d us, p99 %d us, max %d us per request (%,d gets)%n",
            t.latency.getValueAtPercentile(50), t.latency.getValueAtPercentile(99), t.latency.getMaxValue(),
            t.latency.getTotalCount());
        out.printf(Locale.ROOT, "prefill saved     %.1f s at %.0f tokens/s (%,d hit blocks x %d tokens)%n",
            savedSeconds, prefillRate, t.blocksHit, TOKENS_PER_BLOCK);
        out.printf(Locale.ROOT, "summary: %,d requests, %.1f%% block hit rate, %s served at %.2f GB/s, p99 get %d us, " +
                "%.1f s of prefill saved, %d corrupt%n", total, hitRate, ByteSizes.format(t.bytesServed),
            gbPerSecond, t.latency.getValueAtPercentile(99), savedSeconds, t.corrupt);
        out.flush();
    }

    private static Path shm()
    {
        final Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** What the engines reported, summed. Thread-safe. */
    private static final class Totals
    {
        final Histogram latency = new Histogram(3_600_000_000L, 3);
        volatile String transport = "?";
        long engines;
        long requests;
        long blocksRequested;
        long blocksHit;
        long bytesServed;
        long getNanos;
        long corrupt;
        long stored;

        synchronized void add(final String[] fields)
        {
            engines++;
            requests += Long.parseLong(fields[0]);
            blocksRequested += Long.parseLong(fields[1]);
            blocksHit += Long.parseLong(fields[2]);
            bytesServed += Long.parseLong(fields[3]);
            getNanos += Long.parseLong(fields[4]);
            corrupt += Long.parseLong(fields[5]);
            stored += Long.parseLong(fields[6]);
            try
            {
                latency.add(Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(fields[7])), 0));
            }
            catch (final DataFormatException ex)
            {
                throw new IllegalStateException("engine sent a corrupt histogram", ex);
            }
        }
    }
}
