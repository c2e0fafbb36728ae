package io.kvpool.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

/**
 * When the threads of one `bench shapes` row stop warming up and start measuring: after a fixed minimum, and then,
 * while the JIT still compiles (for more than {@link #QUIET_SHARE} of a {@link #WINDOW_MS} window), window after
 * window up to a bound. On the 2-core VM C2 was still compiling the put path 4-8 s after a JVM started, and a row
 * measured meanwhile ran at half its later speed (32 x 64 KiB mapped puts 0.20x of copy-cold in a JVM's first put
 * row, 0.40-0.52x later: bench/RESULTS-shapes.txt, session 20). One thread of the row leads (decides), the others
 * follow; all measure until the same instant. Thread-safe.
 */
final class RowWarmUp
{
    /** How long the JIT is watched at a time. */
    static final long WINDOW_MS = 500;
    /** The share of a window the JIT may spend compiling for the code to count as compiled. */
    static final double QUIET_SHARE = 0.02;

    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    private final long minimumNs;
    private final long longestExtraNs;
    private final long measureNs;
    private volatile long measureUntilNs;
    private volatile boolean over;

    /**
     * @param minimumMs      warm-up always done.
     * @param longestExtraMs the most it is prolonged while the JIT compiles.
     * @param seconds        the row's measured time.
     */
    RowWarmUp(final long minimumMs, final long longestExtraMs, final double seconds)
    {
        this.minimumNs = TimeUnit.MILLISECONDS.toNanos(minimumMs);
        this.longestExtraNs = TimeUnit.MILLISECONDS.toNanos(longestExtraMs);
        this.measureNs = (long)(seconds * 1e9);
    }

    /**
     * @return whether the JIT compiled for at most {@link #QUIET_SHARE} of a window, by its accumulated compilation
     *         times (milliseconds) at the window's ends.
     */
    static boolean settled(final long compiledMsBefore, final long compiledMsAfter, final long windowMs)
    {
        return compiledMsAfter - compiledMsBefore <= QUIET_SHARE * windowMs;
    }

    /**
     * The leader's warm-up: runs {@code work} through the minimum, then while the JIT compiles, up to the bound;
     * then opens the measurement for every thread of the row.
     */
    void lead(final Runnable work)
    {
        final long startNs = System.nanoTime();
        runUntil(work, startNs + minimumNs);
        final boolean watched = jit != null && jit.isCompilationTimeMonitoringSupported();
        final long lastNs = startNs + minimumNs + longestExtraNs;
        while (watched && System.nanoTime() - lastNs < 0)
        {
            final long before = jit.getTotalCompilationTime();
            runUntil(work, Math.min(lastNs, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WINDOW_MS)));
            if (settled(before, jit.getTotalCompilationTime(), WINDOW_MS))
            {
                break;
            }
        }
        open(System.nanoTime() + measureNs);
    }

    /** A follower's warm-up: runs {@code work} until the leader opens the measurement (or gives up). */
    void follow(final Runnable work)
    {
        while (!over)
        {
            work.run();
        }
    }

    /** The leader failed: the followers stop warming up, with nothing left to measure. */
    void abandon()
    {
        if (!over)
        {
            open(System.nanoTime());
        }
    }

    /** @return when every thread of the row stops measuring (System.nanoTime), once the warm-up is over. */
    long measureUntilNs()
    {
        return measureUntilNs;
    }

    private void open(final long untilNs)
    {
        measureUntilNs = untilNs;
        over = true;
    }

    private static void runUntil(final Runnable work, final long untilNs)
    {
        while (System.nanoTime() - untilNs < 0)
        {
            work.run();
        }
    }
}
