package io.kvpool.client.internal;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocationCacheTest
{
    /** A key as a benchmark or an engine numbers them: a prefix, then a counter. */
    private static byte[] counted(final long i)
    {
        return ByteBuffer.allocate(32).putInt(2).putLong(65_536).putLong(i).putInt(0x73686170).array();
    }

    @Test
    void shouldSpreadKeysThatDifferOnlyInACounterOverTheTablesSets()
    {
        final int keys = 1 << 16;
        final int[] perBucket = new int[keys];
        for (int i = 0; i < keys; i++)
        {
            final int h = LocationCache.hash(counted(i), 0);
            perBucket[(h ^ (h >>> 16)) & (keys - 1)]++; // the set of a cache of 65,536 sets
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
        assertTrue(most < 8, "most keys in one bucket: " + most);
    }

    /** The location a test stores for counted key {@code i}: every field derived from it. */
    private static LocationCache.Location locationOf(final long i)
    {
        return new LocationCache.Location(i, i + 1, 4096L * i, 100 + (int)i, (int)i * 7);
    }

    @Test
    void shouldRememberKeysApartWhereTheirSetsHaveRoom()
    {
        final LocationCache cache = new LocationCache(1_000);
        assertEquals(1_024, cache.slots());
        for (int i = 0; i < 256; i++) // a quarter full: one key per set on average
        {
            cache.put(counted(i), 0, locationOf(i));
        }
        int remembered = 0;
        for (int i = 0; i < 256; i++)
        {
            final byte[] key = new byte[40]; // the same key, 8 bytes into a larger array
            System.arraycopy(counted(i), 0, key, 8, 32);
            final LocationCache.Location found = cache.get(key, 8);
            if (found != null)
            {
                assertEquals(locationOf(i), found);
                remembered++;
            }
        }
        assertTrue(remembered >= 250, "remembered " + remembered + " of 256 in 1,024 slots");
        assertEquals(remembered, cache.size());
        assertNull(cache.get(counted(256), 0), "never put");
    }

    @Test
    void shouldAnswerOnlyAKeysOwnLocationWhenKeysDisplaceOneAnother()
    {
        final LocationCache cache = new LocationCache(4); // one set of four
        for (int i = 0; i < 100; i++)
        {
            cache.put(counted(i), 0, locationOf(i));
            assertEquals(locationOf(i), cache.get(counted(i), 0), "the key just put");
        }
        int remembered = 0;
        for (int i = 0; i < 100; i++)
        {
            final LocationCache.Location found = cache.get(counted(i), 0);
            if (found != null)
            {
                assertEquals(locationOf(i), found);
                remembered++;
            }
        }
        assertEquals(4, remembered);
        assertEquals(4, cache.size());
    }

    @Test
    void shouldReplaceAKeysEntryAndForgetItOnRemove()
    {
        final LocationCache cache = new LocationCache(64);
        cache.put(counted(5), 0, locationOf(5));
        cache.put(counted(6), 0, locationOf(6));
        cache.put(counted(5), 0, new LocationCache.Location(50, 9, 0, 1, 2));
        assertEquals(new LocationCache.Location(50, 9, 0, 1, 2), cache.get(counted(5), 0));
        assertEquals(2, cache.size(), "replaced in place, not added");
        cache.remove(counted(5), 0);
        assertNull(cache.get(counted(5), 0));
        assertEquals(locationOf(6), cache.get(counted(6), 0));
        cache.remove(counted(7), 0); // never put: nothing happens
        assertEquals(1, cache.size());
    }

    @Test
    void shouldRoundItsCapacityUpToAPowerOfTwoOfWholeSets()
    {
        assertEquals(0, new LocationCache(0).slots());
        assertEquals(4, new LocationCache(1).slots());
        assertEquals(8, new LocationCache(5).slots());
        assertEquals(1 << 20, new LocationCache(1 << 20).slots());
        final LocationCache none = new LocationCache(0);
        none.put(counted(1), 0, locationOf(1));
        assertNull(none.get(counted(1), 0), "capacity 0 remembers nothing");
        none.remove(counted(1), 0);
        assertEquals(0, none.size());
        assertThrows(IllegalArgumentException.class, () -> new LocationCache(-1));
    }

    @Test
    void shouldNeverHandOutAnEntryMixedFromTwoWritersUnderConcurrentPutsAndGets() throws Exception
    {
        final LocationCache cache = new LocationCache(16); // four sets: constant displacement
        final int keys = 64;
        final int threads = 4;
        final AtomicInteger wrong = new AtomicInteger();
        final AtomicInteger hits = new AtomicInteger();
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            final int seed = t;
            workers[t] = new Thread(() ->
            {
                try
                {
                    start.await();
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                for (int n = 0; n < 200_000; n++)
                {
                    final int i = (n * 31 + seed * 17) % keys;
                    switch (n % 3)
                    {
                        case 0 -> cache.put(counted(i), 0, locationOf(i));
                        case 1 -> cache.remove(counted(i), 0);
                        default ->
                        {
                            final LocationCache.Location found = cache.get(counted(i), 0);
                            if (found != null)
                            {
                                hits.incrementAndGet();
                                if (!found.equals(locationOf(i)))
                                {
                                    wrong.incrementAndGet();
                                }
                            }
                        }
                    }
                }
            });
            workers[t].start();
        }
        start.countDown();
        for (final Thread worker : workers)
        {
            worker.join();
        }
        assertEquals(0, wrong.get(), "locations answered for another key");
        assertTrue(hits.get() > 0, "no get found anything: the test exercised nothing");
        assertTrue(cache.size() <= 16);
    }
}
