package io.kvpool.manager;

import io.kvpool.manager.internal.BlockAllocator;
import io.kvpool.manager.internal.BlockIndex;
import io.kvpool.manager.internal.HeldIntents;
import io.kvpool.manager.internal.LeaseTable;
import io.kvpool.manager.internal.NamespaceState;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;

import java.lang.foreign.MemorySegment;

/**
 * {@link PoolCore}'s two-phase write: reserve (FREE -> WRITING under a lease), commit (SEALED, indexed), abort, and
 * lease renewal. Each method gets a namespace {@link PoolCore} has already checked and reaped expired leases for;
 * statuses are as {@link PoolCore}'s public methods document. Not thread-safe: the manager's thread.
 */
final class WritePath
{
    /** Bit 31 of a COMMIT entry's length: the manager computes the payload's CRC32C (wire-protocol.md). */
    static final int COMPUTE_CHECKSUM = 1 << 31;

    private final PoolContext context;
    private final MemorySegment segment;
    private final RegionGeometry geometry;
    private final BlockIndex index;
    private final BlockAllocator allocator;
    private final LeaseTable leases;
    private final LeaseKeeper leaseKeeper;
    private final HeldIntents heldIntents;

    WritePath(
        final PoolContext context, final MemorySegment segment, final RegionGeometry geometry, final BlockIndex index,
        final BlockAllocator allocator, final LeaseTable leases, final LeaseKeeper leaseKeeper,
        final HeldIntents heldIntents)
    {
        this.heldIntents = heldIntents;
        this.context = context;
        this.segment = segment;
        this.geometry = geometry;
        this.index = index;
        this.allocator = allocator;
        this.leases = leases;
        this.leaseKeeper = leaseKeeper;
    }

    /**
     * @param writer the id of a writer the manager cannot stop (one-sided RDMA), for whom it holds the reserved
     *               blocks' intents ({@link HeldIntents}); 0 for writers that announce their own stores.
     */
    int reserve(final NamespaceState namespace, final BlockBatch batch, final long writer)
    {
        final long deadlineNs = context.nanoClock().getAsLong() + context.reservationLeaseNs();
        final byte[] keys = batch.keyArray();
        int reserved = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final int keyOffset = i * BlockBatch.KEY_BYTES;
            final long indexed = index.get(namespace.id(), keys, keyOffset);
            if (indexed >= 0)
            {
                final long stamp = BlockTableDescriptor.stampAcquire(segment, geometry.blockEntryOffset(indexed));
                if (BlockTableDescriptor.generation(stamp) == index.lastGeneration())
                {
                    batch.status(i, BlockTableDescriptor.state(stamp) == BlockTableDescriptor.SEALED ?
                        Status.ALREADY_EXISTS : Status.WRITE_IN_PROGRESS);
                    continue;
                }
            }
            final int block = allocator.reserve(namespace, keys, keyOffset);
            if (block < 0)
            {
                batch.status(i, Status.INSUFFICIENT_CAPACITY);
                continue;
            }
            final long generation = allocator.reservedGeneration();
            index.put(namespace.id(), keys, keyOffset, block, generation);
            leases.reserve(block, deadlineNs);
            if (writer != 0)
            {
                heldIntents.hold(block, generation, writer);
            }
            batch.status(i, Status.OK);
            batch.blockIndex(i, block);
            batch.generation(i, generation);
            batch.offset(i, geometry.blockDataOffset(block, namespace.blockSizeBytes()));
            batch.length(i, (int)namespace.blockSizeBytes());
            reserved++;
        }
        return reserved;
    }


    int commit(final NamespaceState namespace, final BlockBatch batch)
    {
        int sealed = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final int status = leaseKeeper.checkReservation(namespace, batch.blockIndex(i), batch.generation(i));
            if (status != Status.OK)
            {
                // A late commit: its writer has finished storing, so an intent still held for it can go.
                withdrawIfOwner(namespace, batch, i);
                batch.status(i, status);
                continue;
            }
            // Bit 31 of the length: the writer could not compute the CRC32C (the Python client), the manager does.
            final boolean computeChecksum = (batch.length(i) & COMPUTE_CHECKSUM) != 0;
            final int length = batch.length(i) & ~COMPUTE_CHECKSUM;
            if (length > namespace.blockSizeBytes() || length < 0)
            {
                batch.status(i, Status.INVALID_LENGTH);
                continue;
            }
            final int block = (int)batch.blockIndex(i);
            final int checksum = computeChecksum ? Checksums.crc32c(segment.asSlice(
                geometry.blockDataOffset(block, namespace.blockSizeBytes()), length)) : batch.checksum(i);
            batch.length(i, length);
            batch.checksum(i, checksum);
            heldIntents.withdraw(block, batch.generation(i));
            allocator.seal(block, length, checksum);
            leases.endReservation(block, -1);
            batch.status(i, Status.OK);
            batch.offset(i, geometry.blockDataOffset(block, namespace.blockSizeBytes()));
            sealed++;
        }
        return sealed;
    }


    int abort(final NamespaceState namespace, final BlockBatch batch)
    {
        int aborted = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final int status = leaseKeeper.checkReservation(namespace, batch.blockIndex(i), batch.generation(i));
            batch.status(i, status);
            if (status != Status.OK)
            {
                withdrawIfOwner(namespace, batch, i);
            }
            else
            {
                final int block = (int)batch.blockIndex(i);
                heldIntents.withdraw(block, batch.generation(i));
                allocator.discard(block);
                leases.endReservation(block, -1);
                aborted++;
            }
        }
        return aborted;
    }


    int renewReservations(final NamespaceState namespace, final BlockBatch batch)
    {
        final long deadlineNs = context.nanoClock().getAsLong() + context.reservationLeaseNs();
        int renewed = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final int status = leaseKeeper.checkReservation(namespace, batch.blockIndex(i), batch.generation(i));
            batch.status(i, status);
            if (status == Status.OK)
            {
                leases.renewReservation((int)batch.blockIndex(i), deadlineNs);
                renewed++;
            }
        }
        return renewed;
    }


    private void withdrawIfOwner(final NamespaceState namespace, final BlockBatch batch, final int i)
    {
        // Only the namespace that reserved it may end the hold: its block's slab cannot have moved meanwhile (the
        // held intent keeps it), so ownership still says who reserved it.
        if (allocator.belongsTo(batch.blockIndex(i), namespace))
        {
            heldIntents.withdraw(batch.blockIndex(i), batch.generation(i));
        }
    }
}
