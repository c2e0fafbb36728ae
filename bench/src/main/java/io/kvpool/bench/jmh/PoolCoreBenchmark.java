package io.kvpool.bench.jmh;

import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolCore;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.Status;
import io.kvpool.transport.cxl.RegionSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The manager's hot paths without the wire: index lookups of present keys (Chronicle Map, then the block table's
 * stamp), and puts (reserve and commit of new keys) in a full pool, where every block comes from the allocator's
 * eviction. 256 MiB region in /dev/shm, 16 KiB blocks, batches of 32 keys; one key = one operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PoolCoreBenchmark
{
    static final int BATCH = 32;
    private static final int PRESENT = 8192;

    private Path directory;
    private PoolCore pool;
    private int namespace;
    private final BlockBatch lookups = new BlockBatch();
    private final BlockBatch puts = new BlockBatch();
    private final ByteBuffer key = ByteBuffer.allocate(BlockBatch.KEY_BYTES);
    private long nextPresent;
    private long nextNew = 1L << 40;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-jmh-core-");
        pool = PoolCore.open(new PoolContext().regionSource(RegionSource.file(directory.resolve("region"),
            256L << 20)).indexFile(directory.resolve("index")).slabSizeBytes(2L << 20).minBlockSizeBytes(16384)
            .format(true));
        namespace = pool.createNamespace("bench", 16384, 0, pool.stats().slabCount()).id();
        // Fill the pool so that every later put evicts; the first PRESENT keys are looked up (the lookups touch
        // them, so the CLOCK hand passes over them and evicts the put keys instead).
        final long capacity = pool.stats().namespaces().getFirst().info().blocksPerSlab() *
            (long)pool.stats().slabCount();
        for (long k = 0; k < capacity; k += BATCH)
        {
            put(k);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        pool.close();
        FileTrees.delete(directory);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int lookup()
    {
        lookups.clear();
        for (int i = 0; i < BATCH; i++)
        {
            lookups.addKey(key(nextPresent));
            nextPresent = (nextPresent + 1) % PRESENT;
        }
        final int found = pool.lookup(namespace, lookups);
        if (found != BATCH)
        {
            throw new IllegalStateException("only " + found + " of " + BATCH + " present keys found");
        }
        return found;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int putEvicting()
    {
        final int sealed = put(nextNew);
        nextNew += BATCH;
        return sealed;
    }

    private int put(final long first)
    {
        puts.clear();
        for (int i = 0; i < BATCH; i++)
        {
            puts.addKey(key(first + i));
        }
        pool.reserve(namespace, puts);
        for (int i = 0; i < BATCH; i++)
        {
            if (puts.status(i) != Status.OK)
            {
                throw new IllegalStateException("reserve gave " + Status.name(puts.status(i)));
            }
            puts.length(i, 16384);
            puts.checksum(i, 0);
        }
        return pool.commit(namespace, puts);
    }

    private byte[] key(final long value)
    {
        key.clear();
        key.putLong(value).putLong(~value).putLong(value * 31).putLong(value ^ 0x5DEECE66DL);
        return key.array();
    }
}
