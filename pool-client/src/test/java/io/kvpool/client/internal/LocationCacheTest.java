package io.kvpool.client.internal;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocationCacheTest
{
    /** A key as a benchmark or an engine numbers them: a prefix, then a counter. */
    private static byte[] counted(final long i)
    {
        return ByteBuffer.allocate(32).putInt(2).putLong(65_536).putLong(i).putInt(0x73686170).array();
    }

    @Test
    void shouldSpreadKeysThatDifferOnlyInACounterOverTheMapsBuckets()
    {
        final int keys = 1 << 16;
        final int[] perBucket = new int[keys];
        for (int i = 0; i < keys; i++)
        {
            final int h = LocationCache.hash(counted(i), 0);
            perBucket[(h ^ (h >>> 16)) & (keys - 1)]++; // the bucket of a ConcurrentHashMap of 65,536 bins
        }
        int used = 0;
        int most = 0;
        for (final int count : perBucket)
        {
            used += count > 0 ? 1 : 0;
            most = Math.max(most, count);
        }
        // Uniform hashing fills 1 - 1/e of the bins (41,427); Arrays.hashCode filled 7,686, up to 34 keys in one.
        assertTrue(used > 40_000, "buckets used: " + used);
        assertTrue(most < 8, "most keys in one bucket: " + most + " (8 turn a bin into a tree)");
    }

    @Test
    void shouldRememberEachKeyApartAndForgetAllWhenFull()
    {
        final LocationCache cache = new LocationCache(1_000);
        for (int i = 0; i < 1_000; i++)
        {
            cache.put(counted(i), 0, new LocationCache.Location(i, i + 1, 4096L * i, 100 + i, i * 7));
        }
        for (int i = 0; i < 1_000; i++)
        {
            final byte[] key = new byte[40];
            System.arraycopy(counted(i), 0, key, 8, 32);
            assertEquals(new LocationCache.Location(i, i + 1, 4096L * i, 100 + i, i * 7), cache.get(key, 8));
        }
        assertNull(cache.get(counted(1_000), 0));
        cache.remove(counted(5), 0);
        assertNull(cache.get(counted(5), 0));
        assertEquals(999, cache.size());
        cache.put(counted(5), 0, new LocationCache.Location(5, 9, 0, 1, 2));
        cache.put(counted(1_000), 0, new LocationCache.Location(1, 2, 3, 4, 5)); // full: forgets the rest first
        assertEquals(1, cache.size());
        assertEquals(new LocationCache.Location(1, 2, 3, 4, 5), cache.get(counted(1_000), 0));
        assertNull(new LocationCache(0).get(counted(1), 0), "capacity 0 remembers nothing");
    }
}
