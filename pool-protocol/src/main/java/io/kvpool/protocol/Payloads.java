package io.kvpool.protocol;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Deterministic pseudo-random payloads for checks, demos, benchmarks and tests: the same seed always fills the same
 * bytes, so a reader can regenerate what a writer in another process put and compare every byte.
 */
public final class Payloads
{
    private Payloads()
    {
    }

    /**
     * Fills a segment with xorshift output derived from the seed.
     */
    public static void fill(final MemorySegment segment, final long seed)
    {
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (long i = 0; i + 8 <= segment.byteSize(); i += 8)
        {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, i, x);
        }
        for (long i = segment.byteSize() & ~7L; i < segment.byteSize(); i++)
        {
            segment.set(ValueLayout.JAVA_BYTE, i, (byte)(seed + i));
        }
    }
}
