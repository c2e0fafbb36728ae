package io.kvpool.client.internal;

import io.kvpool.protocol.BlockBatch;

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

    private static final class Key
    {
        private final byte[] bytes;
        private final int hash;

        Key(final byte[] keys, final int offset)
        {
            bytes = Arrays.copyOfRange(keys, offset, offset + 32);
            hash = Arrays.hashCode(bytes);
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
