package io.kvpool.manager.internal;

import io.kvpool.protocol.BlockProtocol;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.SlabTableDescriptor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Slab allocator and evictor. Slabs are handed to namespaces whole; within a slab, fixed-size blocks come from an
 * intrusive free list (O(1) allocate and free, no fragmentation within a namespace). When a namespace needs a block
 * and has none free, it takes a free slab (within its maximum), else the coldest evictable slab of a namespace above
 * its guaranteed minimum, else evicts one of its own blocks by CLOCK — whichever victim is coldest.
 * <p>
 * <b>Why CLOCK.</b> It approximates LRU within about a percentage point on prefix-cache traces, needs one tick per
 * block (already in the block table, so readers in other processes can record accesses with a plain store), and
 * costs O(1) amortized per eviction with no list manipulation on the hit path. A block is "referenced" when its
 * table tick is newer than the tick the hand saw on its last pass; the hand gives it a second chance and records
 * the tick. S3-FIFO would resist scans better, but its hit rate diverges from LRU on this workload's reuse pattern,
 * and the replay tool compares the pool against exact LRU.
 * <p>
 * Pinned and WRITING blocks are never evicted. Every search is bounded (two passes of the hand); when nothing can
 * be evicted, {@link #reserve} returns -1 at once.
 * <p>
 * <b>Quarantine.</b> A block freed while a writer intent is held on it (its writer may still be storing: a lease
 * that lapsed mid-copy, a writer frozen, recovery after a crash) is FREE in the table but kept off the free lists
 * until {@link #releaseQuarantined()} finds its intent back at zero ({@link BlockProtocol}); a slab with such a block,
 * or any intent held on one of its entries, never moves to another namespace (whose block boundaries differ).
 * <p>
 * Owns every state transition of the block table (FREE -> WRITING -> SEALED -> FREE), so counters and free lists
 * always agree with it. Not thread-safe: owned by the manager's thread.
 */
public final class BlockAllocator
{
    private final MemorySegment region;
    private final RegionGeometry geometry;
    private final BlockIndex index;
    private final int maxBlocksPerSlab;
    private final NamespaceState[] namespaces;
    private final int[] slabOwner;
    private final int[] slabBlocks;
    private final int[] slabFreeHead;
    private final int[] slabFreeCount;
    private final int[] slabPartialPosition;
    private final long[] slabHotTick;
    private final IntList freeSlabs;
    private final int[] nextFree;
    private final long[] sweptTick;
    private final int[] slabQuarantined;
    private final IntList quarantined = new IntList(16);
    private final byte[] keyScratch = new byte[BlockTableDescriptor.KEY_LENGTH];
    private long reservedGeneration;
    private long tick;

    public BlockAllocator(final MemorySegment region, final RegionGeometry geometry, final BlockIndex index)
    {
        if (geometry.blockTableEntries() > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("blockTableEntries=" + geometry.blockTableEntries() +
                " exceeds what one manager tracks; use larger slabs' minBlockSizeBytes");
        }
        this.region = region;
        this.geometry = geometry;
        this.index = index;
        this.maxBlocksPerSlab = geometry.maxBlocksPerSlab();
        final int slabCount = geometry.slabCount();
        final int blocks = (int)geometry.blockTableEntries();
        this.namespaces = new NamespaceState[geometry.maxNamespaces() + 1];
        this.slabOwner = new int[slabCount];
        this.slabBlocks = new int[slabCount];
        this.slabFreeHead = new int[slabCount];
        this.slabFreeCount = new int[slabCount];
        this.slabPartialPosition = new int[slabCount];
        this.slabHotTick = new long[slabCount];
        this.freeSlabs = new IntList(slabCount);
        this.nextFree = new int[blocks];
        this.sweptTick = new long[blocks];
        this.slabQuarantined = new int[slabCount];
        Arrays.fill(slabFreeHead, -1);
        Arrays.fill(slabPartialPosition, -1);
    }

    /**
     * @param namespace a namespace to allocate for; its slabs are attached by {@link #attachSlab} or acquired.
     */
    public void register(final NamespaceState namespace)
    {
        namespaces[namespace.id] = namespace;
    }

    /**
     * @param id namespace id.
     * @return the namespace, or {@code null}.
     */
    public NamespaceState namespace(final int id)
    {
        return id > 0 && id < namespaces.length ? namespaces[id] : null;
    }

    /**
     * @return the current logical access tick.
     */
    public long tick()
    {
        return tick;
    }

    /**
     * @param tick tick to continue from (recovery).
     */
    public void tick(final long tick)
    {
        this.tick = tick;
    }

    /**
     * Attaches a slab as recorded in the slab table (recovery). Block states must already be consistent: every
     * block FREE or SEALED.
     *
     * @param slab  slab index.
     * @param owner owning namespace, or {@code null} for a free slab.
     */
    public void attachSlab(final int slab, final NamespaceState owner)
    {
        if (owner == null)
        {
            slabOwner[slab] = 0;
            slabBlocks[slab] = 0;
            freeSlabs.add(slab);
            return;
        }
        slabOwner[slab] = owner.id;
        slabBlocks[slab] = owner.blocksPerSlab;
        owner.slabs.add(slab);
        final int first = slab * maxBlocksPerSlab;
        for (int slot = owner.blocksPerSlab - 1; slot >= 0; slot--)
        {
            final int block = first + slot;
            final long stamp = BlockTableDescriptor.stampAcquire(region, geometry.blockEntryOffset(block));
            if (BlockTableDescriptor.state(stamp) == BlockTableDescriptor.SEALED)
            {
                owner.sealedBlocks++;
                final long accessed = BlockTableDescriptor.lastAccessTick(region, geometry.blockEntryOffset(block));
                sweptTick[block] = accessed;
                slabHotTick[slab] = Math.max(slabHotTick[slab], accessed);
                tick = Math.max(tick, accessed);
            }
            else
            {
                free(slab, block);
            }
        }
    }

    /**
     * Reserves a block for a writer: FREE -> WRITING with the next generation, owner and key recorded.
     *
     * @param namespace who writes.
     * @param keys      array holding the key.
     * @param keyOffset offset of the key.
     * @return the block index, or -1 when no block can be found or freed; the generation it was given is
     *         {@link #reservedGeneration()}.
     */
    public int reserve(final NamespaceState namespace, final byte[] keys, final int keyOffset)
    {
        final int block = allocate(namespace);
        if (block < 0)
        {
            namespace.capacityRejections++;
            return -1;
        }
        final long entry = geometry.blockEntryOffset(block);
        final long generation = BlockTableDescriptor.generation(BlockTableDescriptor.stampAcquire(region, entry)) + 1;
        BlockTableDescriptor.owner(region, entry, namespace.id, keys, keyOffset);
        BlockTableDescriptor.payload(region, entry, 0, 0);
        BlockTableDescriptor.pinCount(region, entry, 0);
        // Volatile: any reader still validating a copy of the previous incarnation must see the change before the
        // new writer (told of the reservation only after this store) can overwrite a byte.
        BlockTableDescriptor.stampVolatile(region, entry, BlockTableDescriptor.stamp(generation,
            BlockTableDescriptor.WRITING));
        namespace.writingBlocks++;
        reservedGeneration = generation;
        return block;
    }

    /**
     * @return the generation the last successful {@link #reserve} gave its block (the manager's thread).
     */
    public long reservedGeneration()
    {
        return reservedGeneration;
    }

    /**
     * WRITING -> SEALED: records length and checksum, then publishes with release.
     */
    public void seal(final int block, final int payloadLengthBytes, final int checksum)
    {
        final long entry = geometry.blockEntryOffset(block);
        final long stamp = BlockTableDescriptor.stampAcquire(region, entry);
        final NamespaceState namespace = ownerOf(block);
        BlockTableDescriptor.payload(region, entry, payloadLengthBytes, checksum);
        final long now = ++tick;
        BlockTableDescriptor.lastAccessTick(region, entry, now);
        sweptTick[block] = BlockTableDescriptor.lastAccessTick(region, entry);
        slabHotTick[block / maxBlocksPerSlab] = now;
        BlockTableDescriptor.stampRelease(region, entry,
            BlockTableDescriptor.stamp(BlockTableDescriptor.generation(stamp), BlockTableDescriptor.SEALED));
        namespace.writingBlocks--;
        namespace.sealedBlocks++;
    }

    /**
     * Frees a WRITING or SEALED block and forgets its key: the index entry naming this incarnation goes first (so
     * that no lookup finds a block on its way to reuse), then the block ({@link #release}). The one way a block
     * holding a key is freed: remove, abort, a lapsed reservation and eviction all come here.
     */
    public void discard(final int block)
    {
        final long entry = geometry.blockEntryOffset(block);
        final long generation = BlockTableDescriptor.generation(BlockTableDescriptor.stampAcquire(region, entry));
        BlockTableDescriptor.key(region, entry, keyScratch, 0);
        index.remove(ownerOf(block).id, keyScratch, 0, block, generation);
        release(block);
    }

    /**
     * WRITING or SEALED -> FREE, back on its slab's free list, its index entry already gone ({@link #discard}).
     */
    private void release(final int block)
    {
        final long entry = geometry.blockEntryOffset(block);
        final long stamp = BlockTableDescriptor.stampAcquire(region, entry);
        final int state = BlockTableDescriptor.state(stamp);
        final NamespaceState namespace = ownerOf(block);
        if (state == BlockTableDescriptor.WRITING)
        {
            namespace.writingBlocks--;
        }
        else if (state == BlockTableDescriptor.SEALED)
        {
            namespace.sealedBlocks--;
        }
        else
        {
            throw new IllegalStateException("block=" + block + " is already FREE");
        }
        BlockTableDescriptor.stampRelease(region, entry,
            BlockTableDescriptor.stamp(BlockTableDescriptor.generation(stamp), BlockTableDescriptor.FREE));
        free(block / maxBlocksPerSlab, block);
    }

    /**
     * Returns quarantined blocks whose writer intent has dropped to zero to their free lists.
     *
     * @return blocks returned.
     */
    public int releaseQuarantined()
    {
        int released = 0;
        for (int i = quarantined.size() - 1; i >= 0; i--)
        {
            final int block = quarantined.get(i);
            if (BlockTableDescriptor.writerIntent(region, geometry.blockEntryOffset(block)) == 0)
            {
                quarantined.swapRemove(i);
                final int slab = block / maxBlocksPerSlab;
                slabQuarantined[slab]--;
                pushFree(slab, block);
                released++;
            }
        }
        return released;
    }

    /**
     * @param namespace a namespace.
     * @return its blocks FREE in the table but kept from reuse while a writer intent is held on them.
     */
    public int quarantinedBlocks(final NamespaceState namespace)
    {
        int count = 0;
        for (int i = 0; i < namespace.slabs.size(); i++)
        {
            count += slabQuarantined[namespace.slabs.get(i)];
        }
        return count;
    }

    /**
     * A FREE block goes back to its slab's free list, or into quarantine while a writer may still store into it.
     */
    private void free(final int slab, final int block)
    {
        if (BlockProtocol.writerMayStore(region, geometry.blockEntryOffset(block)))
        {
            quarantined.add(block);
            slabQuarantined[slab]++;
            return;
        }
        pushFree(slab, block);
    }

    /**
     * Records a read of a block: a new tick in its table entry and its slab's hot tick.
     */
    public void touch(final int block)
    {
        final long now = ++tick;
        BlockTableDescriptor.lastAccessTick(region, geometry.blockEntryOffset(block), now);
        slabHotTick[block / maxBlocksPerSlab] = now;
    }

    /**
     * @param block block index.
     * @return the namespace that owns the block's slab.
     */
    public NamespaceState ownerOf(final int block)
    {
        return namespaces[slabOwner[block / maxBlocksPerSlab]];
    }

    /**
     * @param block block index.
     * @return whether the block lies in a slab of this namespace and within its blocks.
     */
    public boolean belongsTo(final long block, final NamespaceState namespace)
    {
        if (block < 0 || block >= geometry.blockTableEntries())
        {
            return false;
        }
        final int slab = (int)(block / maxBlocksPerSlab);
        return slabOwner[slab] == namespace.id && block % maxBlocksPerSlab < slabBlocks[slab];
    }

    /**
     * @return slabs owned by no namespace.
     */
    public int freeSlabCount()
    {
        return freeSlabs.size();
    }

    /**
     * @param namespace a namespace.
     * @return FREE blocks in its slabs.
     */
    public long freeBlocks(final NamespaceState namespace)
    {
        long free = 0;
        for (int i = 0; i < namespace.slabs.size(); i++)
        {
            // Quarantined blocks are FREE in the table too; they are only kept from reuse.
            free += slabFreeCount[namespace.slabs.get(i)] + slabQuarantined[namespace.slabs.get(i)];
        }
        return free;
    }

    private int allocate(final NamespaceState namespace)
    {
        if (!namespace.partialSlabs.isEmpty())
        {
            return popFree(namespace.partialSlabs.get(namespace.partialSlabs.size() - 1));
        }
        if (namespace.slabs.size() < namespace.maxSlabs)
        {
            if (!freeSlabs.isEmpty())
            {
                final int slab = freeSlabs.removeLast();
                assign(slab, namespace);
                return popFree(slab);
            }
            final int victimSlab = coldestReclaimableSlab(namespace);
            if (victimSlab >= 0)
            {
                final boolean mustGrow = namespace.slabs.size() < Math.max(1, namespace.minSlabs);
                final int ownVictim = mustGrow ? -1 : clockVictim(namespace);
                // The hand returned its victim because the table's tick equals the one it recorded: no re-read.
                if (ownVictim < 0 || slabHotTick[victimSlab] < sweptTick[ownVictim])
                {
                    reclaimSlab(victimSlab);
                    assign(victimSlab, namespace);
                    return popFree(victimSlab);
                }
                return evictForReuse(ownVictim);
            }
        }
        final int victim = clockVictim(namespace);
        return victim < 0 ? -1 : evictForReuse(victim);
    }

    private int evictForReuse(final int block)
    {
        evict(block);
        return popFree(block / maxBlocksPerSlab);
    }

    private void evict(final int block)
    {
        ownerOf(block).evictions++;
        discard(block);
    }

    /**
     * Advances the namespace's CLOCK hand to the first SEALED, unpinned block not referenced since the hand last
     * passed it. At most two passes.
     *
     * @return the victim, or -1 when every block is pinned, WRITING or FREE.
     */
    private int clockVictim(final NamespaceState namespace)
    {
        final int slabCount = namespace.slabs.size();
        if (slabCount == 0)
        {
            return -1;
        }
        final long steps = 2L * slabCount * namespace.blocksPerSlab;
        for (long step = 0; step < steps; step++)
        {
            if (namespace.handSlot >= namespace.blocksPerSlab)
            {
                namespace.handSlot = 0;
                namespace.handSlabPosition++;
            }
            if (namespace.handSlabPosition >= slabCount)
            {
                namespace.handSlabPosition = 0;
            }
            final int block = namespace.slabs.get(namespace.handSlabPosition) * maxBlocksPerSlab + namespace.handSlot;
            namespace.handSlot++;
            final long entry = geometry.blockEntryOffset(block);
            final long stamp = BlockTableDescriptor.stampAcquire(region, entry);
            if (BlockTableDescriptor.state(stamp) != BlockTableDescriptor.SEALED ||
                BlockTableDescriptor.pinCount(region, entry) != 0)
            {
                continue;
            }
            final long accessed = BlockTableDescriptor.lastAccessTick(region, entry);
            // Any change since the hand last saw it is a reference (the 32-bit table tick wraps; != does not care).
            if (accessed != sweptTick[block])
            {
                sweptTick[block] = accessed;
                continue;
            }
            return block;
        }
        return -1;
    }

    /**
     * The slab to take from another namespace: only from namespaces above their guaranteed minimum, only slabs
     * whose blocks are all FREE or SEALED and unpinned; an empty slab first, else the one whose most recent access
     * is oldest.
     *
     * @return the slab, or -1.
     */
    private int coldestReclaimableSlab(final NamespaceState requester)
    {
        int best = -1;
        long bestTick = Long.MAX_VALUE;
        for (int slab = 0; slab < slabOwner.length; slab++)
        {
            final NamespaceState owner = namespaces[slabOwner[slab]];
            if (owner == null || owner == requester || owner.slabs.size() <= owner.minSlabs)
            {
                continue;
            }
            final long hot = slabFreeCount[slab] == slabBlocks[slab] ? -1 : slabHotTick[slab];
            if (hot < bestTick && isReclaimable(slab))
            {
                best = slab;
                bestTick = hot;
                if (hot < 0)
                {
                    break;
                }
            }
        }
        return best;
    }

    private boolean isReclaimable(final int slab)
    {
        final int first = slab * maxBlocksPerSlab;
        if (slabQuarantined[slab] != 0)
        {
            return false;
        }
        // Every entry the slab has, not only the owner's: a writer of a former owner's (smaller) block may hold an
        // intent on an entry the current owner does not use, and its bytes would land in the new owner's blocks.
        for (int block = first, end = first + maxBlocksPerSlab; block < end; block++)
        {
            if (BlockTableDescriptor.writerIntent(region, geometry.blockEntryOffset(block)) != 0)
            {
                return false;
            }
        }
        for (int block = first, end = first + slabBlocks[slab]; block < end; block++)
        {
            final long entry = geometry.blockEntryOffset(block);
            final int state = BlockTableDescriptor.state(BlockTableDescriptor.stampAcquire(region, entry));
            if (state == BlockTableDescriptor.WRITING ||
                (state == BlockTableDescriptor.SEALED && BlockTableDescriptor.pinCount(region, entry) != 0))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Takes a slab from its owner, evicting its blocks; {@link #assign}, which always follows, rebuilds its free list.
     */
    private void reclaimSlab(final int slab)
    {
        final NamespaceState owner = namespaces[slabOwner[slab]];
        final int first = slab * maxBlocksPerSlab;
        for (int block = first, end = first + slabBlocks[slab]; block < end; block++)
        {
            if (BlockTableDescriptor.state(BlockTableDescriptor.stampAcquire(region, geometry.blockEntryOffset(block)))
                == BlockTableDescriptor.SEALED)
            {
                evict(block);
            }
        }
        removePartial(owner, slab);
        final int position = owner.slabs.removeValue(slab);
        if (position >= 0 && position < owner.handSlabPosition)
        {
            owner.handSlabPosition--;
        }
        owner.slabsSurrendered++;
    }

    private void assign(final int slab, final NamespaceState namespace)
    {
        slabOwner[slab] = namespace.id;
        slabBlocks[slab] = namespace.blocksPerSlab;
        slabFreeHead[slab] = -1;
        slabFreeCount[slab] = 0;
        slabHotTick[slab] = 0;
        final int first = slab * maxBlocksPerSlab;
        for (int block = first + namespace.blocksPerSlab - 1; block >= first; block--)
        {
            free(slab, block);
        }
        namespace.slabs.add(slab);
        namespace.slabsAcquired++;
        SlabTableDescriptor.assign(region, geometry.slabEntryOffset(slab), namespace.id, namespace.blocksPerSlab);
    }

    private void pushFree(final int slab, final int block)
    {
        nextFree[block] = slabFreeHead[slab];
        slabFreeHead[slab] = block;
        if (slabFreeCount[slab]++ == 0)
        {
            final NamespaceState owner = namespaces[slabOwner[slab]];
            slabPartialPosition[slab] = owner.partialSlabs.size();
            owner.partialSlabs.add(slab);
        }
    }

    /**
     * @return a free block of the slab, or -1 when it has none (the block just freed there went to quarantine: a
     *         writer intent was held on it).
     */
    private int popFree(final int slab)
    {
        final int block = slabFreeHead[slab];
        if (block < 0)
        {
            return -1;
        }
        slabFreeHead[slab] = nextFree[block];
        if (--slabFreeCount[slab] == 0)
        {
            removePartial(namespaces[slabOwner[slab]], slab);
        }
        return block;
    }

    private void removePartial(final NamespaceState owner, final int slab)
    {
        final int position = slabPartialPosition[slab];
        if (position < 0)
        {
            return;
        }
        final int moved = owner.partialSlabs.swapRemove(position);
        if (moved >= 0)
        {
            slabPartialPosition[moved] = position;
        }
        slabPartialPosition[slab] = -1;
    }
}
