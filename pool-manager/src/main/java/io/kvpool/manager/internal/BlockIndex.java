package io.kvpool.manager.internal;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;

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
 * Not thread-safe: owned by the manager's single thread, and each {@link #view()} by one other thread. Every
 * operation goes through one {@link Entry} over one buffer (key, then value) wrapped for Chronicle Map once, so an
 * operation allocates nothing and hashes its key once.
 */
public final class BlockIndex implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.manager.index");

    public static final int KEY_BYTES = 4 + BlockBatch.KEY_BYTES;
    public static final int VALUE_BYTES = 16;

    private final ChronicleMap<byte[], byte[]> map;
    private final File file;
    private final boolean owner;
    /** The key (36 bytes) then the value (16 bytes) of the entry at hand, wrapped once for Chronicle Map. */
    private final byte[] entryBytes = new byte[KEY_BYTES + VALUE_BYTES];
    private final ByteBuffer entryView = ByteBuffer.wrap(entryBytes).order(ByteOrder.LITTLE_ENDIAN);
    private final BytesStore<?, byte[]> entryStore = BytesStore.wrap(entryBytes);
    private final Entry entry = new Entry();

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
        try (Entry found = entry(namespaceId, keys, keyOffset, false))
        {
            return found.block();
        }
    }

    /**
     * @return generation found by the last successful {@link #get}.
     */
    public long lastGeneration()
    {
        return entry.generation();
    }

    /**
     * Inserts or replaces a key's location.
     */
    public void put(
        final int namespaceId, final byte[] keys, final int keyOffset, final long blockIndex, final long generation)
    {
        try (Entry found = entry(namespaceId, keys, keyOffset))
        {
            found.set(blockIndex, generation);
        }
    }

    /**
     * Opens a key's entry for one read and one update under a single lookup (a reservation's or a keyed commit's
     * check that the key is free, then its new location), where {@link #get} then {@link #put} take two. The
     * entry's segment stays locked until {@link Entry#close()}; one entry is open at a time.
     *
     * @return the key's entry, open.
     */
    public Entry entry(final int namespaceId, final byte[] keys, final int keyOffset)
    {
        return entry(namespaceId, keys, keyOffset, true);
    }

    private Entry entry(final int namespaceId, final byte[] keys, final int keyOffset, final boolean update)
    {
        entryView.putInt(0, namespaceId);
        System.arraycopy(keys, keyOffset, entryBytes, 4, BlockBatch.KEY_BYTES);
        entry.open(map.queryContext(entryStore, 0, KEY_BYTES), update);
        return entry;
    }

    /**
     * One key's entry, open for update ({@link #entry}): what it names now, and the location to store.
     * Reused; not thread-safe.
     */
    public final class Entry implements AutoCloseable
    {
        private ExternalMapQueryContext<byte[], byte[], ?> context;
        private MapEntry<byte[], byte[]> present;

        private Entry()
        {
        }

        private void open(final ExternalMapQueryContext<byte[], byte[], ?> opened, final boolean update)
        {
            context = opened;
            try
            {
                (update ? context.updateLock() : context.readLock()).lock();
                present = context.entry();
                if (present != null)
                {
                    final Data<byte[]> data = present.value();
                    data.bytes().read(data.offset(), entryBytes, KEY_BYTES, VALUE_BYTES);
                }
            }
            catch (final RuntimeException ex)
            {
                close(); // no segment left locked behind a failed lookup
                throw ex;
            }
        }

        /** @return the block the key names, or -1 where it names none. */
        public long block()
        {
            return present == null ? -1 : entryView.getLong(KEY_BYTES);
        }

        /** @return the generation the key names, where {@link #block()} is not -1. */
        public long generation()
        {
            return entryView.getLong(KEY_BYTES + 8);
        }

        /** Makes the key name this block incarnation (inserted, or in place of what it named). */
        public void set(final long blockIndex, final long generation)
        {
            entryView.putLong(KEY_BYTES, blockIndex);
            entryView.putLong(KEY_BYTES + 8, generation);
            final Data<byte[]> value = context.wrapValueBytesAsData(entryStore, KEY_BYTES, VALUE_BYTES);
            if (present == null)
            {
                context.insert(context.absentEntry(), value);
                present = context.entry();
            }
            else
            {
                context.replaceValue(present, value);
            }
        }

        /** Removes the key (present: {@link #block()} is not -1). */
        void remove()
        {
            context.remove(present);
            present = null;
        }

        /** Unlocks the entry's segment. */
        @Override
        public void close()
        {
            present = null;
            context.close();
        }
    }

    /**
     * Removes a key only if it still names the given block incarnation.
     *
     * @return whether an entry was removed.
     */
    public boolean remove(
        final int namespaceId, final byte[] keys, final int keyOffset, final long blockIndex, final long generation)
    {
        try (Entry found = entry(namespaceId, keys, keyOffset))
        {
            if (found.block() != blockIndex || found.generation() != generation)
            {
                return false;
            }
            found.remove();
            return true;
        }
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

    @Override
    public void close()
    {
        if (owner)
        {
            map.close();
        }
    }
}
