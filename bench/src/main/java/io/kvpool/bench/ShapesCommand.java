package io.kvpool.bench;

import io.kvpool.client.BatchResult;
import io.kvpool.client.BlockKeys;
import io.kvpool.client.KvNamespace;
import io.kvpool.client.KvPool;
import io.kvpool.client.KvPoolContext;
import io.kvpool.client.ManagerClient;
import io.kvpool.client.ManagerClientContext;
import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.transport.DataLanes;
import io.kvpool.protocol.transport.TcpPuts;
import io.kvpool.protocol.wire.HelloOkEncoder;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./kvpool bench shapes}: the client's data paths in every shape an engine uses them, beside a plain copy of
 * the same bytes, in one run: mapped (load/store on the region, control over IPC) and network (Aeron UDP on
 * loopback); first gets (the handle remembers no locations: a mapped get finds its block in the region's key
 * directory, a network get asks the manager) and repeat gets (the locations remembered, checked against the shared
 * block table); puts of new keys; batches of 1 and 32 keys; 1 and 4 threads sharing one handle. Every get is
 * checked (each block's first and last 8 bytes per get, every byte of the last batch at the end).
 */
@Command(
    name = "shapes",
    mixinStandardHelpOptions = true,
    header = "Gets (first, repeat) and puts, mapped and over the network, beside a plain copy.",
    description = "Get (first, repeat) and put throughput of the mapped and network paths, by block size, batch " +
        "and threads sharing one handle, beside a plain copy of the same bytes, with a manager in this process " +
        "(region in /dev/shm, UDP on 127.0.0.1). First gets come from a handle that remembers no locations " +
        "(mapped: found in the region's key directory; network: asked of the manager); repeat gets from one " +
        "that does.")
final class ShapesCommand implements Callable<Integer>
{
    private static final long SLAB_BYTES = 64L << 20;
    /** Per thread, the least memory copy-cold writes in turn: more than a last-level cache holds. */
    private static final long COLD_RING_BYTES = 256L << 20;

    @Spec
    private CommandSpec spec;

    @Option(names = "--paths", split = ",", defaultValue = "mapped,network", paramLabel = "PATH",
        description = "mapped, network or both (default: ${DEFAULT-VALUE}).")
    private List<String> paths;

    @Option(names = "--sizes", split = ",", defaultValue = "64k,2m", paramLabel = "SIZE",
        description = "Block sizes, 4k to 64m (default: ${DEFAULT-VALUE}).")
    private List<String> sizes;

    @Option(names = "--batches", split = ",", defaultValue = "1,32", paramLabel = "N",
        description = "Keys per request (default: ${DEFAULT-VALUE}).")
    private List<Integer> batches;

    @Option(names = "--threads", split = ",", defaultValue = "1,4", paramLabel = "N",
        description = "Threads sharing one handle (default: ${DEFAULT-VALUE}).")
    private List<Integer> threads;

    @Option(names = "--ops", split = ",", defaultValue = "copy,copy-cold,get-first,get-repeat,put", paramLabel = "OP",
        description = "copy (the baseline: the values into the same destinations each time), copy-cold (into " +
            "memory not in cache, as a put writes new blocks), get-first, get-repeat, put " +
            "(default: ${DEFAULT-VALUE}).")
    private List<String> ops;

    @Option(names = "--checksum-threads", split = ",", paramLabel = "N",
        description = "Put rows once per count of the client's checksum threads (KvPoolContext.checksumThreads; " +
            "0: each put checksums its sources before copying them); default: the client's default only.")
    private List<Integer> checksumThreads = List.of();

    @Option(names = "--manager-idle", defaultValue = "backoff", paramLabel = "backoff|spin|yield",
        description = "How the manager's thread waits for work (ManagerContext.idle): backoff (the default: " +
            "yields, then parks up to 200 us, so a request after a pause waits for its wake-up), spin or yield.")
    private String managerIdle;
    private AeronIdle managerIdleMode;

    @Option(names = "--data-lanes", defaultValue = "auto", paramLabel = "N|auto",
        description = "UDP data lanes the manager serves and the network clients open (ManagerContext.dataLanes, " +
            "KvPoolContext.dataLanes; clients split every transfer across them, each lane with its own media " +
            "drivers): 1 to " + (HelloOkEncoder.MAX_LANES + 1) + ", or auto (the default of both: one per four " +
            "cores, 1 to 4).")
    private String dataLanes;

    @Option(names = "--no-data-tcp", negatable = false, description = "Network puts' bytes over Aeron only.")
    private boolean noDataTcp;

    @Option(names = "--seconds", defaultValue = "2", paramLabel = "N",
        description = "Measured seconds per row, after half a second of warm-up (a second and a half on a " +
            "handle's first row), prolonged while the JIT still compiles by up to twice the row's time (10 s at " +
            "most; default: ${DEFAULT-VALUE}).")
    private double seconds;

    private int maxThreads;
    private int maxBatch;
    /** Per block size, the stored values' bytes (value i at index i), to check gets against and to put from. */
    private final Map<Long, MemorySegment[]> valueSegments = new LinkedHashMap<>();
    /** The handles that have run a row. */
    private final Set<KvNamespace> warmedUp = new HashSet<>();
    /** Every put's keys are new, across threads, rows and handles. */
    private final AtomicLong putKeys = new AtomicLong();

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final long[] blockSizes = parseSizes();
        check(batches, "--batches", BlockBatch.MAX_KEYS);
        check(threads, "--threads", 256);
        final int badCount = checksumThreads.stream().filter(count -> count < 0 || count > 64).findFirst().orElse(0);
        if (badCount != 0)
        {
            throw new IllegalArgumentException("--checksum-threads=" + badCount + ": expected 0 to 64");
        }
        managerIdleMode = Options.parsed("--manager-idle", managerIdle, AeronIdle::parse);
        int lanes;
        try
        {
            lanes = DataLanes.parse(dataLanes);
        }
        catch (final IllegalArgumentException ex)
        {
            lanes = 0; // refused below, with the range
        }
        if (lanes != DataLanes.AUTO && (lanes < 1 || lanes > HelloOkEncoder.MAX_LANES + 1))
        {
            throw new IllegalArgumentException("--data-lanes=" + dataLanes + ": expected 1 to " +
                (HelloOkEncoder.MAX_LANES + 1) + " or auto");
        }
        for (final String path : paths)
        {
            if (!path.equals("mapped") && !path.equals("network"))
            {
                throw new IllegalArgumentException("--paths=" + path + ": expected mapped or network");
            }
        }
        for (final String op : ops)
        {
            if (!List.of("copy", "copy-cold", "get-first", "get-repeat", "put").contains(op))
            {
                throw new IllegalArgumentException("--ops=" + op + ": expected copy, copy-cold, get-first, " +
                    "get-repeat or put");
            }
        }
        if (!(seconds > 0))
        {
            throw new IllegalArgumentException("--seconds=" + seconds + ": expected more than 0");
        }
        maxThreads = Collections.max(threads);
        maxBatch = Collections.max(batches);
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        final Path directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-shapes-");
        try (Setup setup = new Setup(directory, blockSizes))
        {
            out.printf("kvpool bench shapes: %d cores, manager in this process (region %s in %s, idle %s, %d data " +
                "lane%s, network puts %s), %s s a row%n", Runtime.getRuntime().availableProcessors(),
                ByteSizes.format(setup.regionBytes), directory, managerIdleMode.text(), setup.manager.dataLanes(),
                setup.manager.dataLanes() == 1 ? "" : "s", noDataTcp ? "over Aeron" : "tcp-puts " +
                TcpPuts.fromSystemProperty(), seconds);
            out.printf("%-8s %-6s %5s %7s %-10s %10s %9s %10s %10s %9s %9s%n", "path", "size", "batch", "threads",
                "op", "blocks/s", "GB/s", "p50 us", "p99 us", "vs copy", "vs cold");
            for (final String path : paths)
            {
                for (final long size : blockSizes)
                {
                    for (final int batch : batches)
                    {
                        for (final int count : threads)
                        {
                            double copy = Double.NaN;
                            double cold = Double.NaN;
                            for (final String op : ops)
                            {
                                for (final int helpers : op.equals("put") && !checksumThreads.isEmpty() ?
                                    checksumThreads : List.of(-1))
                                {
                                    final Row row = run(setup, path, size, batch, count, op, helpers);
                                    final boolean baseline = op.startsWith("copy");
                                    copy = op.equals("copy") ? row.gbps() : copy;
                                    cold = op.equals("copy-cold") ? row.gbps() : cold;
                                    out.printf(Locale.ROOT,
                                        "%-8s %-6s %5d %7d %-10s %10.0f %9.2f %10.1f %10.1f %9s %9s%n",
                                        path, ByteSizes.format(size), batch, count, helpers < 0 ? op : op + " c=" +
                                        helpers, row.blocksPerSecond(), row.gbps(), row.p50Us(), row.p99Us(),
                                        baseline ? "" : ratio(row.gbps(), copy),
                                        baseline ? "" : ratio(row.gbps(), cold));
                                    out.flush();
                                }
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            FileTrees.delete(directory);
        }
        return 0;
    }

    /**
     * @param helpers the put handle's checksum threads, or -1 for the client's default.
     */
    private Row run(final Setup setup, final String path, final long size, final int batch, final int count,
        final String op, final int helpers) throws Exception
    {
        final KvNamespace handle = switch (op)
        {
            case "get-first" -> setup.handle(path, false, "get", size, -1);
            case "get-repeat" -> setup.handle(path, true, "get", size, -1);
            case "put" -> setup.handle(path, true, "put", size, helpers);
            default -> null;
        };
        // A handle's first row warms it up longer: its first puts claim slabs and the code they run is compiled. Any
        // row goes on warming up while the JIT still compiles, by at most twice its measured time (10 s at most).
        final RowWarmUp warmUp = new RowWarmUp(handle != null && warmedUp.add(handle) ? 1_500 : 500,
            (long)Math.min(10_000, 2_000 * seconds), seconds);
        final CyclicBarrier start = new CyclicBarrier(count);
        final List<Thread> running = new ArrayList<>();
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        final long[] blocks = new long[count];
        final Histogram[] latencies = new Histogram[count];
        for (int t = 0; t < count; t++)
        {
            final int thread = t;
            latencies[t] = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            running.add(Thread.ofPlatform().name("shapes-" + t).start(() ->
            {
                try (Arena arena = Arena.ofConfined())
                {
                    final Worker worker = new Worker(handle, op, size, batch, thread, arena);
                    start.await();
                    if (thread == 0)
                    {
                        warmUp.lead(worker::once);
                    }
                    else
                    {
                        warmUp.follow(worker::once);
                    }
                    final long endNs = warmUp.measureUntilNs();
                    long done = 0;
                    long now;
                    while ((now = System.nanoTime()) - endNs < 0)
                    {
                        done += worker.once();
                        latencies[thread].recordValue(Math.min(System.nanoTime() - now,
                            latencies[thread].getHighestTrackableValue()));
                    }
                    worker.checkEveryByte();
                    blocks[thread] = done;
                }
                catch (final Throwable ex)
                {
                    failures.add(ex);
                    start.reset(); // a thread that failed before the start: the others stop waiting for it
                    if (thread == 0)
                    {
                        warmUp.abandon(); // nor do they wait for its warm-up
                    }
                }
            }));
        }
        for (final Thread thread : running)
        {
            thread.join();
        }
        if (!failures.isEmpty())
        {
            throw new IllegalStateException(path + " " + op + " " + ByteSizes.format(size) + " batch " + batch +
                " threads " + count + ": " + failures.getFirst(), failures.getFirst());
        }
        final Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long total = 0;
        for (int t = 0; t < count; t++)
        {
            all.add(latencies[t]);
            total += blocks[t];
        }
        final double perSecond = total / seconds;
        return new Row(perSecond, perSecond * size / 1e9, all.getValueAtPercentile(50) / 1e3,
            all.getValueAtPercentile(99) / 1e3);
    }

    private static String ratio(final double value, final double baseline)
    {
        return Double.isNaN(baseline) ? "" : String.format(Locale.ROOT, "%.2fx", value / baseline);
    }

    private record Row(double blocksPerSecond, double gbps, double p50Us, double p99Us)
    {
    }

    /**
     * One thread's work: its own slice of the stored values (keys {@code thread x maxBatch} on), its own
     * destinations, and for puts new keys.
     */
    private final class Worker
    {
        private final KvNamespace handle;
        private final String op;
        private final long size;
        private final int batch;
        private final int thread;
        private final MemorySegment[] destinations;
        private final MemorySegment[] sources;
        private final int[] values;
        private final byte[][] keys;
        /** copy-cold's destinations: more memory than a cache holds, written in turn. */
        private final MemorySegment coldRing;
        private long coldAt;
        private int next;

        Worker(final KvNamespace handle, final String op, final long size, final int batch,
            final int thread, final Arena arena)
        {
            this.handle = handle;
            this.op = op;
            this.size = size;
            this.batch = batch;
            this.thread = thread;
            destinations = new MemorySegment[batch];
            sources = new MemorySegment[batch];
            values = new int[batch];
            keys = new byte[batch][];
            for (int i = 0; i < batch; i++)
            {
                destinations[i] = arena.allocate(size, 4096);
            }
            coldRing = op.equals("copy-cold") ? arena.allocate(Math.max(COLD_RING_BYTES, 2L * batch * size) /
                size * size, 4096) : null;
        }

        /** @return blocks moved (and checked). */
        long once()
        {
            for (int i = 0; i < batch; i++)
            {
                values[i] = thread * maxBatch + (next + i) % maxBatch;
            }
            next = (next + batch) % maxBatch;
            switch (op)
            {
                case "copy" ->
                {
                    // The same values, in the same turn, as the gets read (and as many bytes out of cache).
                    for (int i = 0; i < batch; i++)
                    {
                        MemorySegment.copy(valueOf(values[i]), 0, destinations[i], 0, size);
                    }
                    return batch;
                }
                case "copy-cold" ->
                {
                    for (int i = 0; i < batch; i++)
                    {
                        MemorySegment.copy(valueOf(values[i]), 0, coldRing, coldAt, size);
                        coldAt = (coldAt + size) % coldRing.byteSize();
                    }
                    return batch;
                }
                case "put" ->
                {
                    for (int i = 0; i < batch; i++)
                    {
                        keys[i] = key(2, size, putKeys.getAndIncrement());
                        sources[i] = valueOf(values[i]);
                    }
                    return handle.put(BlockKeys.of(keys), sources).okCount();
                }
                default ->
                {
                    for (int i = 0; i < batch; i++)
                    {
                        keys[i] = key(1, size, values[i]);
                        destinations[i].set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0);
                    }
                    final BatchResult result = handle.get(BlockKeys.of(keys), destinations);
                    if (result.okCount() != batch)
                    {
                        throw new IllegalStateException("a get missed: " + result);
                    }
                    for (int i = 0; i < batch; i++)
                    {
                        final MemorySegment expected = valueOf(values[i]);
                        if (!sameEnds(destinations[i], expected))
                        {
                            throw new IllegalStateException("value " + values[i] + ": wrong bytes");
                        }
                    }
                    return batch;
                }
            }
        }

        private MemorySegment valueOf(final int value)
        {
            return valueSegments.get(size)[value];
        }

        void checkEveryByte()
        {
            if (op.startsWith("get"))
            {
                for (int i = 0; i < batch; i++)
                {
                    if (destinations[i].mismatch(valueOf(values[i])) != -1)
                    {
                        throw new IllegalStateException("value " + values[i] + ": bytes differ");
                    }
                }
            }
        }

        private boolean sameEnds(final MemorySegment got, final MemorySegment expected)
        {
            return got.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) == expected.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) &&
                got.get(ValueLayout.JAVA_LONG_UNALIGNED, size - 8) ==
                    expected.get(ValueLayout.JAVA_LONG_UNALIGNED, size - 8);
        }
    }

    /**
     * The manager, the stored values, and the handles: per path and size, one remembering locations and one not
     * (first gets), each shared by every thread of a row.
     */
    private final class Setup implements AutoCloseable
    {
        final long regionBytes;
        private final Path directory;
        private final PoolManager manager;
        private final Arena arena = Arena.ofShared();
        private final Map<String, KvPool> pools = new LinkedHashMap<>();
        private final Map<String, KvNamespace> handles = new LinkedHashMap<>();

        Setup(final Path directory, final long[] blockSizes)
        {
            this.directory = directory;
            final int values = maxThreads * maxBatch;
            long slabs = 2;
            for (final long size : blockSizes)
            {
                slabs += getSlabs(size, values) + putSlabs(size);
            }
            regionBytes = slabs * SLAB_BYTES;
            final ManagerContext managerContext = new ManagerContext().pool(new PoolContext()
                    .regionFile(directory.resolve("region")).regionSizeBytes(regionBytes).slabSizeBytes(SLAB_BYTES)
                    .minBlockSizeBytes(4096))
                .embeddedAeronDir(directory.resolve("aeron")).endpoint("127.0.0.1:0").metricsPort(-1)
                .idle(managerIdleMode).dataTcp(!noDataTcp);
            DataLanes.set(dataLanes, managerContext::dataLanes, managerContext::dataLanesAuto);
            manager = PoolManager.launch(managerContext);
            try (ManagerClient admin = ManagerClient.connect(new ManagerClientContext().aeronDir(manager.aeronDir())
                .connectTimeout(Duration.ofSeconds(20))))
            {
                for (final long size : blockSizes)
                {
                    admin.createNamespace(name("get", size), size, getSlabs(size, values), 0, "");
                    admin.createNamespace(name("put", size), size, 0, putSlabs(size), "");
                }
            }
            for (final long size : blockSizes)
            {
                final MemorySegment[] stored = new MemorySegment[values];
                final byte[][] keys = new byte[values][];
                for (int i = 0; i < values; i++)
                {
                    stored[i] = arena.allocate(size, 4096);
                    Payloads.fill(stored[i], size * 1000 + i);
                    keys[i] = key(1, size, i);
                }
                valueSegments.put(size, stored);
                final KvNamespace loader = handle("mapped", true, "get", size, -1);
                for (int first = 0; first < values; first += BlockBatch.MAX_KEYS)
                {
                    final int count = Math.min(BlockBatch.MAX_KEYS, values - first);
                    final byte[][] slice = Arrays.copyOfRange(keys, first, first + count);
                    final MemorySegment[] sources = Arrays.copyOfRange(stored, first, first + count);
                    if (loader.put(BlockKeys.of(slice), sources).okCount() != count)
                    {
                        throw new IllegalStateException("could not store the values of " + ByteSizes.format(size));
                    }
                }
            }
        }

        KvNamespace handle(final String path, final boolean remember, final String kind, final long size,
            final int helpers)
        {
            final String pool = path + (remember ? "" : "-first") + (helpers < 0 ? "" : "-c" + helpers);
            return handles.computeIfAbsent(pool + "/" + name(kind, size), key ->
                pools.computeIfAbsent(pool, p -> connect(path, remember, helpers)).namespace(name(kind, size), size));
        }

        private KvPool connect(final String path, final boolean remember, final int helpers)
        {
            final KvPoolContext context = new KvPoolContext().aeronDir(manager.aeronDir())
                .connectTimeout(Duration.ofSeconds(20)).locationCacheEntries(remember ? 1 << 20 : 0);
            if (helpers >= 0)
            {
                context.checksumThreads(helpers);
            }
            DataLanes.set(dataLanes, context::dataLanes, context::dataLanesAuto);
            if (path.equals("network"))
            {
                context.transport("aeron").managerEndpoint(manager.udpEndpoint()).responseHost("127.0.0.1")
                    .embeddedDriverDir(directory.resolve("client-" + (remember ? "repeat" : "first")));
            }
            return KvPool.connect(context);
        }

        private int getSlabs(final long size, final int values)
        {
            return (int)((values * size + SLAB_BYTES - 1) / SLAB_BYTES) + 1;
        }

        private int putSlabs(final long size)
        {
            // Twice what the threads have reserved at once, so puts evict their own older blocks, never fail.
            return (int)Math.max(2, (2L * maxThreads * maxBatch * size + SLAB_BYTES - 1) / SLAB_BYTES);
        }

        @Override
        public void close()
        {
            pools.values().forEach(KvPool::close);
            manager.close();
            arena.close();
        }
    }

    private static String name(final String kind, final long size)
    {
        return kind + "-" + ByteSizes.format(size);
    }

    /** @return key {@code i} of a kind (1 stored values, 2 puts) and size. */
    private static byte[] key(final int kind, final long size, final long i)
    {
        return ByteBuffer.allocate(32).putInt(kind).putLong(size).putLong(i).putInt(0x73686170).array();
    }

    private long[] parseSizes()
    {
        final long[] parsed = new long[sizes.size()];
        for (int i = 0; i < parsed.length; i++)
        {
            final long size = Options.parsed("--sizes", sizes.get(i), ByteSizes::parse);
            if (size < 4096 || size > SLAB_BYTES || size % 64 != 0)
            {
                throw new IllegalArgumentException("--sizes=" + sizes.get(i) + ": expected a multiple of 64 bytes " +
                    "from 4k to 64m");
            }
            parsed[i] = size;
        }
        return parsed;
    }

    private static void check(final List<Integer> values, final String name, final int max)
    {
        for (final int value : values)
        {
            if (value < 1 || value > max)
            {
                throw new IllegalArgumentException(name + "=" + value + ": expected 1 to " + max);
            }
        }
    }
}
