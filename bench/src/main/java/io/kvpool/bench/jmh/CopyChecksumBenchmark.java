package io.kvpool.bench.jmh;

import io.kvpool.protocol.Checksums;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * What a mapped put's bytes cost without the pool: 32 blocks copied into memory not in cache (a put's new blocks),
 * alone and with the CRC32C every put records, done four ways. One thread checksumming each block then copying it;
 * one thread copying while a helper checksums the same blocks ahead (mapped puts until session 19); two threads
 * claiming whole blocks, each checksumming and copying its blocks 256 KiB at a time (the copy reads what the
 * checksum just brought into cache: {@code io.kvpool.client.internal.SharedWrite}, mapped puts until session 22);
 * one thread copying each block a few KiB at a time, each chunk read back for the checksum while in cache
 * ({@link Checksums#copy} through a view of the destination in no arena, as {@code Region.view()}: what each thread
 * storing a mapped put's blocks does now). One block = one operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CopyChecksumBenchmark
{
    static final int BATCH = 32;
    static final long PIECE_BYTES = 256 * 1024;
    /** Destinations cycle through this much memory, so each batch lands where no recent one did. */
    static final long COLD_BYTES = 1L << 30;

    @Param({"65536", "2097152"})
    public int blockSizeBytes;

    private Arena arena;
    private MemorySegment[] sources;
    private MemorySegment cold;
    /** {@code cold} in no arena (valid while {@code arena} is open), read back by {@link #checksumWhileCopying}. */
    private MemorySegment coldView;
    private long coldOffset;
    private ExecutorService helper;
    private int sink;

    @Setup(Level.Trial)
    public void setUp()
    {
        arena = Arena.ofShared();
        sources = new MemorySegment[BATCH];
        for (int i = 0; i < BATCH; i++)
        {
            sources[i] = arena.allocate(blockSizeBytes, 4096).fill((byte)(i + 1));
        }
        cold = arena.allocate(Math.max(COLD_BYTES, 8L * BATCH * blockSizeBytes), 4096).fill((byte)0);
        coldView = MemorySegment.ofAddress(cold.address()).reinterpret(cold.byteSize());
        helper = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon(true).factory());
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        helper.shutdownNow();
        arena.close();
    }

    /** Baseline: the copy alone. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void copyBaseline()
    {
        final MemorySegment to = nextDestination();
        for (int i = 0; i < BATCH; i++)
        {
            MemorySegment.copy(sources[i], 0, to, (long)i * blockSizeBytes, blockSizeBytes);
        }
    }

    /** One thread: each block's CRC32C, then its copy. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int checksumThenCopy()
    {
        final MemorySegment to = nextDestination();
        for (int i = 0; i < BATCH; i++)
        {
            sink ^= Checksums.crc32c(sources[i]);
            MemorySegment.copy(sources[i], 0, to, (long)i * blockSizeBytes, blockSizeBytes);
        }
        return sink;
    }

    /** One thread: each block checksummed as it is stored, {@link Checksums#COPY_CHUNK_BYTES} at a time. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int checksumWhileCopying()
    {
        final MemorySegment to = nextDestination();
        final MemorySegment readBack = coldView.asSlice(to.address() - cold.address(), to.byteSize());
        for (int i = 0; i < BATCH; i++)
        {
            final CRC32C crc = new CRC32C();
            Checksums.copy(sources[i], to, (long)i * blockSizeBytes, readBack, crc);
            sink ^= (int)crc.getValue();
        }
        return sink;
    }

    /** The caller copies while a helper checksums the same blocks ahead. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int helperChecksumsAhead() throws InterruptedException, ExecutionException
    {
        final MemorySegment to = nextDestination();
        final Future<Integer> sums = helper.submit(() ->
        {
            int crcs = 0;
            for (int i = 0; i < BATCH; i++)
            {
                crcs ^= Checksums.crc32c(sources[i]);
            }
            return crcs;
        });
        for (int i = 0; i < BATCH; i++)
        {
            MemorySegment.copy(sources[i], 0, to, (long)i * blockSizeBytes, blockSizeBytes);
        }
        return sums.get();
    }

    /** The caller and a helper claim whole blocks; each checksums then copies its blocks a piece at a time. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int sharedPieceByPiece() throws InterruptedException, ExecutionException
    {
        final MemorySegment to = nextDestination();
        final AtomicInteger next = new AtomicInteger();
        final Future<Integer> helped = helper.submit(() -> claim(next, to));
        return claim(next, to) ^ helped.get();
    }

    private int claim(final AtomicInteger next, final MemorySegment to)
    {
        int crcs = 0;
        int i;
        while ((i = next.getAndIncrement()) < BATCH)
        {
            for (long offset = 0; offset < blockSizeBytes; offset += PIECE_BYTES)
            {
                final long bytes = Math.min(PIECE_BYTES, blockSizeBytes - offset);
                final MemorySegment piece = sources[i].asSlice(offset, bytes);
                crcs ^= Checksums.crc32c(piece);
                MemorySegment.copy(piece, 0, to, (long)i * blockSizeBytes + offset, bytes);
            }
        }
        return crcs;
    }

    private MemorySegment nextDestination()
    {
        final long bytes = (long)BATCH * blockSizeBytes;
        if (coldOffset + bytes > cold.byteSize())
        {
            coldOffset = 0;
        }
        final MemorySegment to = cold.asSlice(coldOffset, bytes);
        coldOffset += bytes;
        return to;
    }
}
