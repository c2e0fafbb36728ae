package io.kvpool.manager.internal;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.BiConsumer;

/**
 * The persistent index from (namespace id, 32-byte block key) to block location (block index, generation): a
 * Chronicle Map in a file beside the region, shared-memory mapped, so it survives the manager's death and can be
 * read by other processes on the host.
 * <p>
 * Key layout (36 bytes): namespace id (u32 LE), key (32 bytes). Value layout (16 bytes): block index (u64 LE),
 * generation (u64 LE). Specified in {@code docs/spec/region-format.md}.
 * <p>
 * Not thread-safe: owned by the manager's single thread, and each {@link #view()} by one other thread. Reuses one key
 * and one value buffer; no allocation per operation beyond what Chronicle Map does.
 */
public final class BlockIndex implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.manager.index");

    public static final int KEY_BYTES = 4 + BlockBatch.KEY_BYTES;
    public static final int VALUE_BYTES = 16;

    private final ChronicleMap<byte[], byte[]> map;
    private final File file;
    private final byte[] key = new byte[KEY_BYTES];
    private final byte[] value = new byte[VALUE_BYTES];
    private final ByteBuffer keyView = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer valueView = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    private final boolean owner;

    private BlockIndex(final ChronicleMap<byte[], byte[]> map, final File file, final boolean owner)
    {
        this.map = map;
        this.file = file;
        this.owner = owner;
    }

    /**
     * @return a view of the same index for one other thread (a data agent's keyed reads): buffers of its own over the
     *         same map, which Chronicle Map lets threads use side by side (a lock per segment). Closing the view
     *         leaves the index open; it must not be used after the index is closed.
     */
    public BlockIndex view()
    {
        return new BlockIndex(map, file, false);
    }

    /**
     * Opens (recovering if the last owner died) or creates the index file.
     *
     * @param file    the index file.
     * @param entries most entries it must hold: the region's block slots.
     * @param recover whether to run Chronicle Map's recovery (after an unclean shutdown).
     * @return the index.
     * @throws PoolException {@link ErrorCode#INDEX_FAILED} when the file cannot be created or recovered.
     */
    public static BlockIndex open(final File file, final long entries, final boolean recover)
    {
        final ChronicleMapBuilder<byte[], byte[]> builder = ChronicleMapBuilder.of(byte[].class, byte[].class)
            .name("kvpool-index")
            .constantKeySizeBySample(new byte[KEY_BYTES])
            .constantValueSizeBySample(new byte[VALUE_BYTES])
            .entries(Math.max(1024, entries));
        try
        {
            final ChronicleMap<byte[], byte[]> map = recover && file.exists() ?
                builder.recoverPersistedTo(file, false, corruption -> LOG.log(System.Logger.Level.WARNING,
                    "index " + file + " recovery: " + corruption.message())) :
                builder.createPersistedTo(file);
            return new BlockIndex(map, file, true);
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new PoolException(ErrorCode.INDEX_FAILED, "cannot open the index " + file + ": " + ex +
                "; if it is corrupt, delete it: the manager rebuilds it from the region's block table", ex);
        }
    }

    /**
     * @return the index file.
     */
    public File file()
    {
        return file;
    }

    /**
     * Looks a key up.
     *
     * @param namespaceId namespace.
     * @param keys        array holding the key.
     * @param keyOffset   offset of the key in {@code keys}.
     * @return block index, or -1 when absent; the generation is then in {@link #lastGeneration()}.
     */
    public long get(final int namespaceId, final byte[] keys, final int keyOffset)
    {
        fillKey(namespaceId, keys, keyOffset);
        if (map.getUsing(key, value) == null)
        {
            return -1;
        }
        return valueView.getLong(0);
    }

    /**
     * @return generation found by the last successful {@link #get}.
     */
    public long lastGeneration()
    {
        return valueView.getLong(8);
    }

    /**
     * Inserts or replaces a key's location.
     */
    public void put(
        final int namespaceId, final byte[] keys, final int keyOffset, final long blockIndex, final long generation)
    {
        fillKey(namespaceId, keys, keyOffset);
        valueView.putLong(0, blockIndex);
        valueView.putLong(8, generation);
        map.put(key, value);
    }

    /**
     * Removes a key only if it still names the given block incarnation.
     *
     * @return whether an entry was removed.
     */
    public boolean remove(
        final int namespaceId, final byte[] keys, final int keyOffset, final long blockIndex, final long generation)
    {
        fillKey(namespaceId, keys, keyOffset);
        valueView.putLong(0, blockIndex);
        valueView.putLong(8, generation);
        // One lookup: Chronicle Map compares the entry's value bytes with these under the segment's lock.
        return map.remove(key, value);
    }

    /**
     * @return number of entries.
     */
    public long size()
    {
        return map.longSize();
    }

    /**
     * Visits every entry (recovery). The visitor gets the 36-byte key and the 16-byte value; it must not keep
     * them.
     */
    public void forEach(final BiConsumer<byte[], byte[]> visitor)
    {
        map.forEach(visitor);
    }

    /**
     * Removes an entry by its raw 36-byte key (recovery).
     */
    public void removeRaw(final byte[] rawKey)
    {
        map.remove(rawKey);
    }

    /**
     * Removes every entry.
     */
    public void clear()
    {
        map.clear();
    }

    private void fillKey(final int namespaceId, final byte[] keys, final int keyOffset)
    {
        keyView.putInt(0, namespaceId);
        System.arraycopy(keys, keyOffset, key, 4, BlockBatch.KEY_BYTES);
    }

    @Override
    public void close()
    {
        if (owner)
        {
            map.close();
        }
    }
}
