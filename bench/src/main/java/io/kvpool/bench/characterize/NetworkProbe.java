package io.kvpool.bench.characterize;

import io.kvpool.bench.AeronLoopback;
import io.kvpool.client.BlockKeys;
import io.kvpool.client.KvNamespace;
import io.kvpool.client.KvPool;
import org.HdrHistogram.Histogram;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The network transport's path: gets of one block at a time over kvpool's Aeron data path on UDP loopback (a
 * manager and a client-side media driver on this machine), from several client threads; bandwidth and per-get
 * latency. Not thread-safe: one measurement at a time.
 */
final class NetworkProbe
{
    private static final int VALUES = 16;

    private NetworkProbe()
    {
    }

    /**
     * @return one point per thread count, for blocks of {@code sizeBytes}.
     */
    static List<Point> measure(final long sizeBytes, final int[] threadCounts, final long nanos, final Runnable step)
        throws InterruptedException
    {
        final List<Point> points = new ArrayList<>();
        try (AeronLoopback pool = new AeronLoopback(sizeBytes, VALUES))
        {
            for (final int threads : threadCounts)
            {
                points.add(measure(pool, threads, nanos));
                step.run();
            }
        }
        return points;
    }

    private static Point measure(final AeronLoopback pool, final int threads, final long nanos)
        throws InterruptedException
    {
        final long size = pool.blockSizeBytes();
        final Histogram latency = new Histogram(60_000_000_000L, 3);
        final double gbPerSecond = ParallelRun.gigabytesPerSecond("probe-aeron", threads, (id, start) ->
        {
            try (KvPool client = pool.connect();
                 Arena arena = Arena.ofConfined())
            {
                final KvNamespace ns = client.namespace(AeronLoopback.NAMESPACE, size);
                final MemorySegment[] destination = {arena.allocate(size, 4096)};
                final Histogram mine = new Histogram(60_000_000_000L, 3);
                for (int i = 0; i < 3; i++)
                {
                    ns.get(BlockKeys.of(AeronLoopback.key(i)), destination);
                }
                start.await();
                final long begin = System.nanoTime();
                long now = begin;
                long moved = 0;
                int i = id;
                do
                {
                    final long before = now;
                    if (ns.get(BlockKeys.of(AeronLoopback.key(i++ % VALUES)), destination).okCount() != 1)
                    {
                        throw new IllegalStateException("a get over the aeron transport failed");
                    }
                    now = System.nanoTime();
                    mine.recordValue(now - before);
                    moved += size;
                }
                while (now - begin < nanos);
                synchronized (latency)
                {
                    latency.add(mine);
                }
                return new long[]{moved, now - begin};
            }
        });
        return new Point("bandwidth", "aeron-udp", "get", "random", size, threads, gbPerSecond,
            latency.getValueAtPercentile(50), latency.getValueAtPercentile(99));
    }
}
