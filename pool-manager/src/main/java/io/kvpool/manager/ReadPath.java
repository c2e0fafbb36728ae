package io.kvpool.manager;

import io.kvpool.manager.internal.BlockAllocator;
import io.kvpool.manager.internal.BlockIndex;
import io.kvpool.manager.internal.LeaseTable;
import io.kvpool.manager.internal.NamespaceState;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;

import java.lang.foreign.MemorySegment;
import java.util.function.LongSupplier;

/**
 * {@link PoolCore}'s reads: lookups, the two probes (contains, longest prefix) and read pins. Each method gets a
 * namespace {@link PoolCore} has already checked and reaped expired leases for; statuses are as {@link PoolCore}'s
 * public methods document. Not thread-safe: the manager's thread.
 */
final class ReadPath
{
    private final PoolContext context;
    private final MemorySegment segment;
    private final RegionGeometry geometry;
    private final BlockIndex index;
    private final BlockAllocator allocator;
    private final LeaseTable leases;
    private final LeaseKeeper leaseKeeper;
    private final LongSupplier nanoClock;

    ReadPath(
        final PoolContext context, final MemorySegment segment, final RegionGeometry geometry, final BlockIndex index,
        final BlockAllocator allocator, final LeaseTable leases, final LeaseKeeper leaseKeeper)
    {
        this.context = context;
        this.segment = segment;
        this.geometry = geometry;
        this.index = index;
        this.allocator = allocator;
        this.leases = leases;
        this.leaseKeeper = leaseKeeper;
        this.nanoClock = context.nanoClock();
    }

    int lookup(final NamespaceState namespace, final BlockBatch batch)
    {
        return serveHits(namespace, batch, false, 0);
    }

    void noteKeyedRead(final NamespaceState namespace, final long block, final long generation)
    {
        if (block < 0)
        {
            namespace.recordMiss();
        }
        else if (block < geometry.blockTableEntries() && sealedWith(block, generation))
        {
            allocator.touch((int)block);
            namespace.recordHit();
        }
    }

    int contains(final NamespaceState namespace, final BlockBatch batch)
    {
        final byte[] keys = batch.keyArray();
        int present = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final boolean found = sealedBlock(namespace, keys, i) >= 0;
            batch.status(i, found ? Status.OK : Status.NOT_FOUND);
            present += found ? 1 : 0;
        }
        return present;
    }

    int longestPrefix(final NamespaceState namespace, final BlockBatch batch)
    {
        final byte[] keys = batch.keyArray();
        for (int i = 0; i < batch.size(); i++)
        {
            if (sealedBlock(namespace, keys, i) < 0)
            {
                batch.status(i, Status.NOT_FOUND);
                return i;
            }
            batch.status(i, Status.OK);
        }
        return batch.size();
    }

    int pin(final NamespaceState namespace, final BlockBatch batch)
    {
        return serveHits(namespace, batch, true, nanoClock.getAsLong() + context.pinLeaseNs());
    }

    int unpin(final NamespaceState namespace, final BlockBatch batch)
    {
        int released = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final int slot = leaseKeeper.livePin(namespace, batch, i);
            if (slot >= 0)
            {
                leaseKeeper.addPins(leases.pinBlock(slot), -1);
                leases.endPin(slot, false);
                released++;
            }
        }
        return released;
    }

    int renewPins(final NamespaceState namespace, final BlockBatch batch)
    {
        final long deadlineNs = nanoClock.getAsLong() + context.pinLeaseNs();
        int renewed = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final int slot = leaseKeeper.livePin(namespace, batch, i);
            if (slot >= 0)
            {
                leases.renewPin(slot, deadlineNs);
                renewed++;
            }
        }
        return renewed;
    }

    /**
     * The loop lookup and pin share: per key its sealed block or a miss; a hit is pinned when asked (a full pin table
     * leaves it unserved, {@link Status#PIN_CAPACITY_EXHAUSTED}), then gets its location filled, is touched for
     * eviction and counted.
     *
     * @param pin           whether each hit is pinned (pin) or only reported (lookup).
     * @param pinDeadlineNs the pins' lease deadline.
     * @return hits served.
     */
    private int serveHits(
        final NamespaceState namespace, final BlockBatch batch, final boolean pin, final long pinDeadlineNs)
    {
        final byte[] keys = batch.keyArray();
        int served = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final int block = sealedBlock(namespace, keys, i);
            if (block < 0)
            {
                batch.status(i, Status.NOT_FOUND);
                namespace.recordMiss();
                continue;
            }
            final long generation = index.lastGeneration();
            if (pin)
            {
                final long pinId = leases.pin(block, generation, pinDeadlineNs);
                if (pinId < 0)
                {
                    batch.status(i, Status.PIN_CAPACITY_EXHAUSTED);
                    continue;
                }
                leaseKeeper.addPins(block, 1);
                batch.pinId(i, pinId);
            }
            fillLocation(batch, i, namespace, block, generation);
            allocator.touch(block);
            namespace.recordHit();
            served++;
        }
        return served;
    }

    private int sealedBlock(final NamespaceState namespace, final byte[] keys, final int i)
    {
        final long block = index.get(namespace.id(), keys, i * BlockBatch.KEY_BYTES);
        return block >= 0 && sealedWith(block, index.lastGeneration()) ? (int)block : -1;
    }

    /** @return whether the block is SEALED with that generation now. */
    private boolean sealedWith(final long block, final long generation)
    {
        return BlockTableDescriptor.stampAcquire(segment, geometry.blockEntryOffset(block)) ==
            BlockTableDescriptor.stamp(generation, BlockTableDescriptor.SEALED);
    }

    private void fillLocation(
        final BlockBatch batch, final int i, final NamespaceState namespace, final int block, final long generation)
    {
        final long entry = geometry.blockEntryOffset(block);
        batch.status(i, Status.OK);
        batch.blockIndex(i, block);
        batch.generation(i, generation);
        batch.offset(i, geometry.blockDataOffset(block, namespace.blockSizeBytes()));
        batch.length(i, BlockTableDescriptor.payloadLengthBytes(segment, entry));
        batch.checksum(i, BlockTableDescriptor.checksum(segment, entry));
    }
}
