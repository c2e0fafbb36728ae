package io.kvpool.protocol;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One 64-byte entry per block slot, at {@link RegionGeometry#blockEntryOffset(long)}; block index
 * {@code slab * maxBlocksPerSlab + slot}. A cache line each: the manager updates one block's pin count and
 * access tick without disturbing readers of its neighbours.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |   stamp (u64) = generation (high 56 bits) | state (low 8 bits) |  0
 *  +-------------------------------+-------------------------------+
 *  |       namespaceId (u32)       |   payloadLengthBytes (u32)    |  8
 *  |  checksum (u32, CRC32C)       |       pinCount (u32)          | 16
 *  +-------------------------------+-------------------------------+
 *  |     lastAccessTick (u32)      |     writerIntent (u32)        | 24
 *  +-------------------------------+-------------------------------+
 *  |                 key (32 bytes)                                | 32
 *  +---------------------------------------------------------------+ 64
 * </pre>
 * States: {@link #FREE} (no data), {@link #WRITING} (reserved; a writer owns the bytes), {@link #SEALED}
 * (committed; bytes, length and checksum are immutable until the stamp changes). The generation increases by one
 * on every reservation of the slot, so (block index, generation) names one incarnation of a block forever.
 * <p>
 * <b>Ordering.</b> The manager publishes with release: on commit it writes length, checksum, tick and key, then
 * the SEALED stamp with {@code setRelease}. Before handing a slot to a new writer it stores the new WRITING stamp
 * with {@code setVolatile}, so every reader that could still be copying the old bytes sees the change on its second
 * stamp load. A reader (any process) validates a copy seqlock-style: load the stamp with acquire (must be SEALED
 * with the expected generation), copy the bytes, {@link VarHandle#loadLoadFence()}, load the stamp again; the copy
 * is good only if both loads are equal and no writer intent is held. See {@link BlockProtocol}, the one
 * implementation of the read and write protocols every data path uses.
 * <p>
 * <b>Writer intent.</b> {@code writerIntent} counts writers that may be storing into the block's bytes right now:
 * {@link #CLIENT_WRITER} for each writer between announcing a store and confirming its reservation still held
 * afterwards, {@link #MANAGER_WRITER} for each reservation whose writer the manager cannot stop itself (one-sided
 * RDMA), held from reserve to commit or abort. A writer that finds its reservation revoked after storing leaves its
 * intent in place (the block stays unreadable) and reports the block; the manager then retires the incarnation it
 * may have corrupted and takes the intent back. Any non-zero value makes a copy invalid.
 */
public final class BlockTableDescriptor
{
    public static final int ENTRY_LENGTH_BYTES = 64;
    public static final int STAMP_OFFSET = 0;
    public static final int NAMESPACE_ID_OFFSET = 8;
    public static final int PAYLOAD_LENGTH_OFFSET = 12;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int PIN_COUNT_OFFSET = 20;
    public static final int LAST_ACCESS_TICK_OFFSET = 24;
    public static final int WRITER_INTENT_OFFSET = 28;
    public static final int KEY_OFFSET = 32;

    /** What one writer adds to {@code writerIntent} while it may store into the block (a client, the data agent). */
    public static final int CLIENT_WRITER = 1;
    /**
     * What the manager adds for a reservation whose writer it cannot stop (one-sided RDMA), from reserve to commit or
     * abort. Kept in the high half so that recovery can drop these (the queue pairs died with the manager) while
     * keeping the low half (client writers that may still be running).
     */
    public static final int MANAGER_WRITER = 1 << 16;
    public static final int KEY_LENGTH = 32;

    /** No data; the slot may be reserved. */
    public static final int FREE = 0;
    /** Reserved by a writer under a lease. */
    public static final int WRITING = 1;
    /** Committed and readable. */
    public static final int SEALED = 2;

    private static final int STATE_BITS = 8;
    private static final long STATE_MASK = (1L << STATE_BITS) - 1;
    private static final VarHandle STAMP = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INTENT = ValueLayout.JAVA_INT.varHandle();

    private BlockTableDescriptor()
    {
    }

    /**
     * @param generation incarnation number, {@code 0 <= generation < 2^56}.
     * @param state      {@link #FREE}, {@link #WRITING} or {@link #SEALED}.
     * @return the packed stamp.
     */
    public static long stamp(final long generation, final int state)
    {
        return (generation << STATE_BITS) | state;
    }

    /**
     * @param stamp packed stamp.
     * @return its state.
     */
    public static int state(final long stamp)
    {
        return (int)(stamp & STATE_MASK);
    }

    /**
     * @param stamp packed stamp.
     * @return its generation.
     */
    public static long generation(final long stamp)
    {
        return stamp >>> STATE_BITS;
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @return the stamp, loaded with acquire: fields published before it are visible.
     */
    public static long stampAcquire(final MemorySegment region, final long entryOffset)
    {
        return (long)STAMP.getAcquire(region, entryOffset + STAMP_OFFSET);
    }

    /**
     * Publishes a stamp with release (commit, free).
     *
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @param stamp       new stamp.
     */
    public static void stampRelease(final MemorySegment region, final long entryOffset, final long stamp)
    {
        STAMP.setRelease(region, entryOffset + STAMP_OFFSET, stamp);
    }

    /**
     * Stores a stamp with full (volatile) ordering: used when a slot is handed to a new writer, so that the change
     * is globally visible before any byte of the new incarnation can be written.
     *
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @param stamp       new stamp.
     */
    public static void stampVolatile(final MemorySegment region, final long entryOffset, final long stamp)
    {
        STAMP.setVolatile(region, entryOffset + STAMP_OFFSET, stamp);
    }

    /**
     * Whether a block is still the incarnation a stamp named and no writer may be storing into it: the second half of
     * a read, after the copy ({@link BlockProtocol#endRead} is the one caller on every data path), or a check that
     * nothing happened to a block at all.
     *
     * @param region          mapped region.
     * @param entryOffset     offset of the block's entry.
     * @param stampBeforeCopy stamp loaded (with acquire) before the copy; must have been SEALED.
     * @return {@code true} when the copy is of the incarnation named by {@code stampBeforeCopy}, untouched.
     */
    public static boolean unchangedSince(
        final MemorySegment region, final long entryOffset, final long stampBeforeCopy)
    {
        // Keeps the loads of the copy from moving below the loads that follow (pairs with the manager's volatile
        // store of a new WRITING stamp before a slot is reused, and with a writer's volatile intent increment before
        // its first store: a copy that saw any byte of a writer also sees that writer's intent).
        VarHandle.loadLoadFence();
        return (int)INTENT.getAcquire(region, entryOffset + WRITER_INTENT_OFFSET) == 0 &&
            (long)STAMP.getAcquire(region, entryOffset + STAMP_OFFSET) == stampBeforeCopy;
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @return the writer intent, loaded with acquire.
     */
    public static int writerIntent(final MemorySegment region, final long entryOffset)
    {
        return (int)INTENT.getAcquire(region, entryOffset + WRITER_INTENT_OFFSET);
    }

    /**
     * Adds to the writer intent atomically, with volatile (full fence) ordering: an increment is globally visible
     * before any store that follows it and before the stamp load that follows it (the writer's side of
     * {@link #unchangedSince}).
     *
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @param delta       {@link #CLIENT_WRITER} or {@link #MANAGER_WRITER}, or their negation.
     * @return the intent before the addition.
     */
    public static int addWriterIntent(final MemorySegment region, final long entryOffset, final int delta)
    {
        return (int)INTENT.getAndAdd(region, entryOffset + WRITER_INTENT_OFFSET, delta);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @return owning namespace id.
     */
    public static int namespaceId(final MemorySegment region, final long entryOffset)
    {
        return region.get(ValueLayout.JAVA_INT, entryOffset + NAMESPACE_ID_OFFSET);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @return committed payload length in bytes.
     */
    public static int payloadLengthBytes(final MemorySegment region, final long entryOffset)
    {
        return region.get(ValueLayout.JAVA_INT, entryOffset + PAYLOAD_LENGTH_OFFSET);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @return CRC32C of the committed payload.
     */
    public static int checksum(final MemorySegment region, final long entryOffset)
    {
        return region.get(ValueLayout.JAVA_INT, entryOffset + CHECKSUM_OFFSET);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @return read pins held on the block.
     */
    public static int pinCount(final MemorySegment region, final long entryOffset)
    {
        return region.get(ValueLayout.JAVA_INT, entryOffset + PIN_COUNT_OFFSET);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @return logical tick of the last read or write: 32 bits, unsigned (it wraps after 2^32 ticks, which costs
     *         eviction at most one misjudged reference per block).
     */
    public static long lastAccessTick(final MemorySegment region, final long entryOffset)
    {
        return Integer.toUnsignedLong(region.get(ValueLayout.JAVA_INT, entryOffset + LAST_ACCESS_TICK_OFFSET));
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @param key         destination of the 32-byte key.
     * @param keyOffset   offset in {@code key}.
     */
    public static void key(final MemorySegment region, final long entryOffset, final byte[] key, final int keyOffset)
    {
        MemorySegment.copy(region, ValueLayout.JAVA_BYTE, entryOffset + KEY_OFFSET, key, keyOffset, KEY_LENGTH);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @param keys        memory holding a 32-byte key.
     * @param keyOffset   the key's offset in {@code keys}.
     * @return whether the entry holds that key (plain loads: check the stamp around it).
     */
    public static boolean hasKey(
        final MemorySegment region, final long entryOffset, final MemorySegment keys, final long keyOffset)
    {
        return MemorySegment.mismatch(region, entryOffset + KEY_OFFSET, entryOffset + KEY_OFFSET + KEY_LENGTH,
            keys, keyOffset, keyOffset + KEY_LENGTH) == -1;
    }

    /**
     * Writes the fields a writer owns while a block is not published; the manager only.
     *
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @param namespaceId owner.
     * @param key         source of the 32-byte key.
     * @param keyOffset   offset in {@code key}.
     */
    public static void owner(
        final MemorySegment region, final long entryOffset, final int namespaceId, final byte[] key,
        final int keyOffset)
    {
        region.set(ValueLayout.JAVA_INT, entryOffset + NAMESPACE_ID_OFFSET, namespaceId);
        MemorySegment.copy(key, keyOffset, region, ValueLayout.JAVA_BYTE, entryOffset + KEY_OFFSET, KEY_LENGTH);
    }

    /**
     * Records the payload of a block about to be sealed; the manager only, before {@link #stampRelease}.
     *
     * @param region             mapped region.
     * @param entryOffset        offset of the block's entry.
     * @param payloadLengthBytes committed length.
     * @param checksum           CRC32C of the payload.
     */
    public static void payload(
        final MemorySegment region, final long entryOffset, final int payloadLengthBytes, final int checksum)
    {
        region.set(ValueLayout.JAVA_INT, entryOffset + PAYLOAD_LENGTH_OFFSET, payloadLengthBytes);
        region.set(ValueLayout.JAVA_INT, entryOffset + CHECKSUM_OFFSET, checksum);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @param pinCount    new pin count; the manager only.
     */
    public static void pinCount(final MemorySegment region, final long entryOffset, final int pinCount)
    {
        region.set(ValueLayout.JAVA_INT, entryOffset + PIN_COUNT_OFFSET, pinCount);
    }

    /**
     * Records an access. Plain store: a racing update from another process may win, which only makes the tick a
     * little older or newer; eviction treats it as a hint.
     *
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @param tick        logical access tick.
     */
    public static void lastAccessTick(final MemorySegment region, final long entryOffset, final long tick)
    {
        // 32 bits: the word beside it is the writer intent, which this store must never touch.
        region.set(ValueLayout.JAVA_INT, entryOffset + LAST_ACCESS_TICK_OFFSET, (int)tick);
    }
}
