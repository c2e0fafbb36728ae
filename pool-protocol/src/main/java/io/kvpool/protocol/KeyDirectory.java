package io.kvpool.protocol;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The key directory (region-format.md §9, format 1.2): a table in the region's unused tail that says which block
 * holds a key, so that a load/store client finds a key's block itself — no LOOKUP, no manager thread woken — the
 * first time it reads the key as well as every later time.
 * <p>
 * Buckets of 64 bytes (one cache line) hold eight 64-bit slots; a slot is {@code tag << 32 | blockIndex}, zero when
 * empty. The manager is the one writer: it fills a slot as it seals a block, and rebuilds the whole directory from
 * the block table when it attaches. Readers load slots lock-free. A slot is a <b>hint</b>, never trusted: a reader
 * takes a block only if its table entry is SEALED, in the reader's namespace, with the reader's full key, all read
 * between two equal loads of the stamp — the same checks a remembered location passes, so a stale, overwritten or
 * torn slot (or a directory nobody maintains: a 1.1 manager attached to a 1.2 region) costs a LOOKUP, never a wrong
 * block. Whether the copy that follows holds that incarnation is checked as for any read ({@link BlockProtocol}).
 * <p>
 * Thread-safe for any number of readers and one writer (the manager's thread that seals).
 */
public final class KeyDirectory
{
    /** The format minor version that added the directory: a region of an earlier minor has none. */
    public static final int SINCE_MINOR_VERSION = 2;
    /** One cache line per bucket. */
    public static final int BUCKET_BYTES = 64;
    /** 64-bit slots per bucket. */
    public static final int SLOTS_PER_BUCKET = 8;
    /** A directory smaller than this (4 KiB) is not kept: the tail is too short. */
    public static final long MIN_BUCKETS = 64;

    private static final VarHandle SLOT = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final ValueLayout.OfLong KEY_WORD =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int KEY_WORDS = BlockTableDescriptor.KEY_LENGTH / Long.BYTES;

    private final MemorySegment region;
    private final RegionGeometry geometry;
    private final long offset;
    private final long mask;
    private int victim;

    private KeyDirectory(final MemorySegment region, final RegionGeometry geometry, final long buckets)
    {
        this.region = region;
        this.geometry = geometry;
        this.offset = offset(geometry);
        this.mask = buckets - 1;
    }

    /**
     * A block the directory pointed at, checked against the block table.
     *
     * @param blockIndex         the block.
     * @param generation         the incarnation the stamp named (pass it to {@link BlockProtocol#beginRead}).
     * @param payloadLengthBytes committed length, read inside the stamp check.
     * @param checksum           CRC32C of the payload, read inside the stamp check.
     */
    public record Hit(long blockIndex, long generation, int payloadLengthBytes, int checksum)
    {
    }

    /**
     * For readers: the directory of a region, if it keeps one.
     *
     * @return the directory, or {@code null} when the region's format is older than 1.2 or its tail holds none.
     */
    public static KeyDirectory attach(final MemorySegment region, final RegionGeometry geometry)
    {
        return SuperblockDescriptor.minorVersion(region) < SINCE_MINOR_VERSION ? null : of(region, geometry);
    }

    /**
     * For the manager: the directory this geometry has room for, whatever the region's format says.
     *
     * @return the directory, or {@code null} when the tail holds none (or the mapping ends before it: a region
     *         file cut short under its readers).
     */
    public static KeyDirectory of(final MemorySegment region, final RegionGeometry geometry)
    {
        final long buckets = buckets(geometry);
        return buckets == 0 || region.byteSize() < offset(geometry) + buckets * BUCKET_BYTES ? null :
            new KeyDirectory(region, geometry, buckets);
    }

    /**
     * @return where the directory of a region with this geometry starts: the first 4 KiB boundary past the slabs.
     */
    public static long offset(final RegionGeometry geometry)
    {
        return RegionGeometry.align(geometry.dataEndOffset(), 4096);
    }

    /**
     * Buckets of a region with this geometry: the power of two at or above one bucket per eight block table
     * entries, halved until it fits between {@link #offset} and the region's end; 0 (no directory) below
     * {@link #MIN_BUCKETS} or when a block index would not fit 32 bits.
     */
    public static long buckets(final RegionGeometry geometry)
    {
        final long entries = geometry.blockTableEntries();
        if (entries > 0xFFFF_FFFFL)
        {
            return 0;
        }
        final long wanted = Math.max(MIN_BUCKETS, (entries + SLOTS_PER_BUCKET - 1) / SLOTS_PER_BUCKET);
        long buckets = Long.highestOneBit(wanted) == wanted ? wanted : Long.highestOneBit(wanted) << 1;
        final long room = Math.max(0, (geometry.regionLengthBytes() - offset(geometry)) / BUCKET_BYTES);
        while (buckets > room)
        {
            buckets >>= 1;
        }
        return buckets >= MIN_BUCKETS ? buckets : 0;
    }

    /**
     * The hash of a key in a namespace: {@code h = namespaceId}, then for each of the key's four little-endian
     * 64-bit words {@code h = fmix64(h ^ word)} (MurmurHash3's finalizer). The bucket is {@code h & (buckets - 1)},
     * the tag {@code (h >>> 32) | 1}.
     *
     * @param namespaceId the key's namespace.
     * @param keys        memory holding the 32-byte key.
     * @param keyOffset   the key's offset in {@code keys}.
     */
    public static long hash(final int namespaceId, final MemorySegment keys, final long keyOffset)
    {
        long h = namespaceId & 0xFFFF_FFFFL;
        for (int w = 0; w < KEY_WORDS; w++)
        {
            h = fmix64(h ^ keys.get(KEY_WORD, keyOffset + (long)w * Long.BYTES));
        }
        return h;
    }

    /**
     * @return the number of buckets.
     */
    public long buckets()
    {
        return mask + 1;
    }

    /**
     * @return slots that name a block (current or stale: a reader checks them), for inspection.
     */
    public long slotsInUse()
    {
        long used = 0;
        for (long at = offset; at < offset + buckets() * BUCKET_BYTES; at += Long.BYTES)
        {
            used += (long)SLOT.getAcquire(region, at) != 0 ? 1 : 0;
        }
        return used;
    }

    /**
     * Looks a key up (a reader): every slot of its bucket whose tag matches is checked against the block table.
     *
     * @param namespaceId the reader's namespace.
     * @param keys        memory holding the key.
     * @param keyOffset   the key's offset in {@code keys}.
     * @return the key's sealed block, or {@code null} (ask the manager).
     */
    public Hit find(final int namespaceId, final MemorySegment keys, final long keyOffset)
    {
        final long h = hash(namespaceId, keys, keyOffset);
        final long bucket = offset + (h & mask) * BUCKET_BYTES;
        final int tag = tag(h);
        for (int s = 0; s < SLOTS_PER_BUCKET; s++)
        {
            final long slot = (long)SLOT.getAcquire(region, bucket + (long)s * Long.BYTES);
            if (slot != 0 && (int)(slot >>> 32) == tag)
            {
                final Hit hit = check(slot & 0xFFFF_FFFFL, namespaceId, keys, keyOffset);
                if (hit != null)
                {
                    return hit;
                }
            }
        }
        return null;
    }

    private Hit check(final long block, final int namespaceId, final MemorySegment keys, final long keyOffset)
    {
        if (block >= geometry.blockTableEntries())
        {
            return null;
        }
        final long entry = geometry.blockEntryOffset(block);
        final long stamp = BlockTableDescriptor.stampAcquire(region, entry);
        if (BlockTableDescriptor.state(stamp) != BlockTableDescriptor.SEALED ||
            BlockTableDescriptor.namespaceId(region, entry) != namespaceId ||
            !BlockTableDescriptor.hasKey(region, entry, keys, keyOffset))
        {
            return null;
        }
        final int length = BlockTableDescriptor.payloadLengthBytes(region, entry);
        final int checksum = BlockTableDescriptor.checksum(region, entry);
        return BlockTableDescriptor.unchangedSince(region, entry, stamp) ?
            new Hit(block, BlockTableDescriptor.generation(stamp), length, checksum) : null;
    }

    /**
     * Records that a block was just sealed (the manager, after the SEALED stamp): the key is read from its table
     * entry. The slot goes where the block already is in the key's bucket, else in an empty slot, else over a slot
     * whose block is no longer sealed, else over the bucket's slots in turn.
     *
     * @param blockIndex the sealed block.
     */
    public void sealed(final int blockIndex)
    {
        final long entry = geometry.blockEntryOffset(blockIndex);
        final long h = hash(BlockTableDescriptor.namespaceId(region, entry), region,
            entry + BlockTableDescriptor.KEY_OFFSET);
        final long bucket = offset + (h & mask) * BUCKET_BYTES;
        int free = -1;
        int stale = -1;
        for (int s = 0; s < SLOTS_PER_BUCKET && free < 0; s++)
        {
            final long slot = (long)SLOT.getAcquire(region, bucket + (long)s * Long.BYTES);
            if (slot == 0 || (slot & 0xFFFF_FFFFL) == blockIndex)
            {
                free = s;
            }
            else if (stale < 0 && !sealedBlock(slot & 0xFFFF_FFFFL))
            {
                stale = s;
            }
        }
        final int s = free >= 0 ? free : stale >= 0 ? stale : victim++ & (SLOTS_PER_BUCKET - 1);
        SLOT.setRelease(region, bucket + (long)s * Long.BYTES, ((long)tag(h) << 32) | blockIndex);
    }

    /**
     * Empties the directory and fills it from the block table's SEALED entries (the manager, as it attaches).
     *
     * @return the blocks entered.
     */
    public long rebuild()
    {
        region.asSlice(offset, buckets() * BUCKET_BYTES).fill((byte)0);
        long entered = 0;
        for (long block = 0; block < geometry.blockTableEntries(); block++)
        {
            if (sealedBlock(block))
            {
                sealed((int)block);
                entered++;
            }
        }
        return entered;
    }

    private boolean sealedBlock(final long block)
    {
        return block < geometry.blockTableEntries() && BlockTableDescriptor.state(
            BlockTableDescriptor.stampAcquire(region, geometry.blockEntryOffset(block))) == BlockTableDescriptor.SEALED;
    }

    private static int tag(final long hash)
    {
        return (int)(hash >>> 32) | 1;
    }

    private static long fmix64(final long value)
    {
        long k = value;
        k ^= k >>> 33;
        k *= 0xFF51AFD7ED558CCDL;
        k ^= k >>> 33;
        k *= 0xC4CEB9FE1A85EC53L;
        k ^= k >>> 33;
        return k;
    }
}
