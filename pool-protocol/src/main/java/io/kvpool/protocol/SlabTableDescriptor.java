package io.kvpool.protocol;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One 64-byte entry per slab, at {@link RegionGeometry#slabEntryOffset(int)}: which namespace owns the slab and how
 * many blocks it is cut into. A cache line each, so that the manager's writes to one slab never contend with
 * readers of another. Written only by the manager.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  | namespaceId (u32), 0 = free   |     blocksInSlab (u32)        |  0
 *  |                 assignCount (u64): reassignments so far       |  8
 *  |                 reserved, zero (48 bytes)                     | 16
 *  +---------------------------------------------------------------+ 64
 * </pre>
 * Ordering: on assignment the manager writes blocksInSlab and assignCount, then namespaceId with release; a
 * reader loads namespaceId with acquire. A slab is only reassigned once every block in it is FREE.
 */
public final class SlabTableDescriptor
{
    public static final int ENTRY_LENGTH_BYTES = 64;
    public static final int NAMESPACE_ID_OFFSET = 0;
    public static final int BLOCKS_IN_SLAB_OFFSET = 4;
    public static final int ASSIGN_COUNT_OFFSET = 8;

    private static final VarHandle NAMESPACE_ID = ValueLayout.JAVA_INT.varHandle();

    private SlabTableDescriptor()
    {
    }

    /**
     * Assigns a slab to a namespace (or frees it with namespaceId 0).
     *
     * @param region       mapped region.
     * @param entryOffset  offset of the slab's entry.
     * @param namespaceId  new owner, or 0 for free.
     * @param blocksInSlab blocks the slab is cut into for that owner, 0 when free.
     */
    public static void assign(
        final MemorySegment region, final long entryOffset, final int namespaceId, final int blocksInSlab)
    {
        region.set(ValueLayout.JAVA_INT, entryOffset + BLOCKS_IN_SLAB_OFFSET, blocksInSlab);
        final long count = region.get(ValueLayout.JAVA_LONG, entryOffset + ASSIGN_COUNT_OFFSET);
        region.set(ValueLayout.JAVA_LONG, entryOffset + ASSIGN_COUNT_OFFSET, count + 1);
        NAMESPACE_ID.setRelease(region, entryOffset + NAMESPACE_ID_OFFSET, namespaceId);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the slab's entry.
     * @return owning namespace id (0 = free), read with acquire.
     */
    public static int namespaceId(final MemorySegment region, final long entryOffset)
    {
        return (int)NAMESPACE_ID.getAcquire(region, entryOffset + NAMESPACE_ID_OFFSET);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the slab's entry.
     * @return blocks the slab is cut into.
     */
    public static int blocksInSlab(final MemorySegment region, final long entryOffset)
    {
        return region.get(ValueLayout.JAVA_INT, entryOffset + BLOCKS_IN_SLAB_OFFSET);
    }
}
