package io.kvpool.manager;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.Payloads;
import io.kvpool.transport.cxl.RegionSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scratch directory in /dev/shm (tmpfs, like the emulated pool) and helpers to build pools and keys in tests.
 */
final class PoolFixture implements AutoCloseable
{
    static final long MIB = 1024 * 1024;

    final Path directory;
    final Path regionFile;
    final AtomicLong nanoTime = new AtomicLong(1_000_000_000L);

    PoolFixture()
    {
        try
        {
            final Path shm = Path.of("/dev/shm");
            directory = Files.createTempDirectory(Files.isDirectory(shm) ? shm : Path.of(System.getProperty(
                "java.io.tmpdir")), "kvpool-test-");
            regionFile = directory.resolve("region");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return a context for a region file of the given size with 2 MiB slabs and 4 KiB minimum blocks, on the
     *         fixture's manual clock.
     */
    PoolContext context(final long sizeBytes)
    {
        return new PoolContext()
            .regionSource(RegionSource.file(regionFile, sizeBytes))
            .slabSizeBytes(2 * MIB)
            .minBlockSizeBytes(4096)
            .maxNamespaces(8)
            .pinCapacity(4096)
            .nanoClock(nanoTime::get);
    }

    void advanceSeconds(final long seconds)
    {
        nanoTime.addAndGet(seconds * 1_000_000_000L);
    }

    /**
     * @return a deterministic 32-byte key for a number (and a namespace salt).
     */
    static byte[] key(final long value)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(BlockBatch.KEY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(value).putLong(~value).putLong(value * 31).putLong(value ^ 0x5DEECE66DL);
        return buffer.array();
    }

    static BlockBatch batchOf(final long... values)
    {
        final BlockBatch batch = new BlockBatch();
        for (final long value : values)
        {
            batch.addKey(key(value));
        }
        return batch;
    }

    /**
     * Reserves, writes a payload derived from the key, and commits one key. Fails the caller's test if a phase
     * does not succeed.
     *
     * @return the committed payload's checksum.
     */
    static int put(final PoolCore pool, final int namespaceId, final long value, final int length)
    {
        final BlockBatch batch = batchOf(value);
        pool.reserve(namespaceId, batch);
        if (batch.status(0) != Status.OK)
        {
            throw new AssertionError("reserve of " + value + " gave " + Status.name(batch.status(0)));
        }
        final MemorySegment block = pool.region().segment().asSlice(batch.offset(0), length);
        fill(block, value);
        batch.length(0, length);
        final int checksum = crc(block);
        batch.checksum(0, checksum);
        pool.commit(namespaceId, batch);
        if (batch.status(0) != Status.OK)
        {
            throw new AssertionError("commit of " + value + " gave " + Status.name(batch.status(0)));
        }
        return checksum;
    }

    static void fill(final MemorySegment segment, final long seed)
    {
        Payloads.fill(segment, seed);
    }

    static int crc(final MemorySegment segment)
    {
        return Checksums.crc32c(segment);
    }

    @Override
    public void close()
    {
        FileTrees.delete(directory);
    }
}
