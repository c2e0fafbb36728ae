package io.kvpool.protocol;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The superblock at offset 0 of every region: identity, format version and geometry, then the manager-owned
 * mutable words. All fields are little-endian. Specified in {@code docs/spec/region-format.md}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 magic "KVPOOLRG" (u64)                         |  0
 *  +-------------------------------+-------------------------------+
 *  |        major version (u32)    |      minor version (u32)      |  8
 *  +-------------------------------+-------------------------------+
 *  |          region UUID, most significant bits (u64)             | 16
 *  |          region UUID, least significant bits (u64)            | 24
 *  |                 regionLengthBytes (u64)                       | 32
 *  |                 slabSizeBytes (u64)                           | 40
 *  |                 minBlockSizeBytes (u64)                       | 48
 *  +-------------------------------+-------------------------------+
 *  |          slabCount (u32)      |     maxBlocksPerSlab (u32)    | 56
 *  |        maxNamespaces (u32)    |        reserved, zero         | 64
 *  +-------------------------------+-------------------------------+
 *  |                 namespaceTableOffset (u64)                    | 72
 *  |                 slabTableOffset (u64)                         | 80
 *  |                 blockTableOffset (u64)                        | 88
 *  |                 dataOffset (u64)                              | 96
 *  |                 formatTimeEpochMillis (u64)                   | 104
 *  |                 reserved, zero (12 bytes) ...                 | 112
 *  +-------------------------------+-------------------------------+
 *  |   ...         | geometry CRC32C of bytes 8..123 (u32)         | 124
 *  +===============================================================+  mutable, written by the manager only
 *  |       cleanShutdown (u32)     |        reserved, zero         | 128
 *  |                 managerEpoch (u64)                            | 136
 *  |                 accessTick (u64)                              | 144
 *  |                 managerPid (u64)                              | 152
 *  +---------------------------------------------------------------+
 *  |                 zero up to 4096                               |
 * </pre>
 * Stateless; the flyweight methods are as thread-safe as the segment they are given.
 */
public final class SuperblockDescriptor
{
    /** "KVPOOLRG" as bytes in memory order. */
    public static final long MAGIC = 0x47524C4F4F50564BL;
    /** Incompatible changes increment it; a different major version is refused on attach. */
    public static final int MAJOR_VERSION = 1;
    /** Compatible additions increment it; any minor version is accepted. */
    public static final int MINOR_VERSION = 2;
    /** The superblock occupies one 4 KiB page. */
    public static final int LENGTH_BYTES = 4096;

    public static final int MAGIC_OFFSET = 0;
    public static final int MAJOR_VERSION_OFFSET = 8;
    public static final int MINOR_VERSION_OFFSET = 12;
    public static final int UUID_MSB_OFFSET = 16;
    public static final int UUID_LSB_OFFSET = 24;
    public static final int REGION_LENGTH_OFFSET = 32;
    public static final int SLAB_SIZE_OFFSET = 40;
    public static final int MIN_BLOCK_SIZE_OFFSET = 48;
    public static final int SLAB_COUNT_OFFSET = 56;
    public static final int MAX_BLOCKS_PER_SLAB_OFFSET = 60;
    public static final int MAX_NAMESPACES_OFFSET = 64;
    public static final int NAMESPACE_TABLE_OFFSET_OFFSET = 72;
    public static final int SLAB_TABLE_OFFSET_OFFSET = 80;
    public static final int BLOCK_TABLE_OFFSET_OFFSET = 88;
    public static final int DATA_OFFSET_OFFSET = 96;
    public static final int FORMAT_TIME_OFFSET = 104;
    public static final int GEOMETRY_CHECKSUM_OFFSET = 124;
    public static final int CLEAN_SHUTDOWN_OFFSET = 128;
    public static final int MANAGER_EPOCH_OFFSET = 136;
    public static final int ACCESS_TICK_OFFSET = 144;
    public static final int MANAGER_PID_OFFSET = 152;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    private static final VarHandle CLEAN_SHUTDOWN = U32.varHandle();

    static
    {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
        {
            throw new ExceptionInInitializerError("kvpool regions are little-endian; this platform is not");
        }
    }

    private SuperblockDescriptor()
    {
    }

    /**
     * Writes a fresh superblock (identity, version, geometry, checksum) with cleanShutdown=0 and epoch 0.
     *
     * @param region   mapped region, at least {@link #LENGTH_BYTES} long.
     * @param geometry layout to record.
     * @param uuid     identity of the region.
     * @param nowMillis format time.
     */
    public static void write(
        final MemorySegment region, final RegionGeometry geometry, final UUID uuid, final long nowMillis)
    {
        region.asSlice(0, LENGTH_BYTES).fill((byte)0);
        region.set(U32, MAJOR_VERSION_OFFSET, MAJOR_VERSION);
        region.set(U32, MINOR_VERSION_OFFSET, MINOR_VERSION);
        region.set(U64, UUID_MSB_OFFSET, uuid.getMostSignificantBits());
        region.set(U64, UUID_LSB_OFFSET, uuid.getLeastSignificantBits());
        region.set(U64, REGION_LENGTH_OFFSET, geometry.regionLengthBytes());
        region.set(U64, SLAB_SIZE_OFFSET, geometry.slabSizeBytes());
        region.set(U64, MIN_BLOCK_SIZE_OFFSET, geometry.minBlockSizeBytes());
        region.set(U32, SLAB_COUNT_OFFSET, geometry.slabCount());
        region.set(U32, MAX_BLOCKS_PER_SLAB_OFFSET, geometry.maxBlocksPerSlab());
        region.set(U32, MAX_NAMESPACES_OFFSET, geometry.maxNamespaces());
        region.set(U64, NAMESPACE_TABLE_OFFSET_OFFSET, geometry.namespaceTableOffset());
        region.set(U64, SLAB_TABLE_OFFSET_OFFSET, geometry.slabTableOffset());
        region.set(U64, BLOCK_TABLE_OFFSET_OFFSET, geometry.blockTableOffset());
        region.set(U64, DATA_OFFSET_OFFSET, geometry.dataOffset());
        region.set(U64, FORMAT_TIME_OFFSET, nowMillis);
        region.set(U32, GEOMETRY_CHECKSUM_OFFSET, geometryChecksum(region));
        // The magic goes last, with release: a reader that sees it sees a complete superblock.
        VarHandle.releaseFence();
        region.set(U64, MAGIC_OFFSET, MAGIC);
    }

    /**
     * @param region mapped region as attached.
     * @return whether the region was never formatted: long enough for a superblock, and the superblock's bytes all
     *         zero (a fresh device or file). Reads only.
     */
    public static boolean isUnformatted(final MemorySegment region)
    {
        return region.byteSize() >= LENGTH_BYTES && region.get(U64, MAGIC_OFFSET) == 0 &&
            isZero(region.asSlice(0, LENGTH_BYTES));
    }

    /**
     * Validates a superblock and reads its geometry. Reads only; never writes. Whether the geometry is the one a
     * caller asked for is the caller's check (the manager's names the options that disagree).
     *
     * @param region mapped region as attached.
     * @return the recorded geometry.
     * @throws PoolException {@link ErrorCode#REGION_TRUNCATED}, {@link ErrorCode#REGION_NOT_FORMATTED},
     *                       {@link ErrorCode#REGION_BAD_MAGIC}, {@link ErrorCode#REGION_BAD_VERSION} or
     *                       {@link ErrorCode#REGION_BAD_GEOMETRY}, naming the field and both values.
     */
    public static RegionGeometry validate(final MemorySegment region)
    {
        if (region.byteSize() < LENGTH_BYTES)
        {
            throw new PoolException(ErrorCode.REGION_TRUNCATED, "region length " + region.byteSize() +
                " is shorter than a superblock (" + LENGTH_BYTES + " bytes); map the whole region");
        }
        if (isUnformatted(region))
        {
            throw new PoolException(ErrorCode.REGION_NOT_FORMATTED,
                "the region has no superblock (all zero): format it first with kvpool manager --format (or --format-if-empty)");
        }
        // Acquire, pairing with format's release: the fields read after it are the ones written before it.
        final long magic = region.get(U64, MAGIC_OFFSET);
        VarHandle.acquireFence();
        if (magic != MAGIC)
        {
            throw new PoolException(ErrorCode.REGION_BAD_MAGIC, "field=magic expected=0x" + Long.toHexString(MAGIC) +
                " found=0x" + Long.toHexString(magic) + ": this is not a kvpool region (or it was overwritten); " +
                "point at the right device or file, or reformat it explicitly with kvpool manager --format");
        }
        final int major = region.get(U32, MAJOR_VERSION_OFFSET);
        if (major != MAJOR_VERSION)
        {
            throw new PoolException(ErrorCode.REGION_BAD_VERSION, "field=majorVersion expected=" + MAJOR_VERSION +
                " found=" + major + ": the region was formatted by an incompatible kvpool; use that version or " +
                "reformat with kvpool manager --format (destroys its contents)");
        }
        final int storedChecksum = region.get(U32, GEOMETRY_CHECKSUM_OFFSET);
        final int actualChecksum = geometryChecksum(region);
        if (storedChecksum != actualChecksum)
        {
            throw new PoolException(ErrorCode.REGION_BAD_GEOMETRY, "field=geometryChecksum expected=0x" +
                Integer.toHexString(actualChecksum) + " found=0x" + Integer.toHexString(storedChecksum) +
                ": the superblock is corrupt");
        }
        final RegionGeometry recorded = read(region);
        final RegionGeometry derived = RegionGeometry.layout(recorded.regionLengthBytes(), recorded.slabSizeBytes(),
            recorded.minBlockSizeBytes(), recorded.maxNamespaces());
        requireEqualGeometry(derived, recorded, "derived", "recorded");
        if (recorded.regionLengthBytes() > region.byteSize())
        {
            throw new PoolException(ErrorCode.REGION_TRUNCATED, "field=regionLengthBytes recorded=" +
                recorded.regionLengthBytes() + " mapped=" + region.byteSize() +
                ": the region's file or device is shorter than when it was formatted");
        }
        return recorded;
    }

    private static void requireEqualGeometry(
        final RegionGeometry expected, final RegionGeometry found, final String expectedName, final String foundName)
    {
        check("regionLengthBytes", expected.regionLengthBytes(), found.regionLengthBytes(), expectedName, foundName);
        check("slabSizeBytes", expected.slabSizeBytes(), found.slabSizeBytes(), expectedName, foundName);
        check("minBlockSizeBytes", expected.minBlockSizeBytes(), found.minBlockSizeBytes(), expectedName, foundName);
        check("maxNamespaces", expected.maxNamespaces(), found.maxNamespaces(), expectedName, foundName);
        check("slabCount", expected.slabCount(), found.slabCount(), expectedName, foundName);
        check("maxBlocksPerSlab", expected.maxBlocksPerSlab(), found.maxBlocksPerSlab(), expectedName, foundName);
        check("namespaceTableOffset", expected.namespaceTableOffset(), found.namespaceTableOffset(), expectedName,
            foundName);
        check("slabTableOffset", expected.slabTableOffset(), found.slabTableOffset(), expectedName, foundName);
        check("blockTableOffset", expected.blockTableOffset(), found.blockTableOffset(), expectedName, foundName);
        check("dataOffset", expected.dataOffset(), found.dataOffset(), expectedName, foundName);
    }

    private static void check(
        final String field, final long expected, final long found, final String expectedName, final String foundName)
    {
        if (expected != found)
        {
            throw new PoolException(ErrorCode.REGION_BAD_GEOMETRY, "field=" + field + " " + expectedName + "=" +
                expected + " " + foundName + "=" + found + ": the superblock disagrees with itself (corrupt); " +
                "reformat the region explicitly with kvpool manager --format (destroys its contents)");
        }
    }

    /**
     * Reads the recorded geometry without validating it.
     *
     * @param region mapped region.
     * @return the geometry fields as stored.
     */
    public static RegionGeometry read(final MemorySegment region)
    {
        return new RegionGeometry(
            region.get(U64, REGION_LENGTH_OFFSET),
            region.get(U64, SLAB_SIZE_OFFSET),
            region.get(U64, MIN_BLOCK_SIZE_OFFSET),
            region.get(U32, MAX_NAMESPACES_OFFSET),
            region.get(U32, SLAB_COUNT_OFFSET),
            region.get(U32, MAX_BLOCKS_PER_SLAB_OFFSET),
            region.get(U64, NAMESPACE_TABLE_OFFSET_OFFSET),
            region.get(U64, SLAB_TABLE_OFFSET_OFFSET),
            region.get(U64, BLOCK_TABLE_OFFSET_OFFSET),
            region.get(U64, DATA_OFFSET_OFFSET));
    }

    /**
     * @param region mapped region.
     * @return the region's identity.
     */
    public static UUID uuid(final MemorySegment region)
    {
        return new UUID(region.get(U64, UUID_MSB_OFFSET), region.get(U64, UUID_LSB_OFFSET));
    }

    /**
     * @param region mapped region.
     * @return whether the last manager marked the region clean on exit (read with acquire).
     */
    public static boolean isCleanShutdown(final MemorySegment region)
    {
        return (int)CLEAN_SHUTDOWN.getAcquire(region, (long)CLEAN_SHUTDOWN_OFFSET) == 1;
    }

    /**
     * Marks the region clean (on orderly close) or in use (on attach). Written with release after everything the
     * manager flushed, so a reader that sees clean=1 sees the flushed state.
     *
     * @param region mapped region.
     * @param clean  {@code true} on orderly close.
     */
    public static void cleanShutdown(final MemorySegment region, final boolean clean)
    {
        CLEAN_SHUTDOWN.setRelease(region, (long)CLEAN_SHUTDOWN_OFFSET, clean ? 1 : 0);
    }

    /**
     * @param region mapped region.
     * @return the epoch of the manager that last attached.
     */
    public static long managerEpoch(final MemorySegment region)
    {
        return region.get(U64, MANAGER_EPOCH_OFFSET);
    }

    /**
     * Records a manager's attach.
     *
     * @param region mapped region.
     * @param epoch  new epoch, one more than the previous.
     * @param pid    process id of the manager.
     */
    public static void managerEpoch(final MemorySegment region, final long epoch, final long pid)
    {
        region.set(U64, MANAGER_EPOCH_OFFSET, epoch);
        region.set(U64, MANAGER_PID_OFFSET, pid);
    }

    /**
     * @param region mapped region.
     * @return the last persisted logical access tick.
     */
    public static long accessTick(final MemorySegment region)
    {
        return region.get(U64, ACCESS_TICK_OFFSET);
    }

    /**
     * @param region mapped region.
     * @param tick   logical access tick to persist.
     */
    public static void accessTick(final MemorySegment region, final long tick)
    {
        region.set(U64, ACCESS_TICK_OFFSET, tick);
    }

    /**
     * @param region mapped region.
     * @return format time in milliseconds since the epoch.
     */
    public static long formatTimeMillis(final MemorySegment region)
    {
        return region.get(U64, FORMAT_TIME_OFFSET);
    }

    /**
     * @param region mapped region.
     * @return the minor version the region was formatted with.
     */
    public static int minorVersion(final MemorySegment region)
    {
        return region.get(U32, MINOR_VERSION_OFFSET);
    }

    /**
     * Records that the region now follows this version's minor format; the manager only, after upgrading it.
     *
     * @param region mapped region.
     */
    public static void upgradeMinorVersion(final MemorySegment region)
    {
        region.set(U32, MINOR_VERSION_OFFSET, MINOR_VERSION);
        // The minor version is among the bytes the geometry checksum covers.
        region.set(U32, GEOMETRY_CHECKSUM_OFFSET, geometryChecksum(region));
    }

    static int geometryChecksum(final MemorySegment region)
    {
        final CRC32C crc = new CRC32C();
        crc.update(region.asSlice(MAJOR_VERSION_OFFSET, GEOMETRY_CHECKSUM_OFFSET - MAJOR_VERSION_OFFSET).asByteBuffer());
        return (int)crc.getValue();
    }

    private static boolean isZero(final MemorySegment segment)
    {
        for (long i = 0; i < segment.byteSize(); i += 8)
        {
            if (segment.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != 0)
            {
                return false;
            }
        }
        return true;
    }
}
