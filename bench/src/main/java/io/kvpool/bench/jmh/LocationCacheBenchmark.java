package io.kvpool.bench.jmh;

import io.kvpool.client.internal.LocationCache;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The client's location cache as a batch of 32 uses it: a get of each of 32 keys it remembers (a repeat get), and
 * a put of each of 32 keys it has not seen (what every put records once committed), in a cache of 65,536 entries
 * that puts keep full. Keys as engines and benchmarks number them: a prefix, then a counter. One key = one
 * operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LocationCacheBenchmark
{
    private static final int BATCH = 32;
    private static final int CAPACITY = 1 << 16;
    /** Keys the puts cycle through: four times the capacity, so each put's key is one the cache no longer holds. */
    private static final int NEW_KEYS = 4 * CAPACITY;

    private final LocationCache cache = new LocationCache(CAPACITY);
    private final LocationCache.Location location = new LocationCache.Location(1, 2, 3L << 16, 65_536, 4);
    private byte[] remembered;
    private byte[] fresh;
    private int next;
    private long sink;

    @Setup
    public void setUp()
    {
        remembered = keys(BATCH, 0);
        fresh = keys(NEW_KEYS, 1L << 40);
        for (int i = 0; i < NEW_KEYS; i++) // full from the start
        {
            cache.put(fresh, i * 32, location);
        }
        for (int i = 0; i < BATCH; i++)
        {
            cache.put(remembered, i * 32, location);
        }
    }

    private static byte[] keys(final int count, final long first)
    {
        final ByteBuffer keys = ByteBuffer.allocate(32 * count);
        for (int i = 0; i < count; i++)
        {
            keys.putInt(2).putLong(65_536).putLong(first + i).putInt(0x6b76706f).putLong(0);
        }
        return keys.array();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long rememberedGets()
    {
        for (int i = 0; i < BATCH; i++)
        {
            final LocationCache.Location found = cache.get(remembered, i * 32);
            sink += found == null ? 0 : found.blockIndex();
        }
        return sink;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void newKeyPuts()
    {
        for (int i = 0; i < BATCH; i++)
        {
            cache.put(fresh, next * 32, location);
            next = next + 1 == NEW_KEYS ? 0 : next + 1;
        }
    }
}
