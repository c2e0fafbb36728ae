package io.kvpool.client.internal;

import io.kvpool.protocol.BlockBatch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where this client last saw each key's block: (block index, generation, offset, length, checksum). An entry is a
 * hint, never trusted: before use it is validated against the shared block table (stamp SEALED with the same
 * generation, same key), so a hit on a cached location costs no request to the manager, and a stale one costs
 * only the lookup it would have cost anyway. Bounded; cleared wholesale when full; of capacity 0, remembers nothing.
 * Thread-safe.
 */
public final class LocationCache
{
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long MIX = 0x9E3779B97F4A7C15L;

    private final ConcurrentHashMap<Key, Location> locations = new ConcurrentHashMap<>();
    private final int capacity;

    /**
     * A cached location.
     *
     * @param blockIndex block index.
     * @param generation generation of the incarnation.
     * @param offset     payload offset from the region start.
     * @param length     payload length.
     * @param checksum   payload CRC32C.
     */
    public record Location(long blockIndex, long generation, long offset, int length, int checksum)
    {
        /**
         * @return entry {@code i} of a batch the manager answered (LOOKUP, PIN) as a location.
         */
        public static Location of(final BlockBatch batch, final int i)
        {
            return new Location(batch.blockIndex(i), batch.generation(i), batch.offset(i), batch.length(i),
                batch.checksum(i));
        }
    }

    public LocationCache(final int capacity)
    {
        this.capacity = capacity;
    }

    /**
     * @return the cached location of the key at {@code offset} of {@code keys}, or {@code null}.
     */
    public Location get(final byte[] keys, final int offset)
    {
        return capacity == 0 ? null : locations.get(new Key(keys, offset));
    }

    public void put(final byte[] keys, final int offset, final Location location)
    {
        if (capacity == 0)
        {
            return;
        }
        if (locations.size() >= capacity)
        {
            locations.clear();
        }
        locations.put(new Key(keys, offset), location);
    }

    public void remove(final byte[] keys, final int offset)
    {
        locations.remove(new Key(keys, offset));
    }

    public int size()
    {
        return locations.size();
    }

    /**
     * The hash of a key's 32 bytes: all of them mixed, 8 at a time. Keys that differ only in a counter a few bytes
     * long (a benchmark's, an engine's sequence numbers) share few of a map's buckets under {@code Arrays.hashCode}
     * (65,536 such keys fell in 7,686 of 65,536 buckets, up to 34 in one), which turned the map's bins into trees:
     * about a microsecond per remembered key.
     *
     * @return the hash of the key at {@code offset} of {@code keys}.
     */
    static int hash(final byte[] keys, final int offset)
    {
        long h = 0;
        for (int at = 0; at < BlockBatch.KEY_BYTES; at += Long.BYTES)
        {
            h = (h ^ (long)LONGS.get(keys, offset + at)) * MIX;
            h ^= h >>> 29;
        }
        return (int)(h ^ (h >>> 32));
    }

    private static final class Key
    {
        private final byte[] bytes;
        private final int hash;

        Key(final byte[] keys, final int offset)
        {
            bytes = Arrays.copyOfRange(keys, offset, offset + BlockBatch.KEY_BYTES);
            hash = LocationCache.hash(bytes, 0);
        }

        @Override
        public boolean equals(final Object other)
        {
            return other instanceof Key key && Arrays.equals(bytes, key.bytes);
        }

        @Override
        public int hashCode()
        {
            return hash;
        }
    }
}
