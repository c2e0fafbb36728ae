package io.kvpool.manager;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static io.kvpool.manager.PoolFixture.MIB;
import static io.kvpool.manager.PoolFixture.batchOf;
import static io.kvpool.manager.PoolFixture.put;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Blocks granted ahead of their keys: written like reservations, sealed only by a keyed commit that indexes the key
 * (or frees the block where the key is already there), and treated as reservations by every other path (lapse,
 * abort).
 */
class GrantTest
{
    private static final int BLOCK_BYTES = 64 * 1024;

    private final PoolFixture fixture = new PoolFixture();

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldSealGrantedBlocksUnderTheKeysTheirCommitNames()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("g", BLOCK_BYTES, 0, 4).id();
            final BlockBatch grants = grants(3);
            assertEquals(3, pool.grant(ns, grants, 0));
            assertEquals(0, pool.stats().indexEntries(), "a grant indexes nothing");
            assertEquals(3, figures(pool).writingBlocks());

            final BlockBatch commit = keyedCommit(pool, grants, new long[] {10, 11, 12}, 1000);
            assertEquals(3, pool.commitKeyed(ns, commit));
            for (int i = 0; i < 3; i++)
            {
                assertEquals(Status.OK, commit.status(i));
            }
            final BlockBatch found = batchOf(10, 11, 12);
            assertEquals(3, pool.lookup(ns, found));
            for (int i = 0; i < 3; i++)
            {
                assertEquals(grants.blockIndex(i), found.blockIndex(i));
                assertEquals(1000 + i, found.length(i));
                assertEquals(PoolFixture.crc(block(pool, grants, i).asSlice(0, 1000 + i)), found.checksum(i));
            }
            assertEquals(3, figures(pool).sealedBlocks());
            assertEquals(0, figures(pool).writingBlocks());
        }
    }

    @Test
    void shouldFreeAGrantedBlockWhoseKeyIsAlreadyThere()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("g", BLOCK_BYTES, 0, 4).id();
            final int stored = put(pool, ns, 20, 500);
            final BlockBatch reserved = batchOf(21);
            assertEquals(1, pool.reserve(ns, reserved));
            final long freeBefore = figures(pool).freeBlocks();

            final BlockBatch grants = grants(2);
            assertEquals(2, pool.grant(ns, grants, 0));
            final BlockBatch commit = keyedCommit(pool, grants, new long[] {20, 21}, 700);
            assertEquals(0, pool.commitKeyed(ns, commit));
            assertEquals(Status.ALREADY_EXISTS, commit.status(0));
            assertEquals(Status.WRITE_IN_PROGRESS, commit.status(1));
            assertEquals(freeBefore, figures(pool).freeBlocks(), "both granted blocks are free again");
            final BlockBatch found = batchOf(20);
            assertEquals(1, pool.lookup(ns, found));
            assertEquals(500, found.length(0), "the stored block is untouched");
            assertEquals(stored, found.checksum(0));
        }
    }

    @Test
    void shouldSealAGrantOnlyWithAKeyAndAReservationOnlyWithout()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("g", BLOCK_BYTES, 0, 4).id();
            final BlockBatch grants = grants(1);
            pool.grant(ns, grants, 0);
            final BlockBatch plain = keyedCommit(pool, grants, new long[] {30}, 100);
            assertEquals(0, pool.commit(ns, plain));
            assertEquals(Status.UNKNOWN_RESERVATION, plain.status(0), "a grant needs its key");

            final BlockBatch reserved = batchOf(31);
            pool.reserve(ns, reserved);
            final BlockBatch keyed = keyedCommit(pool, reserved, new long[] {32}, 100);
            assertEquals(0, pool.commitKeyed(ns, keyed));
            assertEquals(Status.UNKNOWN_RESERVATION, keyed.status(0), "a reservation has its key already");
            assertEquals(0, pool.contains(ns, batchOf(32)));

            final BlockBatch tooLong = keyedCommit(pool, grants, new long[] {30}, 100);
            tooLong.length(0, BLOCK_BYTES + 1);
            assertEquals(0, pool.commitKeyed(ns, tooLong));
            assertEquals(Status.INVALID_LENGTH, tooLong.status(0));
            final BlockBatch right = keyedCommit(pool, grants, new long[] {30}, 100);
            assertEquals(1, pool.commitKeyed(ns, right), "the grant stayed open for a commit that gets it right");
            assertEquals(1, pool.contains(ns, batchOf(30)));
        }
    }

    @Test
    void shouldLetALapsedGrantGoLikeAReservation()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB).reservationLeaseNs(1_000_000_000L)))
        {
            final int ns = pool.createNamespace("g", BLOCK_BYTES, 0, 4).id();
            final long freeBefore = figures(pool).freeBlocks();
            final BlockBatch grants = grants(2);
            assertEquals(2, pool.grant(ns, grants, 0));
            fixture.advanceSeconds(2);
            assertEquals(2, pool.reapExpired());
            final BlockBatch commit = keyedCommit(pool, grants, new long[] {40, 41}, 100);
            assertEquals(0, pool.commitKeyed(ns, commit));
            assertEquals(Status.LEASE_EXPIRED, commit.status(0));
            assertEquals(0, pool.stats().indexEntries());
            assertEquals(0, pool.stats().openReservations());
            assertEquals(0, figures(pool).writingBlocks());

            final BlockBatch more = grants(1);
            pool.grant(ns, more, 0);
            final BlockBatch abort = new BlockBatch();
            abort.addZeroKey();
            abort.blockIndex(0, more.blockIndex(0));
            abort.generation(0, more.generation(0));
            assertEquals(1, pool.abort(ns, abort));
            assertEquals(0, figures(pool).writingBlocks());
            assertEquals(0, pool.stats().indexEntries());
        }
    }

    private static BlockBatch grants(final int count)
    {
        final BlockBatch batch = new BlockBatch();
        for (int i = 0; i < count; i++)
        {
            batch.addZeroKey();
        }
        return batch;
    }

    private static MemorySegment block(final PoolCore pool, final BlockBatch granted, final int i)
    {
        return pool.region().segment().asSlice(granted.offset(i), BLOCK_BYTES);
    }

    /**
     * Writes {@code length + i} bytes into each granted block and returns its keyed commit under {@code keys}.
     */
    private static BlockBatch keyedCommit(
        final PoolCore pool, final BlockBatch granted, final long[] keys, final int length)
    {
        final BlockBatch commit = new BlockBatch();
        for (int i = 0; i < keys.length; i++)
        {
            final MemorySegment bytes = block(pool, granted, i).asSlice(0, length + i);
            PoolFixture.fill(bytes, keys[i]);
            commit.addKey(PoolFixture.key(keys[i]));
            commit.blockIndex(i, granted.blockIndex(i));
            commit.generation(i, granted.generation(i));
            commit.length(i, length + i);
            commit.checksum(i, PoolFixture.crc(bytes));
        }
        return commit;
    }

    private static PoolStats.Namespace figures(final PoolCore pool)
    {
        return pool.stats().namespaces().getFirst();
    }
}
