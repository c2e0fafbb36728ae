package io.kvpool.manager;

import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static io.kvpool.manager.PoolFixture.MIB;
import static io.kvpool.manager.PoolFixture.batchOf;
import static io.kvpool.manager.PoolFixture.put;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoolCoreTest
{
    private final PoolFixture fixture = new PoolFixture();

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldReadBackCommittedBlockAtReportedLocation()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("llama", 64 * 1024, 0, 4).id();
            final int checksum = put(pool, ns, 7, 50_000);

            final BlockBatch batch = batchOf(7, 8);
            assertEquals(1, pool.lookup(ns, batch));
            assertEquals(Status.OK, batch.status(0));
            assertEquals(Status.NOT_FOUND, batch.status(1));
            assertEquals(50_000, batch.length(0));
            assertEquals(checksum, batch.checksum(0));
            final MemorySegment expected = MemorySegment.ofArray(new byte[50_000]);
            PoolFixture.fill(expected, 7);
            final MemorySegment stored = pool.region().segment().asSlice(batch.offset(0), 50_000);
            assertEquals(-1, stored.mismatch(expected));
        }
    }

    @Test
    void shouldCountLeadingKeysOnlyAndTouchNothing()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 4).id();
            put(pool, ns, 1, 100);
            put(pool, ns, 2, 100);
            put(pool, ns, 4, 100);
            final long tickBefore = pool.stats().accessTick();
            assertEquals(2, pool.longestPrefix(ns, batchOf(1, 2, 3, 4)));
            assertEquals(0, pool.longestPrefix(ns, batchOf(3, 1)));
            assertEquals(tickBefore, pool.stats().accessTick());
            assertEquals(0, pool.stats().namespaces().get(0).hits());
        }
    }

    @Test
    void shouldKeepOneCopyWhenKeyIsPutTwice()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 4).id();
            final BlockBatch first = batchOf(5);
            final BlockBatch second = batchOf(5);
            assertEquals(1, pool.reserve(ns, first));
            assertEquals(0, pool.reserve(ns, second));
            assertEquals(Status.WRITE_IN_PROGRESS, second.status(0));
            first.length(0, 10);
            assertEquals(1, pool.commit(ns, first));
            assertEquals(0, pool.reserve(ns, second));
            assertEquals(Status.ALREADY_EXISTS, second.status(0));
            assertEquals(1, pool.stats().namespaces().get(0).sealedBlocks());
            assertEquals(1, pool.stats().indexEntries());
        }
    }

    @Test
    void shouldReclaimReservationWhenLeaseLapses()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB).reservationLeaseNs(5_000_000_000L)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 4).id();
            final BlockBatch batch = batchOf(9);
            pool.reserve(ns, batch);
            fixture.advanceSeconds(3);
            assertEquals(1, pool.renewReservations(ns, batch));
            fixture.advanceSeconds(3);
            assertEquals(0, pool.reapExpired());
            fixture.advanceSeconds(3);
            assertEquals(1, pool.reapExpired());
            batch.length(0, 10);
            assertEquals(0, pool.commit(ns, batch));
            assertEquals(Status.LEASE_EXPIRED, batch.status(0));
            assertEquals(0, pool.stats().openReservations());
            assertEquals(0, pool.stats().indexEntries());
            assertEquals(1, pool.stats().namespaces().get(0).leaseExpiries());
            final BlockBatch again = batchOf(9);
            assertEquals(1, pool.reserve(ns, again));
        }
    }

    @Test
    void shouldReportLeaseExpiredOnCommitAfterDeadlineEvenBeforeReaping()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB).reservationLeaseNs(1_000_000_000L)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 4).id();
            final BlockBatch batch = batchOf(1, 2);
            pool.reserve(ns, batch);
            fixture.advanceSeconds(2);
            final BlockBatch commit = new BlockBatch();
            commit.addKey(batch.key(0));
            commit.blockIndex(0, batch.blockIndex(0));
            commit.generation(0, batch.generation(0));
            assertEquals(0, pool.commit(ns, commit));
            assertEquals(Status.LEASE_EXPIRED, commit.status(0));
            commit.blockIndex(0, batch.blockIndex(1));
            commit.generation(0, batch.generation(1) + 5);
            pool.commit(ns, commit);
            assertEquals(Status.UNKNOWN_RESERVATION, commit.status(0));
        }
    }

    @Test
    void shouldAbortReservationAndFreeItsBlock()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 4).id();
            final BlockBatch batch = batchOf(1, 2, 3);
            assertEquals(3, pool.reserve(ns, batch));
            assertEquals(3, pool.abort(ns, batch));
            assertEquals(0, pool.stats().namespaces().get(0).writingBlocks());
            assertEquals(0, pool.stats().indexEntries());
            assertEquals(0, pool.abort(ns, batch));
            assertEquals(Status.UNKNOWN_RESERVATION, batch.status(0));
        }
    }

    @Test
    void shouldRefuseRemovalOfPinnedBlockUntilUnpinned()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 4).id();
            put(pool, ns, 3, 64);
            final BlockBatch pins = batchOf(3);
            assertEquals(1, pool.pin(ns, pins));
            final BlockBatch removal = batchOf(3);
            assertEquals(0, pool.remove(ns, removal));
            assertEquals(Status.PINNED, removal.status(0));
            assertEquals(1, pool.unpin(ns, pins));
            assertEquals(0, pool.unpin(ns, pins));
            assertEquals(Status.UNKNOWN_PIN, pins.status(0));
            assertEquals(1, pool.remove(ns, removal));
            assertEquals(0, pool.lookup(ns, batchOf(3)));
        }
    }

    @Test
    void shouldReleaseLapsedPinAndSayLeaseExpired()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB).pinLeaseNs(2_000_000_000L)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 4).id();
            put(pool, ns, 3, 64);
            final BlockBatch pins = batchOf(3);
            pool.pin(ns, pins);
            fixture.advanceSeconds(1);
            assertEquals(1, pool.renewPins(ns, pins));
            fixture.advanceSeconds(3);
            assertEquals(1, pool.reapExpired());
            assertEquals(0, pool.stats().activePins());
            assertEquals(0, pool.unpin(ns, pins));
            assertEquals(Status.LEASE_EXPIRED, pins.status(0));
            assertEquals(1, pool.remove(ns, batchOf(3)));
        }
    }

    @Test
    void shouldRefuseCommitLongerThanBlock()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 4).id();
            final BlockBatch batch = batchOf(1);
            pool.reserve(ns, batch);
            batch.length(0, 64 * 1024 + 1);
            assertEquals(0, pool.commit(ns, batch));
            assertEquals(Status.INVALID_LENGTH, batch.status(0));
            batch.length(0, 64 * 1024);
            assertEquals(1, pool.commit(ns, batch));
        }
    }

    @Test
    void shouldRejectConflictingNamespaceAndReturnExistingForSameLayout()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final NamespaceInfo first = pool.createNamespace("m", 64 * 1024, 1, 4);
            assertEquals(first, pool.createNamespace("m", 64 * 1024, 1, 4));
            final PoolException conflict =
                assertThrows(PoolException.class, () -> pool.createNamespace("m", 128 * 1024, 1, 4));
            assertEquals(ErrorCode.NAMESPACE_CONFLICT, conflict.errorCode());
            final PoolException tooSmall =
                assertThrows(PoolException.class, () -> pool.createNamespace("n", 1024, 0, 4));
            assertEquals(ErrorCode.NAMESPACE_INVALID, tooSmall.errorCode());
            final int slabs = pool.geometry().slabCount();
            final PoolException overcommitted =
                assertThrows(PoolException.class, () -> pool.createNamespace("o", 64 * 1024, slabs, slabs));
            assertEquals(ErrorCode.QUOTA_OVERCOMMITTED, overcommitted.errorCode());
            assertTrue(overcommitted.getMessage().contains("slabCount=" + slabs));
        }
    }

    @Test
    void shouldKeepNamespacesAndBlocksAcrossCleanReopen()
    {
        final int checksum;
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("kept", 64 * 1024, 0, 4).id();
            checksum = put(pool, ns, 11, 4000);
        }
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            assertTrue(pool.recoveryReport().cleanShutdown());
            assertEquals(2, pool.recoveryReport().managerEpoch());
            final int ns = pool.namespace("kept").id();
            final BlockBatch batch = batchOf(11);
            assertEquals(1, pool.lookup(ns, batch));
            assertEquals(checksum, batch.checksum(0));
            assertEquals(checksum, PoolFixture.crc(pool.region().segment().asSlice(batch.offset(0), 4000)));
            assertArrayEquals(PoolFixture.key(11), batch.key(0));
        }
    }

    @Test
    void shouldRejectSecondManagerOnSameRegion()
    {
        try (PoolCore first = PoolCore.open(fixture.context(16 * MIB)))
        {
            assertTrue(first.recoveryReport().formatted());
            final PoolException ex = assertThrows(PoolException.class, () -> PoolCore.open(fixture.context(16 * MIB)));
            assertEquals(ErrorCode.REGION_MAP_FAILED, ex.errorCode());
            assertTrue(ex.getMessage().contains("another manager"));
        }
    }
}
