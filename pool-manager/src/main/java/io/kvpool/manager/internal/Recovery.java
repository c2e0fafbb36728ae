package io.kvpool.manager.internal;

import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.SlabTableDescriptor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cross-checks the block table and the index when a manager attaches, and repairs every disagreement, so that
 * after any crash: every SEALED block is indexed under its key exactly once, no WRITING block survives (its writer
 * died with the old manager's leases), no pin count survives, and every index entry names a live SEALED block with
 * the same namespace, key and generation. The block table is the authority: it holds the full key of every block,
 * so a lost or corrupt index is rebuilt from it.
 * <p>
 * Runs once, on the manager's thread, before any request is served.
 */
public final class Recovery
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.manager.recovery");
    /** Repairs logged one by one; beyond this only the counts in the report are. */
    private static final int MAX_LOGGED_REPAIRS = 20;

    /** Counts of what was found and repaired. */
    public long sealedBlocks;
    public long reclaimedWritingBlocks;
    public long clearedPins;
    public long restoredIndexEntries;
    public long removedIndexEntries;
    public long duplicateBlocks;

    private final MemorySegment region;
    private final RegionGeometry geometry;
    private final BlockIndex index;
    private final NamespaceState[] namespaces;
    private final byte[] key = new byte[BlockTableDescriptor.KEY_LENGTH];
    private int loggedRepairs;

    /**
     * @param namespaces active namespaces by id (index 0 unused; null where no namespace).
     */
    public Recovery(
        final MemorySegment region, final RegionGeometry geometry, final BlockIndex index,
        final NamespaceState[] namespaces)
    {
        this.region = region;
        this.geometry = geometry;
        this.index = index;
        this.namespaces = namespaces;
    }

    /**
     * Repairs the block table and the index.
     *
     * @return for each slab, its owner (null for a free slab), as the allocator must attach it.
     */
    public NamespaceState[] run()
    {
        final NamespaceState[] owners = new NamespaceState[geometry.slabCount()];
        for (int slab = 0; slab < geometry.slabCount(); slab++)
        {
            final long slabEntry = geometry.slabEntryOffset(slab);
            final int ownerId = SlabTableDescriptor.namespaceId(region, slabEntry);
            NamespaceState owner = ownerId > 0 && ownerId < namespaces.length ? namespaces[ownerId] : null;
            if (owner != null && SlabTableDescriptor.blocksInSlab(region, slabEntry) != owner.blocksPerSlab)
            {
                owner = null;
            }
            if (owner == null && ownerId != 0)
            {
                SlabTableDescriptor.assign(region, slabEntry, 0, 0);
            }
            owners[slab] = owner;
            final int first = slab * geometry.maxBlocksPerSlab();
            for (int slot = 0; slot < geometry.maxBlocksPerSlab(); slot++)
            {
                repairBlock(first + slot, owner != null && slot < owner.blocksPerSlab ? owner : null);
            }
        }
        removeStaleIndexEntries();
        return owners;
    }

    private void repairBlock(final int block, final NamespaceState owner)
    {
        final long entry = geometry.blockEntryOffset(block);
        final long stamp = BlockTableDescriptor.stampAcquire(region, entry);
        final int state = BlockTableDescriptor.state(stamp);
        final long generation = BlockTableDescriptor.generation(stamp);
        if (BlockTableDescriptor.pinCount(region, entry) != 0)
        {
            BlockTableDescriptor.pinCount(region, entry, 0);
            clearedPins++;
        }
        // Intents the previous manager held for RDMA writers: their queue pairs died with it, so they store no more.
        // Intents of load/store writers (the low half) stay: such a writer may still be running.
        final int held = BlockTableDescriptor.writerIntent(region, entry) & ~(BlockTableDescriptor.MANAGER_WRITER - 1);
        if (held != 0)
        {
            BlockTableDescriptor.addWriterIntent(region, entry, -held);
        }
        if (state == BlockTableDescriptor.FREE)
        {
            return;
        }
        if (owner == null || state == BlockTableDescriptor.WRITING ||
            BlockTableDescriptor.namespaceId(region, entry) != owner.id)
        {
            if (state == BlockTableDescriptor.WRITING)
            {
                reclaimedWritingBlocks++;
                logRepair("block " + block + " generation " + generation + " was WRITING: its writer's lease died " +
                    "with the previous manager; freed");
            }
            else
            {
                logRepair("block " + block + " generation " + generation + " is SEALED in a slot its slab does not " +
                    "give to namespace " + BlockTableDescriptor.namespaceId(region, entry) + "; freed");
            }
            free(entry, generation);
            return;
        }
        BlockTableDescriptor.key(region, entry, key, 0);
        final long indexed = index.get(owner.id, key, 0);
        if (indexed == block && index.lastGeneration() == generation)
        {
            sealedBlocks++;
            return;
        }
        if (indexed >= 0 && isLiveCopy(indexed, index.lastGeneration(), owner.id, key))
        {
            // The same key sealed twice (a crash between two steps of a replacement): keep the indexed copy.
            duplicateBlocks++;
            logRepair("block " + block + " holds a second sealed copy of a key indexed at block " + indexed +
                "; freed");
            free(entry, generation);
            return;
        }
        index.put(owner.id, key, 0, block, generation);
        restoredIndexEntries++;
        logRepair("block " + block + " generation " + generation + " of namespace " + owner.id +
            " was sealed but missing from the index; re-indexed");
        sealedBlocks++;
    }

    private void free(final long entry, final long generation)
    {
        BlockTableDescriptor.stampRelease(region, entry,
            BlockTableDescriptor.stamp(generation, BlockTableDescriptor.FREE));
    }

    private void removeStaleIndexEntries()
    {
        final List<byte[]> stale = new ArrayList<>();
        final byte[] entryKey = new byte[BlockTableDescriptor.KEY_LENGTH];
        index.forEach((rawKey, rawValue) ->
        {
            final ByteBuffer keyView = ByteBuffer.wrap(rawKey).order(ByteOrder.LITTLE_ENDIAN);
            final ByteBuffer valueView = ByteBuffer.wrap(rawValue).order(ByteOrder.LITTLE_ENDIAN);
            System.arraycopy(rawKey, 4, entryKey, 0, entryKey.length);
            if (!isLiveCopy(valueView.getLong(0), valueView.getLong(8), keyView.getInt(0), entryKey))
            {
                stale.add(rawKey.clone());
            }
        });
        for (final byte[] rawKey : stale)
        {
            index.removeRaw(rawKey);
            removedIndexEntries++;
            logRepair("index entry of namespace " + ByteBuffer.wrap(rawKey).order(ByteOrder.LITTLE_ENDIAN).getInt(0) +
                " named no sealed block with its key and generation; removed");
        }
    }

    private void logRepair(final String what)
    {
        if (loggedRepairs++ < MAX_LOGGED_REPAIRS)
        {
            LOG.log(System.Logger.Level.WARNING, "recovery: " + what);
        }
        else if (loggedRepairs == MAX_LOGGED_REPAIRS + 1)
        {
            LOG.log(System.Logger.Level.WARNING, "recovery: further repairs are counted, not logged");
        }
    }

    private boolean isLiveCopy(final long block, final long generation, final int namespaceId, final byte[] expected)
    {
        if (block < 0 || block >= geometry.blockTableEntries())
        {
            return false;
        }
        final int slab = (int)(block / geometry.maxBlocksPerSlab());
        final long slabEntry = geometry.slabEntryOffset(slab);
        if (SlabTableDescriptor.namespaceId(region, slabEntry) != namespaceId ||
            block % geometry.maxBlocksPerSlab() >= SlabTableDescriptor.blocksInSlab(region, slabEntry))
        {
            return false;
        }
        final long entry = geometry.blockEntryOffset(block);
        final long stamp = BlockTableDescriptor.stampAcquire(region, entry);
        if (stamp != BlockTableDescriptor.stamp(generation, BlockTableDescriptor.SEALED) ||
            BlockTableDescriptor.namespaceId(region, entry) != namespaceId)
        {
            return false;
        }
        final byte[] stored = new byte[BlockTableDescriptor.KEY_LENGTH];
        BlockTableDescriptor.key(region, entry, stored, 0);
        return Arrays.equals(stored, expected);
    }
}
