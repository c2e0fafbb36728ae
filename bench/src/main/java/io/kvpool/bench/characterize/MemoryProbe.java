package io.kvpool.bench.characterize;

import org.HdrHistogram.Histogram;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Load/store characterization of one memory path (local DRAM, or the pool region mapped from devdax, hugetlbfs or
 * tmpfs): bandwidth of reads, writes and copies at an access size, sequential or random, from several threads; and
 * latency by pointer chasing, idle or while other threads copy. Accesses are plain Java loads and stores through
 * {@link MemorySegment}: reads sum 8-byte loads, writes are {@code fill}, copies are {@code MemorySegment.copy}
 * from the path into a thread-local buffer (what a get does). Not thread-safe: one measurement at a time.
 */
public final class MemoryProbe
{
    /** Dependent loads per timed batch of a pointer chase (the timer's own cost is spread over them). */
    static final int CHASE_BATCH = 256;
    private static final int LINE = 64;
    /** Items beyond this are not given their own place in a random order (the order repeats). */
    private static final int MAX_ORDER = 1 << 22;

    private final String path;
    private final MemorySegment memory;
    private volatile long sink;

    /**
     * @param path   its name in the results.
     * @param memory the memory measured (a whole working set; not modified outside measurements).
     */
    public MemoryProbe(final String path, final MemorySegment memory)
    {
        this.path = path;
        this.memory = memory;
    }

    /**
     * Bandwidth of one operation: {@code threads} threads, each over its own share of the memory, in items of
     * {@code sizeBytes}, for about {@code nanos}.
     */
    public Point bandwidth(
        final String op, final boolean random, final long sizeBytes, final int threads, final long nanos)
        throws InterruptedException
    {
        final long share = memory.byteSize() / threads / sizeBytes * sizeBytes;
        if (share < sizeBytes)
        {
            throw new IllegalArgumentException(path + ": " + memory.byteSize() + " bytes cannot give " + threads +
                " threads an item of " + sizeBytes + " bytes each");
        }
        final double gbPerSecond = ParallelRun.gigabytesPerSecond("probe-" + path + "-" + op, threads, (id, start) ->
        {
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment mine = memory.asSlice(id * share, share);
                final MemorySegment local = arena.allocate(sizeBytes, 4096);
                final int[] order = order(share / sizeBytes, random, 17 + id);
                start.await();
                final long begin = System.nanoTime();
                long moved = 0;
                long now;
                int next = 0;
                do
                {
                    for (int k = 0; k < 64; k++)
                    {
                        final long offset = (long)order[next] * sizeBytes;
                        next = next + 1 == order.length ? 0 : next + 1;
                        apply(op, mine, offset, sizeBytes, local);
                        moved += sizeBytes;
                    }
                }
                while ((now = System.nanoTime()) - begin < nanos);
                return new long[]{moved, now - begin};
            }
        });
        return Point.bandwidth(path, op, random ? "random" : "sequential", sizeBytes, threads, gbPerSecond);
    }

    private void apply(
        final String op, final MemorySegment mine, final long offset, final long sizeBytes, final MemorySegment local)
    {
        switch (op)
        {
            case "read" ->
            {
                long sum = 0;
                for (long at = 0; at < sizeBytes; at += Long.BYTES)
                {
                    sum += mine.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + at);
                }
                sink += sum;
            }
            case "write" -> mine.asSlice(offset, sizeBytes).fill((byte)0x5A);
            case "copy" -> MemorySegment.copy(mine, offset, local, 0, sizeBytes);
            default -> throw new IllegalArgumentException("op=" + op + " must be read, write or copy");
        }
    }

    /**
     * Idle latency of dependent loads over a working set of {@code workingSetBytes} (random cache lines, one
     * cycle through all of them), timed in batches of {@link #CHASE_BATCH}.
     */
    public Point chase(final long workingSetBytes, final long nanos)
    {
        final Histogram histogram = chaseHistogram(workingSetBytes, nanos);
        return new Point("latency", path, "chase", "random", workingSetBytes, 1,
            Double.NaN, histogram.getValueAtPercentile(50) / 10.0, histogram.getValueAtPercentile(99) / 10.0);
    }

    /**
     * Latency of dependent loads over {@code workingSetBytes} while {@code loaders} other threads copy large
     * items from the rest of the memory.
     */
    public Point loadedChase(final long workingSetBytes, final int loaders, final long nanos)
        throws InterruptedException
    {
        final AtomicBoolean running = new AtomicBoolean(true);
        final List<Thread> threads = new ArrayList<>();
        final long rest = memory.byteSize() - workingSetBytes;
        final long share = rest / Math.max(1, loaders) / (1 << 20) * (1 << 20);
        for (int t = 0; t < loaders && share > 0; t++)
        {
            final MemorySegment mine = memory.asSlice(workingSetBytes + t * share, share);
            final Thread thread = new Thread(() ->
            {
                try (Arena arena = Arena.ofConfined())
                {
                    final MemorySegment local = arena.allocate(1 << 20, 4096);
                    long offset = 0;
                    while (running.get())
                    {
                        MemorySegment.copy(mine, offset, local, 0, 1 << 20);
                        offset = offset + (2 << 20) > share ? 0 : offset + (1 << 20);
                    }
                }
            }, "probe-load-" + t);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        try
        {
            final Histogram histogram = chaseHistogram(workingSetBytes, nanos);
            return new Point("loaded-latency", path, "chase", "random", workingSetBytes, 1 + threads.size(),
                Double.NaN, histogram.getValueAtPercentile(50) / 10.0, histogram.getValueAtPercentile(99) / 10.0);
        }
        finally
        {
            running.set(false);
            for (final Thread thread : threads)
            {
                thread.join();
            }
        }
    }

    /**
     * @return per-load latency of each batch, in tenths of a nanosecond.
     */
    private Histogram chaseHistogram(final long workingSetBytes, final long nanos)
    {
        final long lines = workingSetBytes / LINE;
        if (lines < 2 || workingSetBytes > memory.byteSize())
        {
            throw new IllegalArgumentException(path + ": working set " + workingSetBytes + " must hold 2 lines and " +
                "fit in " + memory.byteSize() + " bytes");
        }
        // Sattolo's algorithm: one random cycle through every line, so the chase visits them all.
        final Random random = new Random(workingSetBytes);
        final int[] next = new int[(int)lines];
        for (int i = 0; i < next.length; i++)
        {
            next[i] = i;
        }
        for (int i = next.length - 1; i > 0; i--)
        {
            final int j = random.nextInt(i);
            final int swap = next[i];
            next[i] = next[j];
            next[j] = swap;
        }
        for (int i = 0; i < next.length; i++)
        {
            memory.set(ValueLayout.JAVA_LONG, (long)i * LINE, (long)next[i] * LINE);
        }
        final Histogram histogram = new Histogram(100_000_000L, 3);
        long offset = 0;
        for (int i = 0; i < Math.min(lines, 1 << 20); i++)
        {
            offset = memory.get(ValueLayout.JAVA_LONG, offset);
        }
        final long end = System.nanoTime() + nanos;
        long now;
        do
        {
            final long begin = System.nanoTime();
            for (int i = 0; i < CHASE_BATCH; i++)
            {
                offset = memory.get(ValueLayout.JAVA_LONG, offset);
            }
            now = System.nanoTime();
            histogram.recordValue(Math.max(1, (now - begin) * 10 / CHASE_BATCH));
        }
        while (now < end);
        sink += offset;
        return histogram;
    }

    private static int[] order(final long items, final boolean random, final long seed)
    {
        final int[] order = new int[(int)Math.min(items, MAX_ORDER)];
        final long stride = Math.max(1, items / order.length);
        for (int i = 0; i < order.length; i++)
        {
            order[i] = (int)(i * stride);
        }
        if (random)
        {
            final Random shuffle = new Random(seed);
            for (int i = order.length - 1; i > 0; i--)
            {
                final int j = shuffle.nextInt(i + 1);
                final int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        return order;
    }
}
