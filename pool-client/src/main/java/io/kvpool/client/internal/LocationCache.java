package io.kvpool.client.internal;

import io.kvpool.protocol.BlockBatch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Where this client last saw each key's block: (block index, generation, offset, length, checksum). An entry is a
 * hint, never trusted: before use it is validated against the shared block table (stamp SEALED with the same
 * generation, same key), so a hit on a cached location costs no request to the manager, and a stale one costs
 * only the lookup it would have cost anyway.
 * <p>
 * A fixed table of {@link #WAYS}-way sets, sized once (the capacity rounded up to a power of two, at least
 * {@link #WAYS}); a key lives in the set its hash picks, and a key that finds its set full displaces one of the set's
 * entries, at random. Nothing is resized or cleared, and remembering a key allocates one entry: a put of 32 blocks
 * recorded its locations in a {@code ConcurrentHashMap} for about 7 % of its time on a 2-core host (each key a map
 * node and a key copy, the map cleared wholesale whenever it filled). Entries are immutable and published whole,
 * so a reader sees a key's whole entry or none, never one mixed from two writers. Of capacity 0, remembers nothing.
 * Thread-safe, lock-free.
 */
public final class LocationCache
{
    /** Entries per set: where a key may live. */
    static final int WAYS = 4;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long MIX = 0x9E3779B97F4A7C15L;

    private final AtomicReferenceArray<Entry> slots;
    /**
     * Each slot's key hash, beside it, so that a lookup reads the entries of its own key only (and a put of a new
     * key none): a filter, written racily; the entry itself is what is checked.
     */
    private final int[] hashes;
    private final int setMask;

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

    /**
     * @param capacity keys remembered at most, rounded up to a power of two (at least {@link #WAYS}); 0 remembers
     *                 none.
     */
    public LocationCache(final int capacity)
    {
        if (capacity < 0)
        {
            throw new IllegalArgumentException("capacity=" + capacity + " must be 0 or more");
        }
        final int size = capacity == 0 ? 0 : capacity > 1 << 29 ? 1 << 30 :
            Math.max(WAYS, Integer.highestOneBit(capacity - 1) << 1);
        this.slots = new AtomicReferenceArray<>(size);
        this.hashes = new int[size];
        this.setMask = size / WAYS - 1;
    }

    /**
     * @return the cached location of the key at {@code offset} of {@code keys}, or {@code null}.
     */
    public Location get(final byte[] keys, final int offset)
    {
        if (slots.length() == 0)
        {
            return null;
        }
        final int hash = hash(keys, offset);
        final int first = firstSlot(hash);
        for (int w = 0; w < WAYS; w++)
        {
            if (hashes[first + w] == hash)
            {
                final Entry entry = slots.getAcquire(first + w);
                if (entry != null && entry.holds(hash, keys, offset))
                {
                    return entry.location;
                }
            }
        }
        return null;
    }

    /**
     * Remembers the key's location: in place of the key's entry, else in a free way of its set, else in place of
     * one of the set's entries, at random.
     */
    public void put(final byte[] keys, final int offset, final Location location)
    {
        if (slots.length() == 0)
        {
            return;
        }
        final int hash = hash(keys, offset);
        final int first = firstSlot(hash);
        final Entry fresh = new Entry(hash, keys, offset, location);
        int free = -1;
        for (int w = 0; w < WAYS; w++)
        {
            final int slot = first + w;
            if (hashes[slot] == hash)
            {
                final Entry entry = slots.getAcquire(slot);
                if (entry != null && entry.holds(hash, keys, offset))
                {
                    slots.setRelease(slot, fresh);
                    return;
                }
            }
            if (free < 0 && slots.getAcquire(slot) == null)
            {
                free = slot;
            }
        }
        // A full set gives up a way at random: no field that every putting thread writes.
        final int slot = free >= 0 ? free : first + ThreadLocalRandom.current().nextInt(WAYS);
        hashes[slot] = hash;
        slots.setRelease(slot, fresh);
    }

    /** Forgets the key (every entry of it: two threads putting it at once may each have left one). */
    public void remove(final byte[] keys, final int offset)
    {
        if (slots.length() == 0)
        {
            return;
        }
        final int hash = hash(keys, offset);
        final int first = firstSlot(hash);
        for (int w = 0; w < WAYS; w++)
        {
            final Entry entry = slots.getAcquire(first + w);
            if (entry != null && entry.holds(hash, keys, offset))
            {
                slots.compareAndSet(first + w, entry, null);
            }
        }
    }

    /**
     * @return keys remembered now (a walk over the whole table: for tests and diagnostics, not for the data path).
     */
    public int size()
    {
        int count = 0;
        for (int i = 0; i < slots.length(); i++)
        {
            count += slots.getAcquire(i) != null ? 1 : 0;
        }
        return count;
    }

    /** @return the most keys remembered at once: the capacity, rounded up. */
    public int slots()
    {
        return slots.length();
    }

    private int firstSlot(final int hash)
    {
        return ((hash ^ (hash >>> 16)) & setMask) * WAYS;
    }

    /**
     * The hash of a key's 32 bytes: all of them mixed, 8 at a time. Keys that differ only in a counter a few bytes
     * long (a benchmark's, an engine's sequence numbers) share few buckets under {@code Arrays.hashCode} (65,536 such
     * keys fell in 7,686 of 65,536 buckets, up to 34 in one): in this table's sets they would displace one another.
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

    /** One key's remembered location; immutable, so published whole. */
    private static final class Entry
    {
        private final int hash;
        private final long k0;
        private final long k1;
        private final long k2;
        private final long k3;
        private final Location location;

        Entry(final int hash, final byte[] keys, final int offset, final Location location)
        {
            this.hash = hash;
            this.k0 = (long)LONGS.get(keys, offset);
            this.k1 = (long)LONGS.get(keys, offset + 8);
            this.k2 = (long)LONGS.get(keys, offset + 16);
            this.k3 = (long)LONGS.get(keys, offset + 24);
            this.location = location;
        }

        boolean holds(final int keyHash, final byte[] keys, final int offset)
        {
            return hash == keyHash && k0 == (long)LONGS.get(keys, offset) && k1 == (long)LONGS.get(keys, offset + 8) &&
                k2 == (long)LONGS.get(keys, offset + 16) && k3 == (long)LONGS.get(keys, offset + 24);
        }
    }
}
