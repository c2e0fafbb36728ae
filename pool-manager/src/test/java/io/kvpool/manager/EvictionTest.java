package io.kvpool.manager;

import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.stream.LongStream;

import static io.kvpool.manager.PoolFixture.MIB;
import static io.kvpool.manager.PoolFixture.batchOf;
import static io.kvpool.manager.PoolFixture.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvictionTest
{
    /** 2 MiB slabs of 64 KiB blocks. */
    private static final int BLOCKS_PER_SLAB = 32;

    private final PoolFixture fixture = new PoolFixture();

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldEvictOldestUnreferencedBlocksWhenNamespaceIsAtItsMaximum()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 1).id();
            for (long key = 0; key < BLOCKS_PER_SLAB; key++)
            {
                put(pool, ns, key, 100);
            }
            assertEquals(1, pool.lookup(ns, batchOf(0)), "key 0 is referenced, so it gets a second chance");
            for (long key = BLOCKS_PER_SLAB; key < BLOCKS_PER_SLAB + 8; key++)
            {
                put(pool, ns, key, 100);
            }
            assertEquals(1, present(pool, ns, 0));
            for (long key = 1; key <= 8; key++)
            {
                assertEquals(0, present(pool, ns, key), "key " + key + " is among the oldest and is evicted");
            }
            for (long key = 9; key < BLOCKS_PER_SLAB + 8; key++)
            {
                assertEquals(1, present(pool, ns, key), "key " + key + " survives");
            }
            final PoolStats.Namespace stats = pool.stats().namespaces().getFirst();
            assertEquals(8, stats.evictions());
            assertEquals(1, stats.slabs());
            assertEquals(BLOCKS_PER_SLAB, stats.sealedBlocks());
        }
    }

    @Test
    void shouldNeverEvictPinnedBlocksAndRefuseAtOnceWhenAllArePinned()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 1).id();
            final BlockBatch pins = new BlockBatch();
            for (long key = 0; key < BLOCKS_PER_SLAB; key++)
            {
                put(pool, ns, key, 100);
                pins.addKey(PoolFixture.key(key));
            }
            assertEquals(BLOCKS_PER_SLAB, pool.pin(ns, pins));
            final BlockBatch more = batchOf(100, 101);
            assertEquals(0, pool.reserve(ns, more));
            assertEquals(Status.INSUFFICIENT_CAPACITY, more.status(0));
            assertEquals(Status.INSUFFICIENT_CAPACITY, more.status(1));
            assertEquals(2, pool.stats().namespaces().getFirst().capacityRejections());
            assertEquals(BLOCKS_PER_SLAB, pool.longestPrefix(ns, pins));

            final BlockBatch one = new BlockBatch();
            one.addKey(pins.key(5));
            one.pinId(0, pins.pinId(5));
            assertEquals(1, pool.unpin(ns, one));
            assertEquals(1, pool.reserve(ns, batchOf(100)));
            assertEquals(0, present(pool, ns, 5), "the only unpinned block was the victim");
        }
    }

    @Test
    void shouldNeverEvictBlocksBeingWritten()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 1).id();
            final BlockBatch writing = new BlockBatch();
            LongStream.range(0, BLOCKS_PER_SLAB).forEach(key -> writing.addKey(PoolFixture.key(key)));
            assertEquals(BLOCKS_PER_SLAB, pool.reserve(ns, writing));
            final BlockBatch more = batchOf(1000);
            assertEquals(0, pool.reserve(ns, more));
            assertEquals(Status.INSUFFICIENT_CAPACITY, more.status(0));
            assertEquals(BLOCKS_PER_SLAB, pool.stats().openReservations());
        }
    }

    @Test
    void shouldGiveSlabsOfFullNamespaceToNewOneButKeepItsGuarantee()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int slabs = pool.geometry().slabCount();
            final int big = pool.createNamespace("big", 64 * 1024, 2, slabs).id();
            for (long key = 0; key < (long)slabs * BLOCKS_PER_SLAB; key++)
            {
                put(pool, big, key, 10);
            }
            assertEquals(slabs, pool.stats().namespaces().getFirst().slabs());
            assertEquals(0, pool.stats().freeSlabs());

            final int small = pool.createNamespace("small", 128 * 1024, 0, slabs).id();
            for (long key = 0; key < (long)slabs * 16; key++)
            {
                put(pool, small, 1_000_000 + key, 10);
            }
            final PoolStats stats = pool.stats();
            assertEquals(2, stats.namespaces().get(0).slabs(), "big keeps exactly its guarantee");
            assertEquals(slabs - 2, stats.namespaces().get(1).slabs());
            assertEquals(slabs - 2, stats.namespaces().get(0).slabsSurrendered());
            assertTrue(stats.namespaces().get(0).evictions() >= (long)(slabs - 2) * BLOCKS_PER_SLAB);
        }
    }

    @Test
    void shouldTakeSlabFromColdestNamespace()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int slabs = pool.geometry().slabCount();
            final int hot = pool.createNamespace("hot", 64 * 1024, 0, slabs).id();
            final int cold = pool.createNamespace("cold", 64 * 1024, 0, slabs).id();
            final int half = slabs / 2;
            for (long key = 0; key < (long)half * BLOCKS_PER_SLAB; key++)
            {
                put(pool, cold, 1_000_000 + key, 10);
            }
            for (long key = 0; key < (long)(slabs - half) * BLOCKS_PER_SLAB; key++)
            {
                put(pool, hot, key, 10);
            }
            final BlockBatch reads = new BlockBatch();
            for (long key = 0; key < (long)(slabs - half) * BLOCKS_PER_SLAB && key < BlockBatch.MAX_KEYS; key++)
            {
                reads.addKey(PoolFixture.key(key));
            }
            pool.lookup(hot, reads);

            final int third = pool.createNamespace("third", 64 * 1024, 0, slabs).id();
            put(pool, third, 5_000_000, 10);
            final PoolStats stats = pool.stats();
            assertEquals(slabs - half, stats.namespaces().get(0).slabs(), "the hot namespace keeps its slabs");
            assertEquals(half - 1, stats.namespaces().get(1).slabs(), "the cold namespace gives one up");
            assertEquals(1, stats.namespaces().get(2).slabs());
        }
    }

    private static int present(final PoolCore pool, final int ns, final long key)
    {
        return pool.longestPrefix(ns, batchOf(key));
    }
}
