package io.kvpool.bench.jmh;

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
import io.kvpool.protocol.FileTrees;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Client get and put of a batch of 32 blocks (64 KiB and 2 MiB) through {@link KvNamespace} on an emulated region
 * (/dev/shm) with a real manager in process, beside a plain {@code MemorySegment.copy} of the same 32 blocks from
 * the same region addresses into the same destinations. Throughput is in batches per second; bytes per second =
 * score x 32 x blockSizeBytes, and the ratio of get to copy is the client's overhead. One block = one operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ClientCopyBenchmark
{
    static final int BATCH = 32;

    @Param({"65536", "2097152"})
    public int blockSizeBytes;

    /** The client's checksum threads (0: each put checksums its sources before copying them). */
    @Param({"0", "2"})
    public int checksumThreads;

    private Path directory;
    private PoolManager manager;
    private KvPool pool;
    private KvNamespace namespace;
    private Arena arena;
    private BlockKeys keys;
    private MemorySegment[] destinations;
    private MemorySegment[] sources;
    private MemorySegment[] poolBlocks;
    private long putKey = 1_000_000;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-jmh-");
        final long regionBytes = Math.max(512L << 20, 8L * BATCH * blockSizeBytes);
        manager = PoolManager.launch(new ManagerContext().pool(new PoolContext().regionFile(directory.resolve("region"))
                .regionSizeBytes(regionBytes).slabSizeBytes(Math.max(2L << 20, 4L * blockSizeBytes)))
            .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1));
        try (ManagerClient admin = ManagerClient.connect(new ManagerClientContext().aeronDir(manager.aeronDir())
            .connectTimeout(Duration.ofSeconds(20))))
        {
            admin.createNamespace("bench", blockSizeBytes, 0, 0, "");
        }
        pool = KvPool.connect(new KvPoolContext().aeronDir(manager.aeronDir()).checksumThreads(checksumThreads));
        namespace = pool.namespace("bench", blockSizeBytes);
        arena = Arena.ofShared();
        destinations = new MemorySegment[BATCH];
        sources = new MemorySegment[BATCH];
        for (int i = 0; i < BATCH; i++)
        {
            destinations[i] = arena.allocate(blockSizeBytes, 4096);
            sources[i] = arena.allocate(blockSizeBytes, 4096);
            sources[i].fill((byte)i);
        }
        keys = keys(0);
        final BatchResult put = namespace.put(keys, sources);
        if (put.okCount() != BATCH)
        {
            throw new IllegalStateException("setup put failed: " + put);
        }
        // The same blocks as plain segments of the region, for the baseline copy.
        poolBlocks = new MemorySegment[BATCH];
        for (int i = 0; i < BATCH; i++)
        {
            final MemorySegment[] one = {destinations[i]};
            try (var view = namespace.view(keys.key(i)))
            {
                final long offset = view.segment().address() - pool.region().segment().address();
                poolBlocks[i] = pool.region().segment().asSlice(offset, blockSizeBytes);
            }
            namespace.get(BlockKeys.of(keys.key(i)), one);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        pool.close();
        manager.close();
        arena.close();
        FileTrees.delete(directory);
    }

    /**
     * Baseline: the bytes a get moves, by plain copies.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long copyBaseline()
    {
        long bytes = 0;
        for (int i = 0; i < BATCH; i++)
        {
            MemorySegment.copy(poolBlocks[i], 0, destinations[i], 0, blockSizeBytes);
            bytes += blockSizeBytes;
        }
        return bytes;
    }

    /**
     * A batch get of 32 blocks whose locations the client knows (validated against the block table, no manager
     * request), each copied once and generation-checked.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long get()
    {
        final BatchResult result = namespace.get(keys, destinations);
        if (result.okCount() != BATCH)
        {
            throw new IllegalStateException("get missed: " + result);
        }
        return result.bytes();
    }

    /**
     * A batch put of 32 new blocks: reserve and commit at the manager (in four runs of 8 blocks, pipelined:
     * PutPath), one copy and a CRC32C per block (each block checksummed and copied a piece at a time by the thread
     * that claims it: the putting thread, and the checksum threads where a run is large enough to share them).
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long put()
    {
        final BatchResult result = namespace.put(keys(putKey), sources);
        putKey += BATCH;
        return result.bytes();
    }

    private static BlockKeys keys(final long first)
    {
        final byte[][] keys = new byte[BATCH][];
        for (int i = 0; i < BATCH; i++)
        {
            keys[i] = ByteBuffer.allocate(32).putLong(first + i).putLong(0x6A6D68L).array();
        }
        return BlockKeys.of(keys);
    }
}
