package io.kvpool.manager;

import io.kvpool.manager.internal.BlockAllocator;
import io.kvpool.manager.internal.BlockIndex;
import io.kvpool.manager.internal.HeldIntents;
import io.kvpool.manager.internal.LeaseTable;
import io.kvpool.manager.internal.NamespaceState;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.KeyDirectory;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;

import java.lang.foreign.MemorySegment;

/**
 * {@link PoolCore}'s two-phase write: reserve (FREE -> WRITING under a lease), commit (SEALED, indexed), abort, and
 * lease renewal; and its variant for writers that hold blocks ahead of their keys: grant (FREE -> WRITING under a
 * lease, no key) and a keyed commit (the key indexed and the block sealed, or the block freed where the key is
 * already there). Each method gets a namespace {@link PoolCore} has already checked and reaped expired leases for;
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
    private final KeyDirectory directory;
    /** Per block, the generation it was granted with (keyless); any other value: not a grant. */
    private final long[] grantedGeneration;
    private final byte[] noKey = new byte[BlockBatch.KEY_BYTES];

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
        this.grantedGeneration = new long[(int)geometry.blockTableEntries()];
        this.directory = KeyDirectory.of(segment, geometry);
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
            final int present = presence(namespace, keys, keyOffset);
            if (present != Status.OK)
            {
                batch.status(i, present);
                continue;
            }
            final int block = reserveBlock(namespace, batch, i, keys, keyOffset, deadlineNs, writer);
            if (block >= 0)
            {
                index.put(namespace.id(), keys, keyOffset, block, batch.generation(i));
                reserved++;
            }
        }
        return reserved;
    }

    /**
     * Reserves one block per entry under no key (its table entry names none): a writer holding blocks ahead of
     * its puts. Only {@link #commitKeyed} seals them; abort, renewal and a lapsed lease treat them as any
     * reservation.
     */
    int grant(final NamespaceState namespace, final BlockBatch batch, final long writer)
    {
        final long deadlineNs = context.nanoClock().getAsLong() + context.reservationLeaseNs();
        int granted = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final int block = reserveBlock(namespace, batch, i, noKey, 0, deadlineNs, writer);
            if (block >= 0)
            {
                grantedGeneration[block] = batch.generation(i);
                granted++;
            }
        }
        return granted;
    }

    /**
     * Reserves a block for entry {@code i} under a lease and reports it there (status, block, generation, offset,
     * length), or reports {@link Status#INSUFFICIENT_CAPACITY}.
     *
     * @return the block, or -1.
     */
    private int reserveBlock(
        final NamespaceState namespace, final BlockBatch batch, final int i, final byte[] keys, final int keyOffset,
        final long deadlineNs, final long writer)
    {
        final int block = allocator.reserve(namespace, keys, keyOffset);
        if (block < 0)
        {
            batch.status(i, Status.INSUFFICIENT_CAPACITY);
            return -1;
        }
        final long generation = allocator.reservedGeneration();
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
        return block;
    }


    int commit(final NamespaceState namespace, final BlockBatch batch)
    {
        int sealed = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            if (checkCommit(namespace, batch, i) != Status.OK)
            {
                continue;
            }
            if (grantedGeneration[(int)batch.blockIndex(i)] == batch.generation(i))
            {
                batch.status(i, Status.UNKNOWN_RESERVATION); // a granted block is sealed only with its key
                continue;
            }
            sealed += seal(namespace, batch, i);
        }
        return sealed;
    }

    /**
     * Commits granted blocks, each under the key its entry names: the key is written into the block's table entry
     * and indexed, then the block sealed. Where the key is already present (sealed, or reserved by another writer)
     * the block is freed and the entry answered {@link Status#ALREADY_EXISTS} or {@link Status#WRITE_IN_PROGRESS}.
     * A block not granted with the entry's generation is answered {@link Status#UNKNOWN_RESERVATION}.
     */
    int commitKeyed(final NamespaceState namespace, final BlockBatch batch)
    {
        final byte[] keys = batch.keyArray();
        int sealed = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            if (checkCommit(namespace, batch, i) != Status.OK)
            {
                continue;
            }
            final int block = (int)batch.blockIndex(i);
            final long generation = batch.generation(i);
            if (grantedGeneration[block] != generation)
            {
                batch.status(i, Status.UNKNOWN_RESERVATION); // reserved under a key of its own
                continue;
            }
            final int keyOffset = i * BlockBatch.KEY_BYTES;
            final int present;
            try (BlockIndex.Entry entry = index.entry(namespace.id(), keys, keyOffset))
            {
                // One lookup for the check and the update; nothing in between touches the index.
                present = presence(entry);
                if (present == Status.OK)
                {
                    // The key goes into the table entry before the seal publishes the block: recovery rebuilds the
                    // index from sealed blocks' keys, and eviction finds the index entry to remove by it.
                    BlockTableDescriptor.owner(segment, geometry.blockEntryOffset(block), namespace.id(), keys,
                        keyOffset);
                    if (seal(namespace, batch, i) == 1)
                    {
                        grantedGeneration[block] = 0;
                        entry.set(block, generation);
                        sealed++;
                    }
                    else
                    {
                        // INVALID_LENGTH: the grant stays open, keyless, for a commit that gets the length right.
                        BlockTableDescriptor.owner(segment, geometry.blockEntryOffset(block), namespace.id(), noKey,
                            0);
                    }
                    continue;
                }
            }
            batch.status(i, present);
            grantedGeneration[block] = 0;
            heldIntents.withdraw(block, generation);
            allocator.discard(block); // removes the block's own index entry: after the key's is closed
            leases.endReservation(block, -1);
        }
        return sealed;
    }

    /**
     * @return {@link Status#OK} where no block holds the key now, else {@link Status#ALREADY_EXISTS} (sealed) or
     *         {@link Status#WRITE_IN_PROGRESS} (reserved by a writer).
     */
    private int presence(final NamespaceState namespace, final byte[] keys, final int keyOffset)
    {
        try (BlockIndex.Entry entry = index.entry(namespace.id(), keys, keyOffset))
        {
            return presence(entry);
        }
    }

    /** {@link #presence(NamespaceState, byte[], int)} of a key whose index entry is open. */
    private int presence(final BlockIndex.Entry entry)
    {
        final long indexed = entry.block();
        if (indexed >= 0)
        {
            final long stamp = BlockTableDescriptor.stampAcquire(segment, geometry.blockEntryOffset(indexed));
            if (BlockTableDescriptor.generation(stamp) == entry.generation())
            {
                return BlockTableDescriptor.state(stamp) == BlockTableDescriptor.SEALED ? Status.ALREADY_EXISTS :
                    Status.WRITE_IN_PROGRESS;
            }
        }
        return Status.OK;
    }

    /**
     * The reservation check every commit begins with; a failing entry gets its status here.
     *
     * @return the entry's status so far: {@link Status#OK} to go on.
     */
    private int checkCommit(final NamespaceState namespace, final BlockBatch batch, final int i)
    {
        final int status = leaseKeeper.checkReservation(namespace, batch.blockIndex(i), batch.generation(i));
        if (status != Status.OK)
        {
            // A late commit: its writer has finished storing, so an intent still held for it can go.
            withdrawIfOwner(namespace, batch, i);
            batch.status(i, status);
        }
        return status;
    }

    /**
     * Seals entry {@code i}'s block with its length and checksum, or answers {@link Status#INVALID_LENGTH} (the
     * reservation stays open).
     *
     * @return 1 when sealed, else 0.
     */
    private int seal(final NamespaceState namespace, final BlockBatch batch, final int i)
    {
        // Bit 31 of the length: the writer could not compute the CRC32C (the Python client), the manager does.
        final boolean computeChecksum = (batch.length(i) & COMPUTE_CHECKSUM) != 0;
        final int length = batch.length(i) & ~COMPUTE_CHECKSUM;
        if (length > namespace.blockSizeBytes() || length < 0)
        {
            batch.status(i, Status.INVALID_LENGTH);
            return 0;
        }
        final int block = (int)batch.blockIndex(i);
        final int checksum = computeChecksum ? Checksums.crc32c(segment.asSlice(
            geometry.blockDataOffset(block, namespace.blockSizeBytes()), length)) : batch.checksum(i);
        batch.length(i, length);
        batch.checksum(i, checksum);
        heldIntents.withdraw(block, batch.generation(i));
        allocator.seal(block, length, checksum);
        if (directory != null)
        {
            directory.sealed(block);
        }
        leases.endReservation(block, -1);
        batch.status(i, Status.OK);
        batch.offset(i, geometry.blockDataOffset(block, namespace.blockSizeBytes()));
        return 1;
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
