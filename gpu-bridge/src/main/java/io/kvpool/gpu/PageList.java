package io.kvpool.gpu;

import java.util.Arrays;

/**
 * A batch of page copies: for each page a source address, a destination address and a length, all in the CUDA
 * unified address space (device memory, or host memory registered with CUDA and mapped, whose device address equals
 * its host address under unified addressing). Addresses must be 16-byte aligned (KV pages and pool blocks are
 * 64-byte aligned) so that the kernel moves whole 16-byte vectors.
 * <p>
 * Not thread-safe; reusable through {@link #clear()}.
 */
public final class PageList
{
    /** Most pages one batch takes. */
    public static final int MAX_PAGES = 8192;
    /** Alignment of every address. */
    public static final int ALIGNMENT = 16;

    private final long[] sources = new long[MAX_PAGES];
    private final long[] destinations = new long[MAX_PAGES];
    private final long[] lengths = new long[MAX_PAGES];
    private int count;
    private long totalBytes;

    /**
     * Adds a page.
     *
     * @throws IllegalArgumentException for a non-positive length, a misaligned or null address.
     * @throws IllegalStateException    when the list holds {@link #MAX_PAGES}.
     */
    public PageList add(final long source, final long destination, final long length)
    {
        if (count == MAX_PAGES)
        {
            throw new IllegalStateException("pages=" + count + " is the most a batch takes");
        }
        if (length <= 0)
        {
            throw new IllegalArgumentException("page " + count + ": length=" + length + " must be positive");
        }
        if (source == 0 || destination == 0 || source % ALIGNMENT != 0 || destination % ALIGNMENT != 0)
        {
            throw new IllegalArgumentException("page " + count + ": source=0x" + Long.toHexString(source) +
                " destination=0x" + Long.toHexString(destination) + " must be non-null and " + ALIGNMENT +
                "-byte aligned");
        }
        sources[count] = source;
        destinations[count] = destination;
        lengths[count] = length;
        totalBytes += length;
        count++;
        return this;
    }

    public PageList clear()
    {
        count = 0;
        totalBytes = 0;
        return this;
    }

    public int count()
    {
        return count;
    }

    public long totalBytes()
    {
        return totalBytes;
    }

    public long source(final int i)
    {
        return sources[check(i)];
    }

    public long destination(final int i)
    {
        return destinations[check(i)];
    }

    public long length(final int i)
    {
        return lengths[check(i)];
    }

    /**
     * Packs the list as the kernel takes it: {@code count} sources, then destinations, then lengths (u64 each).
     *
     * @return 3 x count longs.
     */
    public long[] pack()
    {
        final long[] packed = new long[3 * count];
        System.arraycopy(sources, 0, packed, 0, count);
        System.arraycopy(destinations, 0, packed, count, count);
        System.arraycopy(lengths, 0, packed, 2 * count, count);
        return packed;
    }

    /**
     * @return the pages as one list whose pages are also checked not to overlap each other's destinations.
     * @throws IllegalArgumentException naming two pages whose destinations overlap.
     */
    public PageList checkDisjointDestinations()
    {
        final Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(destinations[a], destinations[b]));
        for (int k = 1; k < count; k++)
        {
            final int previous = order[k - 1];
            final int current = order[k];
            if (Long.compareUnsigned(destinations[previous] + lengths[previous], destinations[current]) > 0)
            {
                throw new IllegalArgumentException("pages " + previous + " and " + current + " write overlapping " +
                    "destinations");
            }
        }
        return this;
    }

    private int check(final int i)
    {
        if (i < 0 || i >= count)
        {
            throw new IndexOutOfBoundsException("index=" + i + " count=" + count);
        }
        return i;
    }
}
