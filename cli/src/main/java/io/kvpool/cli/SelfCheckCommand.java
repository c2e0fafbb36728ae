package io.kvpool.cli;

import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolCore;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockProtocol;
import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.Status;
import io.kvpool.transport.cxl.RegionSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.Callable;

/**
 * {@code kvpool selfcheck}: an in-process pool self-check on an emulated region, without a manager service. It
 * puts blocks of two models, gets every one back and compares every byte, overfills one model to show eviction and
 * slabs moving between models, then closes and reopens the region and checks that what was committed is still
 * there.
 */
@Command(
    name = "selfcheck",
    mixinStandardHelpOptions = true,
    header = "Runs an in-process pool self-check on an emulated CXL region.",
    description = {
        "The region is a file in /dev/shm. The check puts KV blocks of two models, gets them back comparing every " +
            "byte, overfills one model to show eviction and elastic slab sharing, reopens the region and checks " +
            "nothing committed was lost."})
final class SelfCheckCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--region-file", paramLabel = "PATH",
        description = {"Region file to use (default: a temporary file in /dev/shm, deleted afterwards).",
            "The self-check formats it: an existing file is refused unless --format is given."})
    private Path regionFile;

    @Option(names = "--size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "256m",
        description = "Region size (default: ${DEFAULT-VALUE}).")
    private long sizeBytes;

    @Option(names = "--slab-size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "8m",
        description = "Slab size, a multiple of 2m (default: ${DEFAULT-VALUE}).")
    private long slabSizeBytes;

    @Option(names = "--block-size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "256k",
        description = "Block size of the first model (default: ${DEFAULT-VALUE}); the second uses half.")
    private long blockSizeBytes;

    @Option(names = "--blocks", paramLabel = "N", defaultValue = "256",
        description = "Blocks the first model puts and verifies (default: ${DEFAULT-VALUE}).")
    private int blocks;

    @Option(names = "--format",
        description = "Format --region-file even if it already holds a pool (destroys its contents).")
    private boolean format;

    @Option(names = "--verbose", description = "Also print the manager's log lines.")
    private boolean verbose;

    private PrintWriter out;
    private long verifiedBytes;

    @Override
    public Integer call() throws IOException
    {
        out = spec.commandLine().getOut();
        if (!verbose)
        {
            java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        }
        if (blocks < 1 || blocks > 100_000)
        {
            throw new IllegalArgumentException("--blocks=" + blocks + " must be between 1 and 100000");
        }
        if (regionFile != null && Files.exists(regionFile) && Files.size(regionFile) > 0 && !format)
        {
            throw new IllegalArgumentException("--region-file " + regionFile + " already exists; the self-check " +
                "formats its region: pass --format to overwrite it (destroying its contents) or choose a new path");
        }
        final boolean temporary = regionFile == null;
        final Path directory = temporary ? Files.createTempDirectory(shm(), "kvpool-demo-") : null;
        final Path file = temporary ? directory.resolve("region") : regionFile;
        try
        {
            return run(file);
        }
        finally
        {
            if (temporary)
            {
                for (final String name : new String[]{"region", "region.index", "region.index.lock"})
                {
                    Files.deleteIfExists(directory.resolve(name));
                }
                Files.deleteIfExists(directory);
            }
        }
    }

    private int run(final Path file)
    {
        final long start = System.nanoTime();
        final PoolContext context = new PoolContext()
            .regionSource(RegionSource.file(file, sizeBytes))
            .format(format)
            .slabSizeBytes(slabSizeBytes)
            .prefault(true);
        final int firstModelBlocks;
        final int checkedBlocks;
        try (PoolCore pool = PoolCore.open(context))
        {
            out.printf("region   %s%n", pool.region().description());
            out.printf("geometry %d slabs of %s, data at offset %s, uuid %s%n", pool.geometry().slabCount(),
                ByteSizes.format(pool.geometry().slabSizeBytes()), ByteSizes.format(pool.geometry().dataOffset()),
                pool.regionUuid());
            final int slabs = pool.geometry().slabCount();
            final NamespaceInfo llama = pool.createNamespace("llama-3-8b", blockSizeBytes, 1, slabs);
            final NamespaceInfo mistral = pool.createNamespace("mistral-7b", blockSizeBytes / 2, 1, slabs);
            out.printf("models   %s: %s blocks, %d per slab; %s: %s blocks, %d per slab%n", llama.name(),
                ByteSizes.format(llama.blockSizeBytes()), llama.blocksPerSlab(), mistral.name(),
                ByteSizes.format(mistral.blockSizeBytes()), mistral.blocksPerSlab());

            final int put = putRange(pool, llama, 0, blocks);
            final int got = getRange(pool, llama, 0, blocks);
            out.printf("put/get  %s: put %d blocks, got %d back, %s compared byte for byte%n", llama.name(), put,
                got, ByteSizes.format(verifiedBytes));
            check(put == blocks && got == blocks, "every block put must come back");

            final long mistralBlocks = (long)slabs * mistral.blocksPerSlab() + blocks;
            final int mistralPut = putRange(pool, mistral, 1_000_000, (int)Math.min(mistralBlocks, 200_000));
            final PoolStats stats = pool.stats();
            final PoolStats.Namespace llamaStats = stats.namespaces().get(0);
            final PoolStats.Namespace mistralStats = stats.namespaces().get(1);
            out.printf("evict    %s put %d blocks into a full pool: %s now holds %d slabs (%d evicted, " +
                    "%d slabs surrendered), %s holds %d slabs (%d evicted)%n", mistral.name(), mistralPut,
                llama.name(), llamaStats.slabs(), llamaStats.evictions(), llamaStats.slabsSurrendered(),
                mistral.name(), mistralStats.slabs(), mistralStats.evictions());
            check(llamaStats.slabs() >= llama.minSlabs(), "a guaranteed slab must never be taken");
            check(mistralStats.evictions() + llamaStats.evictions() > 0, "an overfilled pool must evict");

            firstModelBlocks = pool.longestPrefix(llama.id(), batch(0, Math.min(blocks, BlockBatch.MAX_KEYS)));
            checkedBlocks = getRange(pool, llama, 0, blocks);
            out.printf("survive  %s: %d leading blocks still present, %d of %d present and intact%n", llama.name(),
                firstModelBlocks, checkedBlocks, blocks);
        }
        try (PoolCore pool = PoolCore.open(new PoolContext().regionSource(RegionSource.file(file, 0))))
        {
            final NamespaceInfo llama = pool.namespace("llama-3-8b");
            final int afterReopen = getRange(pool, llama, 0, blocks);
            out.printf("reopen   epoch %d, clean=%s: %d sealed blocks recovered, %d of %s's blocks intact%n",
                pool.recoveryReport().managerEpoch(), pool.recoveryReport().cleanShutdown(),
                pool.recoveryReport().sealedBlocks(), afterReopen, llama.name());
            check(afterReopen == checkedBlocks, "every block present before the reopen must be present after it");
        }
        out.printf("self-check OK: %d blocks verified (%s) across two models, eviction and a reopen in %d ms%n",
            blocks, ByteSizes.format(verifiedBytes), (System.nanoTime() - start) / 1_000_000);
        return 0;
    }

    private int putRange(final PoolCore pool, final NamespaceInfo namespace, final long first, final int count)
    {
        int committed = 0;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment source = arena.allocate(namespace.blockSizeBytes(), 64);
            final BlockBatch batch = new BlockBatch();
            for (long next = first; next < first + count; )
            {
                final int size = (int)Math.min(64, first + count - next);
                batch.clear();
                for (int i = 0; i < size; i++)
                {
                    batch.addKey(key(namespace.name(), next + i));
                }
                pool.reserve(namespace.id(), batch);
                for (int i = 0; i < size; i++)
                {
                    if (batch.status(i) == Status.OK)
                    {
                        final int length = payloadLength(namespace, next + i);
                        final MemorySegment payload = source.asSlice(0, length);
                        Payloads.fill(payload, next + i);
                        pool.region().copyIn(batch.offset(i), payload);
                        batch.length(i, length);
                        batch.checksum(i, crc(payload));
                    }
                }
                committed += pool.commit(namespace.id(), batch);
                next += size;
            }
        }
        return committed;
    }

    /**
     * Gets blocks back by load/store, validating each copy's generation and every byte.
     *
     * @return blocks found and intact.
     */
    private int getRange(final PoolCore pool, final NamespaceInfo namespace, final long first, final int count)
    {
        int intact = 0;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment destination = arena.allocate(namespace.blockSizeBytes(), 64);
            final MemorySegment expected = arena.allocate(namespace.blockSizeBytes(), 64);
            final MemorySegment region = pool.region().segment();
            for (long next = first; next < first + count; )
            {
                final int size = (int)Math.min(BlockBatch.MAX_KEYS, first + count - next);
                final BlockBatch batch = batch(next, size, namespace.name());
                pool.lookup(namespace.id(), batch);
                for (int i = 0; i < size; i++)
                {
                    if (batch.status(i) != Status.OK)
                    {
                        continue;
                    }
                    final MemorySegment copy = destination.asSlice(0, batch.length(i));
                    final boolean sameBlock = BlockProtocol.read(region,
                        pool.geometry().blockEntryOffset(batch.blockIndex(i)), batch.generation(i), batch.offset(i),
                        copy, batch.length(i)) == Status.OK;
                    final MemorySegment want = expected.asSlice(0, payloadLength(namespace, next + i));
                    Payloads.fill(want, next + i);
                    if (sameBlock && copy.mismatch(want) == -1 && crc(copy) == batch.checksum(i))
                    {
                        intact++;
                        verifiedBytes += copy.byteSize();
                    }
                    else
                    {
                        throw new IllegalStateException("block " + (next + i) + " of " + namespace.name() +
                            " came back different from what was put");
                    }
                }
                next += size;
            }
        }
        return intact;
    }

    private static BlockBatch batch(final long first, final int count)
    {
        return batch(first, count, "llama-3-8b");
    }

    private static BlockBatch batch(final long first, final int count, final String model)
    {
        final BlockBatch batch = new BlockBatch();
        for (int i = 0; i < count; i++)
        {
            batch.addKey(key(model, first + i));
        }
        return batch;
    }

    /** A block key as an engine would make it: SHA-256 over the model and the block's token ids. */
    private static byte[] key(final String model, final long block)
    {
        try
        {
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(model.getBytes(StandardCharsets.UTF_8));
            sha.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, block));
            return sha.digest();
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static int payloadLength(final NamespaceInfo namespace, final long block)
    {
        // Most blocks are full; every seventh is partial, as the last block of a prompt is.
        return block % 7 == 6 ? (int)(namespace.blockSizeBytes() / 2 + block % 1000) : (int)namespace.blockSizeBytes();
    }

    private static int crc(final MemorySegment segment)
    {
        return Checksums.crc32c(segment);
    }

    private static void check(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new IllegalStateException("self-check failed: " + what);
        }
    }

    private static Path shm()
    {
        final Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }
}
