package io.kvpool.bench.replay;

import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.RegionGeometry;

/**
 * Region sizes for an embedded pool of the default geometry (64 MiB slabs, 16 KiB smallest block, 64 namespaces),
 * found by laying regions out as the manager will: the pool grows by whole slabs, and its tables take room before
 * the first. Stateless and thread-safe.
 */
final class PoolSizes
{
    /** Most blocks {@code --capacity-blocks} takes: a region of a few TiB of 16 KiB blocks. */
    static final long MAX_BLOCKS = 1L << 28;

    private PoolSizes()
    {
    }

    /**
     * @return the smallest region that holds one slab.
     */
    static long smallestRegionBytes()
    {
        return regionBytesForSlabs(1);
    }

    /**
     * @param blocks         blocks the pool must hold, at least 1.
     * @param blockSizeBytes bytes of each block: a multiple of 64 that is at most a slab.
     * @return the smallest region (a multiple of 2 MiB) whose slabs hold at least {@code blocks} such blocks.
     */
    static long regionBytesForBlocks(final long blocks, final long blockSizeBytes)
    {
        final long blocksPerSlab = RegionGeometry.DEFAULT_SLAB_SIZE_BYTES / blockSizeBytes;
        return regionBytesForSlabs((blocks + blocksPerSlab - 1) / blocksPerSlab);
    }

    private static long regionBytesForSlabs(final long slabs)
    {
        // The slabs themselves, then 2 MiB more at a time until the tables fit beside them too.
        for (long bytes = slabs * RegionGeometry.DEFAULT_SLAB_SIZE_BYTES; ;
             bytes += RegionGeometry.SLAB_ALIGNMENT_BYTES)
        {
            try
            {
                if (RegionGeometry.layout(bytes, RegionGeometry.DEFAULT_SLAB_SIZE_BYTES,
                    RegionGeometry.DEFAULT_MIN_BLOCK_SIZE_BYTES, RegionGeometry.DEFAULT_MAX_NAMESPACES).slabCount() >=
                    slabs)
                {
                    return bytes;
                }
            }
            catch (final PoolException ex)
            {
                // Not even one slab fits yet: grow.
            }
        }
    }
}
