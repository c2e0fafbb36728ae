package io.kvpool.manager.internal;

import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import org.agrona.collections.Long2LongHashMap;

import java.lang.foreign.MemorySegment;

/**
 * Writer intents the manager holds for writers it cannot stop itself: a client writing by one-sided RDMA stores
 * into the region with no CPU of this host involved, so it cannot announce its stores the way a load/store writer
 * does ({@link io.kvpool.protocol.BlockProtocol}). The manager adds {@link BlockTableDescriptor#MANAGER_WRITER} to a
 * block's intent when it reserves the block for such a writer and takes it back when the writer commits or aborts —
 * after which the writer posts no more stores for that reservation — or when the writer's session closes, after its
 * queue pair is torn down. A reservation that lapses in between leaves the intent held, so its block is quarantined
 * rather than reused while the writer may still store. Recovery drops every such intent: the queue pairs died with
 * the previous manager.
 * <p>
 * Not thread-safe: the manager's thread.
 */
public final class HeldIntents
{
    private final MemorySegment region;
    private final RegionGeometry geometry;
    /** Block -> writer (session id) holding it. */
    private final Long2LongHashMap writerOf = new Long2LongHashMap(0);
    /** Block -> generation of the reservation the intent was taken for. */
    private final Long2LongHashMap generationOf = new Long2LongHashMap(-1);

    public HeldIntents(final MemorySegment region, final RegionGeometry geometry)
    {
        this.region = region;
        this.geometry = geometry;
    }

    /**
     * Takes an intent for a block just reserved (its WRITING stamp stored).
     *
     * @param block      block index.
     * @param generation the reservation's generation.
     * @param writer     the writer's id, not 0.
     */
    public void hold(final long block, final long generation, final long writer)
    {
        BlockTableDescriptor.addWriterIntent(region, geometry.blockEntryOffset(block),
            BlockTableDescriptor.MANAGER_WRITER);
        writerOf.put(block, writer);
        generationOf.put(block, generation);
    }

    /**
     * Takes back the intent held for a reservation, if one is: the writer committed or aborted it (also late, after
     * the lease lapsed), so it stores no more for it.
     *
     * @param block      block index.
     * @param generation the reservation's generation.
     * @return whether an intent was taken back.
     */
    public boolean withdraw(final long block, final long generation)
    {
        if (writerOf.get(block) == 0 || generationOf.get(block) != generation)
        {
            return false;
        }
        writerOf.remove(block);
        generationOf.remove(block);
        BlockTableDescriptor.addWriterIntent(region, geometry.blockEntryOffset(block),
            -BlockTableDescriptor.MANAGER_WRITER);
        return true;
    }

    /**
     * Takes back every intent held for a writer whose session closed (its queue pair already torn down).
     *
     * @param writer the writer's id.
     * @return intents taken back.
     */
    public int withdrawAll(final long writer)
    {
        int withdrawn = 0;
        final Long2LongHashMap.KeyIterator blocks = writerOf.keySet().iterator();
        while (blocks.hasNext())
        {
            final long block = blocks.nextValue();
            if (writerOf.get(block) == writer)
            {
                blocks.remove();
                generationOf.remove(block);
                BlockTableDescriptor.addWriterIntent(region, geometry.blockEntryOffset(block),
                    -BlockTableDescriptor.MANAGER_WRITER);
                withdrawn++;
            }
        }
        return withdrawn;
    }

    /**
     * @return intents held now.
     */
    public int size()
    {
        return writerOf.size();
    }
}
