package io.kvpool.manager;

import io.kvpool.manager.internal.BlockAllocator;
import io.kvpool.manager.internal.LeaseTable;
import io.kvpool.manager.internal.NamespaceState;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;

import java.lang.foreign.MemorySegment;
import java.util.function.LongSupplier;

/**
 * Enforces leases for {@link PoolCore}: checks that a reservation or pin named by a request is live (changing
 * nothing), and reclaims lapsed ones in bulk. A lapsed reservation's block is
 * freed and its index entry removed; a lapsed pin's count is released. Not thread-safe: the manager's thread.
 */
final class LeaseKeeper implements LeaseTable.ExpiryHandler
{
    private final MemorySegment segment;
    private final RegionGeometry geometry;
    private final BlockAllocator allocator;
    private final LeaseTable leases;
    private final LongSupplier nanoClock;

    LeaseKeeper(
        final MemorySegment segment, final RegionGeometry geometry, final BlockAllocator allocator,
        final LeaseTable leases, final LongSupplier nanoClock)
    {
        this.segment = segment;
        this.geometry = geometry;
        this.allocator = allocator;
        this.leases = leases;
        this.nanoClock = nanoClock;
    }

    /**
     * @return number of lapsed leases reclaimed.
     */
    int reapExpired()
    {
        final long nowNs = nanoClock.getAsLong();
        return leases.mayHaveExpired(nowNs) ? leases.collectExpired(nowNs, this) : 0;
    }

    @Override
    public void reservationExpired(final int block)
    {
        final NamespaceState namespace = allocator.ownerOf(block);
        final long generation = BlockTableDescriptor.generation(
            BlockTableDescriptor.stampAcquire(segment, geometry.blockEntryOffset(block)));
        allocator.discard(block);
        leases.endReservation(block, generation);
        namespace.recordLeaseExpiry();
    }

    @Override
    public void pinExpired(final int slot)
    {
        final int block = leases.pinBlock(slot);
        addPins(block, -1);
        leases.endPin(slot, true);
        allocator.ownerOf(block).recordLeaseExpiry();
    }

    /**
     * A check only: it changes nothing (a lapsed reservation is freed by {@link #reapExpired}).
     *
     * @return {@link Status#OK} when (block, generation) is an open reservation of the namespace within its lease;
     *         else {@link Status#LEASE_EXPIRED} or {@link Status#UNKNOWN_RESERVATION}.
     */
    int checkReservation(final NamespaceState namespace, final long block, final long generation)
    {
        if (!allocator.belongsTo(block, namespace))
        {
            return Status.UNKNOWN_RESERVATION;
        }
        final long entry = geometry.blockEntryOffset(block);
        if (BlockTableDescriptor.stampAcquire(segment, entry) !=
            BlockTableDescriptor.stamp(generation, BlockTableDescriptor.WRITING))
        {
            return leases.reservationExpired((int)block, generation) ? Status.LEASE_EXPIRED :
                Status.UNKNOWN_RESERVATION;
        }
        if (leases.reservationDeadline((int)block) - nanoClock.getAsLong() <= 0)
        {
            // Lapsed since this operation's reap: the next reap frees it (every operation reaps first).
            return Status.LEASE_EXPIRED;
        }
        return Status.OK;
    }

    /**
     * Checks entry {@code i}'s pin id and sets its status: {@link Status#OK}, {@link Status#LEASE_EXPIRED} or
     * {@link Status#UNKNOWN_PIN}. A check only: a lapsed pin is released by {@link #reapExpired}.
     *
     * @return the pin's slot, or -1 when it is not live.
     */
    int livePin(final NamespaceState namespace, final BlockBatch batch, final int i)
    {
        final long pinId = batch.pinId(i);
        final int slot = leases.liveSlot(pinId);
        if (slot < 0 || allocator.ownerOf(leases.pinBlock(slot)) != namespace)
        {
            batch.status(i, slot < 0 && leases.pinExpired(pinId) ? Status.LEASE_EXPIRED : Status.UNKNOWN_PIN);
            return -1;
        }
        if (leases.pinDeadline(slot) - nanoClock.getAsLong() <= 0)
        {
            // Lapsed since this operation's reap: the next reap releases it.
            batch.status(i, Status.LEASE_EXPIRED);
            return -1;
        }
        batch.status(i, Status.OK);
        return slot;
    }

    /**
     * Adjusts a block's pin count in the block table.
     */
    void addPins(final int block, final int delta)
    {
        final long entry = geometry.blockEntryOffset(block);
        BlockTableDescriptor.pinCount(segment, entry, BlockTableDescriptor.pinCount(segment, entry) + delta);
    }
}
