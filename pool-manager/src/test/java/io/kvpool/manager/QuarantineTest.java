package io.kvpool.manager;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockProtocol;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;

import static io.kvpool.manager.PoolFixture.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The manager's half of the write protocol: a block freed while its writer may still be storing (an intent held)
 * is never handed out again until the intent is withdrawn, and its slab never moves to another namespace meanwhile.
 */
class QuarantineTest
{
    private static final long BLOCK = 256 * 1024;
    private final PoolFixture fixture = new PoolFixture();

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldKeepABlockFromReuseWhileItsLapsedWriterMayStillStore()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            // One 2 MiB slab of 8 blocks, all reserved by a writer that then stops in the middle of its copies.
            final int ns = pool.createNamespace("m", BLOCK, 0, 1).id();
            final BlockBatch late = keys(0, 8);
            assertEquals(8, pool.reserve(ns, late));
            final MemorySegment region = pool.region().segment();
            for (int i = 0; i < 3; i++)
            {
                assertEquals(Status.OK, BlockProtocol.beginWrite(region, entry(pool, late, i), late.generation(i)));
            }
            fixture.advanceSeconds(60);
            pool.reapExpired();
            assertEquals(3, namespace(pool).quarantinedBlocks(), "the three blocks with a writer mid-copy");
            assertEquals(8, namespace(pool).freeBlocks(), "FREE in the table, all eight");

            final BlockBatch second = keys(100, 8);
            assertEquals(5, pool.reserve(ns, second), "only the five blocks no writer holds");
            for (int i = 0; i < 8; i++)
            {
                final long block = second.blockIndex(i);
                if (second.status(i) == Status.OK)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        assertTrue(block != late.blockIndex(j), "quarantined block " + block + " handed out");
                    }
                }
                else
                {
                    assertEquals(Status.INSUFFICIENT_CAPACITY, second.status(i));
                }
            }
            // The stalled writer's next store finds its reservation gone and stores nothing.
            assertEquals(Status.UNKNOWN_RESERVATION, BlockProtocol.beginWrite(region, entry(pool, late, 4),
                late.generation(4)));

            // It finishes the copies it was in and withdraws: the blocks come back.
            for (int i = 0; i < 3; i++)
            {
                BlockProtocol.endWrite(region, entry(pool, late, i));
            }
            pool.reapExpired();
            assertEquals(0, namespace(pool).quarantinedBlocks());
            final BlockBatch third = keys(200, 3);
            assertEquals(3, pool.reserve(ns, third));
            assertEquals(Status.LEASE_EXPIRED, commitFirst(pool, ns, late), "the late writer's commit");
        }
    }

    @Test
    void shouldNotMoveASlabWhileAnyOfItsEntriesHoldsAnIntent()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(8 * MIB)))
        {
            final int slabs = pool.geometry().slabCount();
            final int small = pool.createNamespace("small", 64 * 1024, 0, slabs).id();
            final BlockBatch all = keys(0, 32 * slabs);
            assertEquals(32 * slabs, pool.reserve(small, all), "every block of every slab");
            final MemorySegment region = pool.region().segment();
            // A writer of the last block of the first slab stalls; everything else commits.
            final int stalled = 31;
            assertEquals(Status.OK, BlockProtocol.beginWrite(region, entry(pool, all, stalled),
                all.generation(stalled)));
            pool.commit(small, commitsOf(all, 100, IntStream.range(0, all.size()).filter(i -> i != stalled).toArray()));
            fixture.advanceSeconds(60);
            pool.reapExpired();
            assertEquals(1, namespace(pool).quarantinedBlocks());

            // A namespace of 1 MiB blocks wants slabs: it may take every slab but the one with the stalled writer,
            // whose bytes would land inside its blocks.
            final int large = pool.createNamespace("large", MIB, 0, slabs).id();
            final long stalledSlab = all.blockIndex(stalled) / pool.geometry().maxBlocksPerSlab();
            final BlockBatch big = keys(1000, 2 * slabs);
            final int reserved = pool.reserve(large, big);
            assertEquals(2 * (slabs - 1), reserved, "two 1 MiB blocks in each slab but the quarantined one");
            for (int i = 0; i < big.size(); i++)
            {
                if (big.status(i) == Status.OK)
                {
                    assertTrue(big.blockIndex(i) / pool.geometry().maxBlocksPerSlab() != stalledSlab,
                        "the stalled writer's slab moved");
                }
            }
        }
    }

    @Test
    void shouldQuarantineWritingBlocksWithAnIntentWhenRecovering()
    {
        final long block;
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", BLOCK, 0, 1).id();
            final BlockBatch reserved = keys(0, 2);
            assertEquals(2, pool.reserve(ns, reserved));
            block = reserved.blockIndex(0);
            assertEquals(Status.OK, BlockProtocol.beginWrite(pool.region().segment(), entry(pool, reserved, 0),
                reserved.generation(0)));
        }
        // (Closing frees open reservations as lapsed ones, as recovery after a crash does.)
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            assertEquals(1, namespace(pool).quarantinedBlocks(), "the block whose writer may still store");
            final BlockBatch next = keys(10, 8);
            assertEquals(7, pool.reserve(pool.namespace("m").id(), next));
            for (int i = 0; i < next.size(); i++)
            {
                assertTrue(next.status(i) != Status.OK || next.blockIndex(i) != block, "quarantined block reused");
            }
            assertEquals(BlockTableDescriptor.CLIENT_WRITER,
                BlockTableDescriptor.writerIntent(pool.region().segment(), pool.geometry().blockEntryOffset(block)));
        }
    }

    @Test
    void shouldRefuseRatherThanReuseAnEvictedBlockWithAnIntentHeld()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", BLOCK, 0, 1).id();
            final BlockBatch sealed = keys(0, 8);
            assertEquals(8, pool.reserve(ns, sealed));
            assertEquals(8, pool.commit(ns, commitsOf(sealed, 10, 0, 1, 2, 3, 4, 5, 6, 7)));
            // Stale writers announcing themselves on every block (each about to find its reservation gone).
            final MemorySegment region = pool.region().segment();
            for (int i = 0; i < 8; i++)
            {
                BlockTableDescriptor.addWriterIntent(region, entry(pool, sealed, i), BlockTableDescriptor.CLIENT_WRITER);
            }
            final BlockBatch next = keys(100, 1);
            assertEquals(0, pool.reserve(ns, next), "the evicted block is quarantined, not handed out");
            assertEquals(Status.INSUFFICIENT_CAPACITY, next.status(0));
            for (int i = 0; i < 8; i++)
            {
                BlockTableDescriptor.addWriterIntent(region, entry(pool, sealed, i), -BlockTableDescriptor.CLIENT_WRITER);
            }
            pool.reapExpired();
            assertEquals(1, pool.reserve(ns, keys(200, 1)), "back in use once the intents are withdrawn");
        }
    }

    @Test
    void shouldHoldTheIntentOfAWriterItCannotStopUntilItCommitsOrItsSessionCloses()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", BLOCK, 0, 1).id();
            final long writer = 42;
            final BlockBatch rdma = keys(0, 8);
            assertEquals(8, pool.reserve(ns, rdma, writer));
            final MemorySegment region = pool.region().segment();
            assertEquals(BlockTableDescriptor.MANAGER_WRITER, BlockTableDescriptor.writerIntent(region,
                entry(pool, rdma, 0)), "held from the reservation on");
            assertEquals(Status.OK, commitFirst(pool, ns, rdma), "a commit in time");
            assertEquals(0, BlockTableDescriptor.writerIntent(region, entry(pool, rdma, 0)), "taken back at commit");

            // The other seven lapse: the writer may still post stores, so their blocks are not reused.
            fixture.advanceSeconds(60);
            pool.reapExpired();
            assertEquals(7, namespace(pool).quarantinedBlocks());
            final BlockBatch next = keys(100, 2);
            assertEquals(1, pool.reserve(ns, next), "only the sealed block, by eviction; the seven stay out");
            assertEquals(rdma.blockIndex(0), next.blockIndex(0));
            assertEquals(Status.INSUFFICIENT_CAPACITY, next.status(1));

            // A late commit says the writer is done with that reservation; the session's end ends the rest.
            final BlockBatch late = commitsOf(rdma, 10, 1);
            pool.commit(ns, late);
            assertEquals(Status.LEASE_EXPIRED, late.status(0));
            pool.reapExpired();
            assertEquals(6, namespace(pool).quarantinedBlocks());
            assertEquals(6, pool.releaseWriter(writer));
            pool.reapExpired();
            assertEquals(0, namespace(pool).quarantinedBlocks());
        }
    }

    private static PoolStats.Namespace namespace(final PoolCore pool)
    {
        return pool.stats().namespaces().getFirst();
    }

    private static long entry(final PoolCore pool, final BlockBatch batch, final int i)
    {
        return pool.geometry().blockEntryOffset(batch.blockIndex(i));
    }

    private static int commitFirst(final PoolCore pool, final int ns, final BlockBatch reserved)
    {
        final BlockBatch commit = commitsOf(reserved, 10, 0);
        pool.commit(ns, commit);
        return commit.status(0);
    }

    /**
     * @return a commit batch of the given entries of {@code reserved}: each key with its block, generation and
     *         {@code length} bytes.
     */
    private static BlockBatch commitsOf(final BlockBatch reserved, final int length, final int... entries)
    {
        final BlockBatch commits = new BlockBatch();
        for (final int i : entries)
        {
            final int c = commits.addKey(reserved.keyArray(), i * BlockBatch.KEY_BYTES);
            commits.blockIndex(c, reserved.blockIndex(i));
            commits.generation(c, reserved.generation(i));
            commits.length(c, length);
        }
        return commits;
    }

    private static BlockBatch keys(final long first, final int count)
    {
        final BlockBatch batch = new BlockBatch();
        for (int i = 0; i < count; i++)
        {
            batch.addKey(PoolFixture.key(first + i));
        }
        return batch;
    }
}
