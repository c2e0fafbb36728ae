package io.kvpool.manager;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Status;
import io.kvpool.transport.cxl.RegionSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Child process of {@link CrashRecoveryTest}: streams commits into a pool and journals each acknowledged one
 * ({@code key checksum length}) only after commit returned, while always holding a few reservations open, until it
 * is killed.
 * <p>
 * Arguments: region file, journal file, run number (keys of run r start at r * 1,000,000), commits to make.
 */
public final class CommitStreamer
{
    static final long REGION_BYTES = 64L << 20;
    static final long BLOCK_BYTES = 16 * 1024;

    private CommitStreamer()
    {
    }

    public static void main(final String[] args) throws IOException, InterruptedException
    {
        final Path regionFile = Path.of(args[0]);
        final Path journal = Path.of(args[1]);
        final long firstKey = Long.parseLong(args[2]) * 1_000_000L;
        final int commits = Integer.parseInt(args[3]);
        final PoolContext context = new PoolContext()
            .regionSource(RegionSource.file(regionFile, REGION_BYTES))
            .slabSizeBytes(2L << 20)
            .minBlockSizeBytes(4096)
            .reservationLeaseNs(TimeUnit.MINUTES.toNanos(5));
        try (PoolCore pool = PoolCore.open(context))
        {
            final int ns = pool.createNamespace("crash", BLOCK_BYTES, 0, pool.geometry().slabCount()).id();
            final BlockBatch batch = new BlockBatch();
            final BlockBatch dangling = new BlockBatch();
            long key = firstKey;
            int committed = 0;
            while (committed < commits)
            {
                batch.clear();
                for (int i = 0; i < 8; i++)
                {
                    batch.addKey(PoolFixture.key(key + i));
                }
                pool.reserve(ns, batch);
                final StringBuilder lines = new StringBuilder();
                for (int i = 0; i < batch.size(); i++)
                {
                    final int length = (int)(BLOCK_BYTES - (key + i) % 4096);
                    final MemorySegment block = pool.region().segment().asSlice(batch.offset(i), length);
                    PoolFixture.fill(block, key + i);
                    batch.length(i, length);
                    batch.checksum(i, PoolFixture.crc(block));
                }
                pool.commit(ns, batch);
                for (int i = 0; i < batch.size(); i++)
                {
                    if (batch.status(i) != Status.OK)
                    {
                        throw new IllegalStateException("commit failed: " + Status.name(batch.status(i)));
                    }
                    lines.append(key + i).append(' ').append(batch.checksum(i)).append(' ')
                        .append(batch.length(i)).append('\n');
                }
                Files.writeString(journal, lines, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
                committed += batch.size();
                key += batch.size();
                // Keep two writers mid-write at all times: reserved, half written, never committed.
                dangling.clear();
                dangling.addKey(PoolFixture.key(key++));
                dangling.addKey(PoolFixture.key(key++));
                pool.reserve(ns, dangling);
                for (int i = 0; i < dangling.size(); i++)
                {
                    PoolFixture.fill(pool.region().segment().asSlice(dangling.offset(i), BLOCK_BYTES / 2), -1);
                }
            }
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
