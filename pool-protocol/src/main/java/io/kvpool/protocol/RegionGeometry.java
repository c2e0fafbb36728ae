package io.kvpool.protocol;

/**
 * Where everything lives in a formatted region, computed from four choices made at format time. Immutable;
 * thread-safe.
 * <pre>
 *   0                      superblock                       (SuperblockDescriptor.LENGTH_BYTES)
 *   namespaceTableOffset   maxNamespaces x 128 B entries    (NamespaceTableDescriptor)
 *   slabTableOffset        slabCount x 64 B entries         (SlabTableDescriptor)
 *   blockTableOffset       slabCount x maxBlocksPerSlab x 64 B entries (BlockTableDescriptor)
 *   dataOffset             slabCount x slabSizeBytes        (2 MiB aligned)
 * </pre>
 *
 * @param regionLengthBytes    formatted length of the region.
 * @param slabSizeBytes        size of a slab; a multiple of {@link #SLAB_ALIGNMENT_BYTES}.
 * @param minBlockSizeBytes    smallest block size a namespace may use; bounds the block slots per slab.
 * @param maxNamespaces        number of namespace table entries.
 * @param slabCount            number of slabs in the data area.
 * @param maxBlocksPerSlab     block table entries reserved per slab: {@code slabSizeBytes / minBlockSizeBytes}.
 * @param namespaceTableOffset in bytes from the start of the region.
 * @param slabTableOffset      in bytes from the start of the region.
 * @param blockTableOffset     in bytes from the start of the region.
 * @param dataOffset           in bytes from the start of the region; a multiple of {@link #SLAB_ALIGNMENT_BYTES}.
 */
public record RegionGeometry(
    long regionLengthBytes,
    long slabSizeBytes,
    long minBlockSizeBytes,
    int maxNamespaces,
    int slabCount,
    int maxBlocksPerSlab,
    long namespaceTableOffset,
    long slabTableOffset,
    long blockTableOffset,
    long dataOffset)
{
    /** Slabs and the data area are aligned to 2 MiB so that huge pages and devdax alignment both hold. */
    public static final long SLAB_ALIGNMENT_BYTES = 2L * 1024 * 1024;
    /** Default slab size: 64 MiB. */
    public static final long DEFAULT_SLAB_SIZE_BYTES = 64L * 1024 * 1024;
    /** Default smallest block: 16 KiB, which costs 0.4% of the data area in block table entries. */
    public static final long DEFAULT_MIN_BLOCK_SIZE_BYTES = 16L * 1024;
    /** Default number of namespace entries. */
    public static final int DEFAULT_MAX_NAMESPACES = 64;
    /** Block sizes are multiples of a cache line so that no two blocks share one. */
    public static final long BLOCK_ALIGNMENT_BYTES = 64;
    /** Largest slab: block lengths are recorded as 32-bit values. */
    public static final long MAX_SLAB_SIZE_BYTES = 1L << 30;

    /**
     * Lays out a region of the given length.
     *
     * @param regionLengthBytes length available for the pool.
     * @param slabSizeBytes     size of a slab: a multiple of 2 MiB, at most 1 GiB.
     * @param minBlockSizeBytes smallest block any namespace may use: a multiple of 64 dividing the slab size.
     * @param maxNamespaces     namespace table entries, 1 to 65535.
     * @return the layout, with as many slabs as fit.
     * @throws PoolException {@link ErrorCode#REGION_BAD_GEOMETRY} when the values are out of range or not even one
     *                       slab fits.
     */
    public static RegionGeometry layout(
        final long regionLengthBytes, final long slabSizeBytes, final long minBlockSizeBytes, final int maxNamespaces)
    {
        if (slabSizeBytes < SLAB_ALIGNMENT_BYTES || slabSizeBytes % SLAB_ALIGNMENT_BYTES != 0 ||
            slabSizeBytes > MAX_SLAB_SIZE_BYTES)
        {
            throw geometry("slabSizeBytes=" + slabSizeBytes + " must be a multiple of 2 MiB between 2 MiB and 1 GiB");
        }
        if (minBlockSizeBytes < BLOCK_ALIGNMENT_BYTES || minBlockSizeBytes % BLOCK_ALIGNMENT_BYTES != 0 ||
            slabSizeBytes % minBlockSizeBytes != 0)
        {
            throw geometry("minBlockSizeBytes=" + minBlockSizeBytes +
                " must be a multiple of 64 that divides slabSizeBytes=" + slabSizeBytes);
        }
        if (maxNamespaces < 1 || maxNamespaces > 65535)
        {
            throw geometry("maxNamespaces=" + maxNamespaces + " must be between 1 and 65535");
        }
        final int maxBlocksPerSlab = Math.toIntExact(slabSizeBytes / minBlockSizeBytes);
        final long namespaceTableOffset = SuperblockDescriptor.LENGTH_BYTES;
        final long slabTableOffset =
            align(namespaceTableOffset + (long)maxNamespaces * NamespaceTableDescriptor.ENTRY_LENGTH_BYTES, 4096);
        final long perSlabBytes = slabSizeBytes + SlabTableDescriptor.ENTRY_LENGTH_BYTES +
            (long)maxBlocksPerSlab * BlockTableDescriptor.ENTRY_LENGTH_BYTES;
        long slabCount = Math.max(0, (regionLengthBytes - slabTableOffset) / perSlabBytes);
        while (slabCount > 0)
        {
            final RegionGeometry candidate = at(regionLengthBytes, slabSizeBytes, minBlockSizeBytes, maxNamespaces,
                (int)Math.min(slabCount, Integer.MAX_VALUE), maxBlocksPerSlab, namespaceTableOffset, slabTableOffset);
            if (candidate.dataEndOffset() <= regionLengthBytes)
            {
                return candidate;
            }
            slabCount--;
        }
        throw geometry("regionLengthBytes=" + regionLengthBytes + " holds no slab of slabSizeBytes=" + slabSizeBytes +
            " after its metadata; use a larger region or smaller slabs");
    }

    private static RegionGeometry at(
        final long regionLengthBytes, final long slabSizeBytes, final long minBlockSizeBytes, final int maxNamespaces,
        final int slabCount, final int maxBlocksPerSlab, final long namespaceTableOffset, final long slabTableOffset)
    {
        final long blockTableOffset =
            align(slabTableOffset + (long)slabCount * SlabTableDescriptor.ENTRY_LENGTH_BYTES, 4096);
        final long dataOffset = align(
            blockTableOffset + (long)slabCount * maxBlocksPerSlab * BlockTableDescriptor.ENTRY_LENGTH_BYTES,
            SLAB_ALIGNMENT_BYTES);
        return new RegionGeometry(regionLengthBytes, slabSizeBytes, minBlockSizeBytes, maxNamespaces, slabCount,
            maxBlocksPerSlab, namespaceTableOffset, slabTableOffset, blockTableOffset, dataOffset);
    }

    /**
     * @return offset of the first byte past the last slab.
     */
    public long dataEndOffset()
    {
        return dataOffset + (long)slabCount * slabSizeBytes;
    }

    /**
     * @return number of block table entries (and the exclusive upper bound of block indices).
     */
    public long blockTableEntries()
    {
        return (long)slabCount * maxBlocksPerSlab;
    }

    /**
     * @param slab index of a slab, {@code 0 <= slab < slabCount}.
     * @return offset of the slab's first byte.
     */
    public long slabOffset(final int slab)
    {
        return dataOffset + (long)slab * slabSizeBytes;
    }

    /**
     * @param blockIndex global block index: {@code slab * maxBlocksPerSlab + slot}.
     * @return offset of the block's table entry.
     */
    public long blockEntryOffset(final long blockIndex)
    {
        return blockTableOffset + blockIndex * BlockTableDescriptor.ENTRY_LENGTH_BYTES;
    }

    /**
     * @param blockIndex     global block index.
     * @param blockSizeBytes block size of the namespace that owns the slab.
     * @return offset of the block's first payload byte.
     */
    public long blockDataOffset(final long blockIndex, final long blockSizeBytes)
    {
        final int slab = (int)(blockIndex / maxBlocksPerSlab);
        final long slot = blockIndex % maxBlocksPerSlab;
        return slabOffset(slab) + slot * blockSizeBytes;
    }

    /**
     * @param slab index of a slab.
     * @return offset of the slab's table entry.
     */
    public long slabEntryOffset(final int slab)
    {
        return slabTableOffset + (long)slab * SlabTableDescriptor.ENTRY_LENGTH_BYTES;
    }

    /**
     * @param namespaceId namespace id, {@code 1 <= id <= maxNamespaces}.
     * @return offset of the namespace's table entry.
     */
    public long namespaceEntryOffset(final int namespaceId)
    {
        return namespaceTableOffset + (long)(namespaceId - 1) * NamespaceTableDescriptor.ENTRY_LENGTH_BYTES;
    }

    static long align(final long value, final long alignment)
    {
        return (value + alignment - 1) / alignment * alignment;
    }

    private static PoolException geometry(final String message)
    {
        return new PoolException(ErrorCode.REGION_BAD_GEOMETRY, message);
    }
}
