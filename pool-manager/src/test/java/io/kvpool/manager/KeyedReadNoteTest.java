package io.kvpool.manager;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.kvpool.manager.PoolFixture.MIB;
import static io.kvpool.manager.PoolFixture.batchOf;
import static io.kvpool.manager.PoolFixture.put;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A read a data agent served by key (DATA_READ_KEYS) counts as a lookup would have: the block is touched for
 * eviction (a second chance, as {@link EvictionTest} shows for lookups) and a hit is counted — but only while the
 * block is still sealed with the generation that was read; a miss counts as a miss; a namespace that is gone is
 * ignored.
 */
class KeyedReadNoteTest
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
    void shouldGiveABlockReadByKeyTheSecondChanceALookupGives()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 1).id();
            final long[] first = putFirst(pool, ns);
            final PoolStats.Namespace before = pool.stats().namespaces().getFirst();
            pool.noteKeyedRead(ns, first[0], first[1]);
            pool.noteKeyedRead(ns, -1, 0);
            pool.noteKeyedRead(ns + 7, first[0], first[1]);
            final PoolStats.Namespace after = pool.stats().namespaces().getFirst();
            assertEquals(1, after.hits() - before.hits());
            assertEquals(1, after.misses() - before.misses());

            for (long key = BLOCKS_PER_SLAB; key < BLOCKS_PER_SLAB + 8; key++)
            {
                put(pool, ns, key, 100);
            }
            assertEquals(1, pool.contains(ns, batchOf(0)), "key 0 was read: it gets a second chance");
            assertEquals(0, pool.contains(ns, batchOf(1)), "key 1 is the oldest unread block");
        }
    }

    @Test
    void shouldNeitherTouchNorCountABlockThatChangedSinceItWasRead()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 1).id();
            final long[] first = putFirst(pool, ns);
            final PoolStats.Namespace before = pool.stats().namespaces().getFirst();
            pool.noteKeyedRead(ns, first[0], first[1] + 1);
            assertEquals(before.hits(), pool.stats().namespaces().getFirst().hits());

            for (long key = BLOCKS_PER_SLAB; key < BLOCKS_PER_SLAB + 8; key++)
            {
                put(pool, ns, key, 100);
            }
            assertEquals(0, pool.contains(ns, batchOf(0)), "untouched, key 0 is the oldest and goes first");
        }
    }

    /**
     * Fills the namespace's one slab with keys 0 to 31, key 0 first.
     *
     * @return key 0's block index and generation.
     */
    private static long[] putFirst(final PoolCore pool, final int ns)
    {
        final BlockBatch batch = batchOf(0);
        pool.reserve(ns, batch);
        assertEquals(Status.OK, batch.status(0));
        batch.length(0, 100);
        batch.checksum(0, PoolFixture.crc(pool.region().segment().asSlice(batch.offset(0), 100)));
        pool.commit(ns, batch);
        assertEquals(Status.OK, batch.status(0));
        for (long key = 1; key < BLOCKS_PER_SLAB; key++)
        {
            put(pool, ns, key, 100);
        }
        return new long[] {batch.blockIndex(0), batch.generation(0)};
    }
}
