package io.kvpool.bench.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kvpool.cli.Progress;
import io.kvpool.client.KvPool;
import io.kvpool.client.KvPoolContext;
import io.kvpool.client.ManagerClient;
import io.kvpool.client.ManagerClientContext;
import io.kvpool.cli.trace.MooncakeTrace;
import io.kvpool.cli.trace.TraceFormatException;
import io.kvpool.cli.trace.TraceRequest;
import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.Durations;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.wire.StatsSnapshot;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ./kvpool bench replay}: replays a Mooncake-format trace against an embedded pool (or a running one) and
 * reports the block hit rate beside an exact LRU of the same capacity, bytes moved, throughput, get/put latency
 * and the prefill time saved.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Replays a Mooncake-format trace against a pool, beside an exact LRU of the same capacity.",
    description = {
        "Replays a Mooncake-format trace (timestamp, input_length, output_length, hash_ids of 512-token prefix " +
            "blocks) against a pool: per request a longest-prefix lookup, a get of the leading hits (every byte " +
            "checked) and a put of the rest. Reports the block hit rate beside an exact LRU of the same capacity in " +
            "blocks, bytes moved, throughput, get/put latency percentiles and the prefill time saved; writes JSON.",
        ""})
public final class ReplayCommand implements Callable<Integer>
{
    private static final String NAMESPACE = "replay";

    @Spec
    private CommandSpec spec;

    @Option(names = "--trace", paramLabel = "FILE",
        description = "Mooncake-format trace (default: the 1,000-request sample shipped with kvpool).")
    private Path trace;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "1",
        description = "Client threads, each with its own connection; request i goes to client i mod N " +
            "(default: ${DEFAULT-VALUE}).")
    private int clients;

    @Option(names = "--block-bytes", paramLabel = "SIZE", defaultValue = "64k",
        description = "Bytes of KV per 512-token block (default: ${DEFAULT-VALUE}).")
    private String blockSizeBytes;

    @Option(names = "--capacity", paramLabel = "SIZE", defaultValue = "1g",
        description = "Size in bytes (4096, 64k, 512m, 1g) of the embedded pool's region; the replay namespace may " +
            "use all of it (default: ${DEFAULT-VALUE}).")
    private String capacity;

    @Option(names = "--capacity-blocks", paramLabel = "N",
        description = "Instead of --capacity: a pool that holds at least N blocks of --block-bytes (it grows by " +
            "64 MiB slabs, so it may hold a few more; the report says how many).")
    private Long capacityBlocks;

    @Option(names = "--speed", paramLabel = "X", defaultValue = "0",
        description = "Replay at X times the trace's own pace; 0 replays as fast as possible " +
            "(default: ${DEFAULT-VALUE}).")
    private double speed;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "0",
        description = "Replay only the first N requests (default: all).")
    private int limit;

    @Option(names = "--prefill-rate", paramLabel = "TOKENS/S", defaultValue = "10000",
        description = "Prefill throughput the saving is stated at (default: ${DEFAULT-VALUE} tokens/s).")
    private double prefillRate;

    @Option(names = "--on-malformed", paramLabel = "skip|stop", defaultValue = "stop",
        description = "At a malformed trace line: stop with its line number, or skip it with a warning " +
            "(default: ${DEFAULT-VALUE}).")
    private String onMalformed;

    @Option(names = "--aeron-dir", paramLabel = "DIR",
        description = "Replay against the running manager reached through this media driver instead of an " +
            "embedded pool (--capacity is then the pool's own).")
    private Path aeronDir;

    @Option(names = "--manager-endpoint", paramLabel = "HOST:PORT",
        description = "Replay against the running manager at this UDP endpoint, as a host off its machine reaches " +
            "it (a media driver runs inside this process); the data path is chosen as --transport says.")
    private String managerEndpoint;

    @Option(names = "--response-host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
        description = "With --manager-endpoint: this host's address as the manager reaches it " +
            "(default: ${DEFAULT-VALUE}).")
    private String responseHost;

    @Option(names = "--transport", paramLabel = "auto|cxl|rdma|aeron", defaultValue = "auto", split = ",",
        description = "The data path: auto (default) picks the best this host has; cxl, rdma or aeron force one. " +
            "A list (rdma,aeron,rdma) replays the trace once per entry, in turn, in this one process: one report " +
            "each (--json and --out: a JSON array of them).")
    private List<String> transports;
    /** The entry of {@link #transports} being replayed. */
    private String transport;

    @Option(names = "--region", paramLabel = "PATH",
        description = "Where this host sees the pool's region (a shared CXL device under its own name here).")
    private Path region;

    @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "2s",
        description = "How long a request to the manager may take before it counts as lost (default: " +
            "${DEFAULT-VALUE}; raise it for a manager on a slow or emulated host).")
    private String requestTimeout;
    private Duration requestTimeoutDuration;

    @Option(names = "--verify-checksums",
        description = "Every get also checks the CRC32C of the copied bytes against the block table (a mismatch " +
            "is a miss): what a reader on another host of a non-coherent CXL pool must do (docs/spec/coherence.md).")
    private boolean verifyChecksums;

    @Option(names = "--admin-token", paramLabel = "TOKEN", defaultValue = "",
        description = "Admin token of the running manager, to create the namespace '" + NAMESPACE + "'.")
    private String adminToken;

    @Option(names = "--json", description = "Print the JSON report on standard output instead of the table.")
    private boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write the JSON report to DIR/replay.json.")
    private Path out;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter stdout = spec.commandLine().getOut();
        try
        {
            requestTimeoutDuration = Durations.parse(requestTimeout);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("--request-timeout: " + ex.getMessage(), ex);
        }
        for (final String each : transports)
        {
            if (!List.of("auto", "cxl", "rdma", "aeron").contains(each))
            {
                throw new IllegalArgumentException("--transport=" + each + " must be auto, cxl, rdma or aeron");
            }
        }
        if (managerEndpoint != null && aeronDir != null)
        {
            throw new IllegalArgumentException("--manager-endpoint and --aeron-dir name two managers: give one");
        }
        if (capacityBlocks != null && spec.commandLine().getParseResult().hasMatchedOption("--capacity"))
        {
            throw new IllegalArgumentException("--capacity and --capacity-blocks both size the pool: give one");
        }
        final long block = parseOption("--block-bytes", blockSizeBytes);
        if (block < RegionGeometry.DEFAULT_MIN_BLOCK_SIZE_BYTES || block % RegionGeometry.BLOCK_ALIGNMENT_BYTES != 0 ||
            block > RegionGeometry.DEFAULT_SLAB_SIZE_BYTES)
        {
            throw new IllegalArgumentException("--block-bytes=" + blockSizeBytes + " must be a multiple of 64 bytes " +
                "from 16k to 64m (a pool block)");
        }
        if (clients < 1 || clients > 256)
        {
            throw new IllegalArgumentException("--clients=" + clients + " must be between 1 and 256");
        }
        if (speed < 0 || !Double.isFinite(speed))
        {
            throw new IllegalArgumentException("--speed=" + speed + " must be 0 (as fast as possible) or positive");
        }
        if (!(prefillRate > 0) || !Double.isFinite(prefillRate))
        {
            throw new IllegalArgumentException("--prefill-rate=" + prefillRate + " must be positive (tokens/s)");
        }
        final long regionBytes = regionBytes(block);
        final TraceReplay.Settings settings = new TraceReplay.Settings(block, clients, speed, prefillRate, 512);
        final List<TraceRequest> requests = load();
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        final List<ReplayReport> reports = new ArrayList<>();
        if (managerEndpoint != null)
        {
            final Path drivers = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-replay-driver-");
            try
            {
                replayEach(requests, settings, new Connection(null, managerEndpoint, drivers), reports);
            }
            finally
            {
                FileTrees.delete(drivers);
            }
        }
        else if (aeronDir != null)
        {
            replayEach(requests, settings, new Connection(aeronDir, null, null), reports);
        }
        else
        {
            final Path directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-replay-");
            try (PoolManager manager = PoolManager.launch(new ManagerContext().pool(new PoolContext()
                    .regionFile(directory.resolve("region")).regionSizeBytes(regionBytes).format(true))
                .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1)))
            {
                replayEach(requests, settings, new Connection(manager.aeronDir(), null, null), reports);
            }
            finally
            {
                FileTrees.delete(directory);
            }
        }
        // One pass: its report; several: an array of them, in order.
        final String text = json().writeValueAsString(reports.size() == 1 ? reports.getFirst() : reports);
        if (out != null)
        {
            Files.createDirectories(out);
            Files.writeString(out.resolve("replay.json"), text + "\n");
        }
        if (json)
        {
            stdout.println(text);
        }
        else
        {
            reports.forEach(report -> print(stdout, report));
        }
        stdout.flush();
        return reports.stream().allMatch(report -> report.corruptBlocks() == 0) ? 0 : 1;
    }

    /**
     * @param blockSizeBytes the replay's block size.
     * @return the embedded pool's region size: {@code --capacity}, or what {@code --capacity-blocks} needs.
     * @throws IllegalArgumentException naming the option, its unit and the smallest pool, when it is too small.
     */
    private long regionBytes(final long blockSizeBytes)
    {
        final long smallest = PoolSizes.smallestRegionBytes();
        final long blocksPerSlab = RegionGeometry.DEFAULT_SLAB_SIZE_BYTES / blockSizeBytes;
        if (capacityBlocks != null)
        {
            if (capacityBlocks < 1 || capacityBlocks > PoolSizes.MAX_BLOCKS)
            {
                throw new IllegalArgumentException("--capacity-blocks=" + capacityBlocks + " must be between 1 and " +
                    PoolSizes.MAX_BLOCKS);
            }
            return PoolSizes.regionBytesForBlocks(capacityBlocks, blockSizeBytes);
        }
        final long bytes = parseOption("--capacity", capacity);
        if (bytes < smallest)
        {
            throw new IllegalArgumentException("--capacity=" + capacity + " is " + ByteSizes.format(bytes) +
                ": below the smallest pool, " + ByteSizes.format(smallest) + " (one 64 MiB slab, " + blocksPerSlab +
                " blocks of " + ByteSizes.format(blockSizeBytes) + ", and the tables). --capacity takes bytes " +
                "(e.g. 1g); for a pool of N blocks give --capacity-blocks N");
        }
        return bytes;
    }

    private static long parseOption(final String name, final String text)
    {
        try
        {
            return ByteSizes.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(name + "=" + text + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Replays the trace once per entry of {@link #transports}, in turn, adding each report to {@code reports}.
     */
    private void replayEach(
        final List<TraceRequest> requests, final TraceReplay.Settings settings, final Connection connection,
        final List<ReplayReport> reports) throws InterruptedException
    {
        for (final String each : transports)
        {
            transport = each;
            reports.add(replay(requests, settings, connection));
        }
    }

    private List<TraceRequest> load() throws IOException
    {
        final MooncakeTrace.OnMalformed policy = switch (onMalformed)
        {
            case "skip" -> MooncakeTrace.OnMalformed.SKIP;
            case "stop" -> MooncakeTrace.OnMalformed.STOP;
            default -> throw new IllegalArgumentException("--on-malformed=" + onMalformed + " must be skip or stop");
        };
        final List<TraceRequest> all;
        if (trace == null)
        {
            all = MooncakeTrace.sample();
        }
        else
        {
            if (!Files.isReadable(trace))
            {
                throw new IllegalArgumentException("--trace " + trace + " is not a readable file");
            }
            try (BufferedReader reader = Files.newBufferedReader(trace))
            {
                all = MooncakeTrace.read(reader, trace.toString(), policy,
                    warning -> System.err.println("skipped " + warning));
            }
            catch (final TraceFormatException ex)
            {
                throw ex.lineSkippable() ? new TraceFormatException(ex.getMessage() +
                    " (--on-malformed=skip goes past malformed lines)", ex.lineNumber(), true) : ex;
            }
        }
        return limit > 0 && limit < all.size() ? all.subList(0, limit) : all;
    }

    /**
     * How this process reaches the manager: through a media driver on its host ({@code aeronDir}, IPC), or over
     * UDP at {@code endpoint} with a media driver of its own per connection under {@code drivers}.
     */
    private record Connection(Path aeronDir, String endpoint, Path drivers)
    {
    }

    private KvPoolContext poolContext(final Connection connection, final int client)
    {
        final KvPoolContext context = new KvPoolContext().clientName("replay")
            .connectTimeout(connectTimeout()).transport("auto".equals(transport) ? null : transport)
            .verifyChecksums(verifyChecksums).requestTimeout(requestTimeoutDuration);
        if (region != null)
        {
            context.regionPath(region);
        }
        if (connection.endpoint() == null)
        {
            return context.aeronDir(connection.aeronDir());
        }
        return context.managerEndpoint(connection.endpoint()).responseHost(responseHost)
            .embeddedDriverDir(connection.drivers().resolve("client-" + client));
    }

    /**
     * @return how long to wait for the manager at connect: a minute, or the request timeout where that is longer
     *         (a connection is made of requests).
     */
    private Duration connectTimeout()
    {
        final Duration minute = Duration.ofSeconds(60);
        return requestTimeoutDuration.compareTo(minute) > 0 ? requestTimeoutDuration : minute;
    }

    private ReplayReport replay(
        final List<TraceRequest> requests, final TraceReplay.Settings settings, final Connection connection)
        throws InterruptedException
    {
        final ManagerClientContext admin = new ManagerClientContext().token(adminToken)
            .connectTimeout(connectTimeout()).requestTimeout(requestTimeoutDuration);
        if (connection.endpoint() == null)
        {
            admin.aeronDir(connection.aeronDir());
        }
        else
        {
            admin.managerEndpoint(connection.endpoint()).responseHost(responseHost)
                .embeddedDriverDir(connection.drivers().resolve("admin"));
        }
        final long capacityBlocks;
        try (ManagerClient client = ManagerClient.connect(admin))
        {
            final NamespaceInfo info = client.createNamespace(NAMESPACE, settings.blockSizeBytes(), 0, 0, "");
            final PoolStats pool = client.stats().pool();
            capacityBlocks = (long)Math.min(info.maxSlabs() == 0 ? pool.slabCount() : info.maxSlabs(),
                pool.slabCount()) * info.blocksPerSlab();
        }
        try (ManagerClient client = ManagerClient.connect(admin);
             ProgressBar bar = Progress.start("replay", requests.size(), " req"))
        {
            final AtomicInteger clientsOpened = new AtomicInteger();
            final ReplayReport report = new TraceReplay(requests, settings).run(
                () -> KvPool.connect(poolContext(connection, clientsOpened.incrementAndGet())),
                NAMESPACE, trace == null ? "mooncake-conversation-sample" : trace.getFileName().toString(),
                capacityBlocks, () -> evictions(client.stats()), bar::stepTo);
            bar.stepTo(requests.size());
            return report;
        }
    }

    private static long evictions(final StatsSnapshot stats)
    {
        return stats.pool().namespaces().stream().filter(ns -> NAMESPACE.equals(ns.info().name()))
            .mapToLong(PoolStats.Namespace::evictions).sum();
    }

    static ObjectMapper json()
    {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private static void print(final PrintWriter out, final ReplayReport r)
    {
        out.printf(Locale.ROOT, "replay of %s: %,d requests, %d client(s), %s blocks, capacity %,d blocks, %s%n",
            r.trace(), r.requests(), r.clients(), ByteSizes.format(r.blockSizeBytes()), r.capacityBlocks(),
            r.transport());
        out.printf(Locale.ROOT, "block hit rate   %.2f %%  (%,d of %,d blocks; leading run only)%n", 100 * r.hitRate(),
            r.blocksHit(), r.blocksRequested());
        out.printf(Locale.ROOT, "exact LRU        %.2f %%  (same trace, same capacity; difference %+.2f points)%n",
            100 * r.lruHitRate(), r.differenceFromLruPoints());
        out.printf(Locale.ROOT, "moved            %s read, %s written (%,d blocks stored, %,d evicted)%n",
            ByteSizes.format(r.bytesRead()), ByteSizes.format(r.bytesWritten()), r.blocksStored(), r.evictions());
        if (!r.putFailures().isEmpty())
        {
            out.printf(Locale.ROOT, "not stored       %s%n", r.putFailures());
        }
        out.printf(Locale.ROOT, "throughput       %.0f requests/s, %.2f GB/s over %.1f s%n", r.requestsPerSecond(),
            r.gigabytesPerSecond(), r.seconds());
        out.printf(Locale.ROOT, "get latency us   p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %.0f  (%,d gets)%n",
            r.get().p50(), r.get().p90(), r.get().p99(), r.get().p999(), r.get().max(), r.get().count());
        out.printf(Locale.ROOT, "put latency us   p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %.0f  (%,d puts)%n",
            r.put().p50(), r.put().p90(), r.put().p99(), r.put().p999(), r.put().max(), r.put().count());
        out.printf(Locale.ROOT, "prefill saved    %.1f s at %.0f tokens/s%n", r.prefillSecondsSaved(),
            r.prefillRateTokensPerSecond());
        out.printf(Locale.ROOT, "corrupt blocks   %d%n", r.corruptBlocks());
    }
}
