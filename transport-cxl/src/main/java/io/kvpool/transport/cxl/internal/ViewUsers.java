package io.kvpool.transport.cxl.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The threads reading a mapping through a view that no arena guards ({@code Region.view()}), counted so that the
 * mapping is not unmapped under them: {@link #enter} before such reads, {@link #exit} after, and {@link #close}
 * (before the unmap) refuses later entries and waits for those inside. A thread counts on a stripe of its own (by
 * its id), so threads entering together do not contend on one counter: entries are made per stored piece of a put,
 * by every putting thread.
 * <p>
 * Thread-safe. An entry and its exit are made by the same thread.
 */
public final class ViewUsers
{
    private static final int STRIPES = 64;
    /** Longs between two stripes' counters: 128 bytes, so that no two share a cache line or its prefetched pair. */
    private static final int SPACING = 16;

    private final AtomicLongArray counts = new AtomicLongArray(STRIPES * SPACING);
    private volatile boolean closed;

    /**
     * Counts the calling thread in.
     *
     * @throws IllegalStateException when {@link #close} has begun (the thread is not counted).
     */
    public void enter()
    {
        final int stripe = stripe();
        // A volatile increment, then a volatile load of the flag; close() stores the flag, then loads every count.
        // Either this load sees the flag, or close() sees the increment and waits for the exit.
        counts.getAndIncrement(stripe);
        if (closed)
        {
            counts.getAndDecrement(stripe);
            throw new IllegalStateException("the region is closed");
        }
    }

    /** Counts the calling thread out, after its last read through the view. */
    public void exit()
    {
        counts.getAndDecrement(stripe());
    }

    /**
     * Refuses further entries and waits until every thread inside has left (a piece's copy: microseconds).
     * Idempotent.
     */
    public void close()
    {
        closed = true;
        for (int i = 0; i < counts.length(); i += SPACING)
        {
            while (counts.get(i) != 0)
            {
                Thread.onSpinWait();
                Thread.yield();
            }
        }
    }

    private static int stripe()
    {
        return (int)(Thread.currentThread().threadId() & (STRIPES - 1)) * SPACING;
    }
}
