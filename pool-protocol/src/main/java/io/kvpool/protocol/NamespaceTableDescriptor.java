package io.kvpool.protocol;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * One 128-byte entry per namespace, at {@link RegionGeometry#namespaceEntryOffset(int)}. Namespace ids start at 1;
 * entry {@code id - 1} describes namespace {@code id}. Written only by the manager; readers in other processes
 * check {@code state} with acquire before reading the rest.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |  state (u32) 0=unused 1=active|     namespaceId (u32)         |  0
 *  |                 blockSizeBytes (u64)                          |  8
 *  |        minSlabs (u32)         |        maxSlabs (u32)         | 16
 *  |                 createdEpochMillis (u64)                      | 24
 *  |                 tokenHash: SHA-256 of the token, or zero (32 B)| 32
 *  +---------------+-----------------------------------------------+
 *  | nameLength u8 |   name, UTF-8, nameLength bytes (at most 63)  | 64
 *  +---------------+-----------------------------------------------+ 128
 * </pre>
 * Stateless; as thread-safe as the segment it is given.
 */
public final class NamespaceTableDescriptor
{
    public static final int ENTRY_LENGTH_BYTES = 128;
    public static final int STATE_OFFSET = 0;
    public static final int NAMESPACE_ID_OFFSET = 4;
    public static final int BLOCK_SIZE_OFFSET = 8;
    public static final int MIN_SLABS_OFFSET = 16;
    public static final int MAX_SLABS_OFFSET = 20;
    public static final int CREATED_OFFSET = 24;
    public static final int TOKEN_HASH_OFFSET = 32;
    public static final int TOKEN_HASH_LENGTH = 32;
    public static final int NAME_LENGTH_OFFSET = 64;
    public static final int NAME_OFFSET = 65;
    /** Longest name in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 63;

    public static final int STATE_UNUSED = 0;
    public static final int STATE_ACTIVE = 1;

    private static final VarHandle STATE = ValueLayout.JAVA_INT.varHandle();

    private NamespaceTableDescriptor()
    {
    }

    /**
     * Writes an entry and publishes it (state=active, with release) last.
     *
     * @param region         mapped region.
     * @param entryOffset    from {@link RegionGeometry#namespaceEntryOffset(int)}.
     * @param namespaceId    id of the namespace, 1-based.
     * @param name           name, at most {@link #MAX_NAME_BYTES} UTF-8 bytes.
     * @param blockSizeBytes size of every block of the namespace.
     * @param minSlabs       slabs guaranteed to the namespace.
     * @param maxSlabs       most slabs the namespace may hold.
     * @param tokenHash      SHA-256 of the namespace token, or {@code null} for none.
     * @param nowMillis      creation time.
     */
    public static void write(
        final MemorySegment region, final long entryOffset, final int namespaceId, final String name,
        final long blockSizeBytes, final int minSlabs, final int maxSlabs, final byte[] tokenHash,
        final long nowMillis)
    {
        final byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length == 0 || nameBytes.length > MAX_NAME_BYTES)
        {
            throw new IllegalArgumentException("name='" + name + "' must be 1 to " + MAX_NAME_BYTES + " UTF-8 bytes");
        }
        final MemorySegment entry = region.asSlice(entryOffset, ENTRY_LENGTH_BYTES);
        entry.fill((byte)0);
        entry.set(ValueLayout.JAVA_INT, NAMESPACE_ID_OFFSET, namespaceId);
        entry.set(ValueLayout.JAVA_LONG, BLOCK_SIZE_OFFSET, blockSizeBytes);
        entry.set(ValueLayout.JAVA_INT, MIN_SLABS_OFFSET, minSlabs);
        entry.set(ValueLayout.JAVA_INT, MAX_SLABS_OFFSET, maxSlabs);
        entry.set(ValueLayout.JAVA_LONG, CREATED_OFFSET, nowMillis);
        if (tokenHash != null)
        {
            MemorySegment.copy(tokenHash, 0, entry, ValueLayout.JAVA_BYTE, TOKEN_HASH_OFFSET, TOKEN_HASH_LENGTH);
        }
        entry.set(ValueLayout.JAVA_BYTE, NAME_LENGTH_OFFSET, (byte)nameBytes.length);
        MemorySegment.copy(nameBytes, 0, entry, ValueLayout.JAVA_BYTE, NAME_OFFSET, nameBytes.length);
        // Reader: any process scanning the table; it reads state with acquire, then the fields above.
        STATE.setRelease(region, entryOffset + STATE_OFFSET, STATE_ACTIVE);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of the entry.
     * @return the entry's state, read with acquire.
     */
    public static int state(final MemorySegment region, final long entryOffset)
    {
        return (int)STATE.getAcquire(region, entryOffset + STATE_OFFSET);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of an active entry.
     * @return the namespace's name.
     */
    public static String name(final MemorySegment region, final long entryOffset)
    {
        final int length = Byte.toUnsignedInt(region.get(ValueLayout.JAVA_BYTE, entryOffset + NAME_LENGTH_OFFSET));
        final byte[] bytes = new byte[Math.min(length, MAX_NAME_BYTES)];
        MemorySegment.copy(region, ValueLayout.JAVA_BYTE, entryOffset + NAME_OFFSET, bytes, 0, bytes.length);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of an active entry.
     * @return block size in bytes.
     */
    public static long blockSizeBytes(final MemorySegment region, final long entryOffset)
    {
        return region.get(ValueLayout.JAVA_LONG, entryOffset + BLOCK_SIZE_OFFSET);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of an active entry.
     * @return guaranteed slabs.
     */
    public static int minSlabs(final MemorySegment region, final long entryOffset)
    {
        return region.get(ValueLayout.JAVA_INT, entryOffset + MIN_SLABS_OFFSET);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of an active entry.
     * @return slab ceiling.
     */
    public static int maxSlabs(final MemorySegment region, final long entryOffset)
    {
        return region.get(ValueLayout.JAVA_INT, entryOffset + MAX_SLABS_OFFSET);
    }

    /**
     * @param region      mapped region.
     * @param entryOffset offset of an active entry.
     * @return the stored token hash (32 bytes, all zero where the namespace has no token).
     */
    public static byte[] tokenHash(final MemorySegment region, final long entryOffset)
    {
        final byte[] hash = new byte[TOKEN_HASH_LENGTH];
        MemorySegment.copy(region, ValueLayout.JAVA_BYTE, entryOffset + TOKEN_HASH_OFFSET, hash, 0, hash.length);
        return hash;
    }
}
