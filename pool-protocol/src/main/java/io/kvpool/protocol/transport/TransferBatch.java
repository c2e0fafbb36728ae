package io.kvpool.protocol.transport;

import io.kvpool.protocol.BlockBatch;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A reusable batch of block transfers between client memory and the pool region: per entry the block incarnation
 * (index and generation, so the far side can check it is still the block the manager named), the range in the
 * region, the client segment, and, after the transfer, a {@link io.kvpool.protocol.Status} (and, after
 * {@link BlockTransport#writeChecksummed}, the CRC32C of what was written).
 * <p>
 * Not thread-safe: one batch belongs to one caller until its transfer completes.
 */
public final class TransferBatch
{
    /** Most entries one transfer takes. */
    public static final int MAX_ENTRIES = BlockBatch.MAX_KEYS;

    private long[] blockIndex;
    private long[] generation;
    private long[] regionOffset;
    private int[] length;
    private int[] status;
    private int[] checksum;
    private MemorySegment[] segment;
    private int size;

    /**
     * A batch with room for 16 entries before it grows.
     */
    public TransferBatch()
    {
        this(16);
    }

    /**
     * @param capacity entries it holds before it grows (0 to {@link #MAX_ENTRIES}); it doubles as entries are added,
     *                 so that a transfer of one block does not pay for a thousand.
     */
    public TransferBatch(final int capacity)
    {
        BlockBatch.checkCapacity(capacity);
        blockIndex = new long[capacity];
        generation = new long[capacity];
        regionOffset = new long[capacity];
        length = new int[capacity];
        status = new int[capacity];
        checksum = new int[capacity];
        segment = new MemorySegment[capacity];
    }

    /**
     * Adds a transfer.
     *
     * @param blockIndex   block the range belongs to.
     * @param generation   the incarnation the manager reported.
     * @param regionOffset first byte in the region.
     * @param length       bytes to move; the segment must hold at least this many.
     * @param segment      client memory: destination of a read, source of a write.
     * @return the entry's index.
     * @throws IllegalStateException    when full.
     * @throws IllegalArgumentException when the segment is shorter than the length or the length is not positive.
     */
    public int add(
        final long blockIndex, final long generation, final long regionOffset, final int length,
        final MemorySegment segment)
    {
        if (size == MAX_ENTRIES)
        {
            throw new IllegalStateException("size=" + size + " is the most a transfer takes");
        }
        if (length <= 0 || segment == null || segment.byteSize() < length)
        {
            throw new IllegalArgumentException("entry " + size + ": length=" + length + " segment=" +
                (segment == null ? "null" : segment.byteSize() + " bytes"));
        }
        if (size == status.length)
        {
            grow(BlockBatch.grownCapacity(size));
        }
        this.blockIndex[size] = blockIndex;
        this.generation[size] = generation;
        this.regionOffset[size] = regionOffset;
        this.length[size] = length;
        this.segment[size] = segment;
        this.status[size] = 0;
        this.checksum[size] = 0;
        return size++;
    }

    /**
     * @return this batch, emptied.
     */
    public TransferBatch clear()
    {
        Arrays.fill(segment, 0, size, null);
        size = 0;
        return this;
    }

    public int size()
    {
        return size;
    }

    public long blockIndex(final int i)
    {
        return blockIndex[check(i)];
    }

    public long generation(final int i)
    {
        return generation[check(i)];
    }

    public long regionOffset(final int i)
    {
        return regionOffset[check(i)];
    }

    public int length(final int i)
    {
        return length[check(i)];
    }

    public MemorySegment segment(final int i)
    {
        return segment[check(i)];
    }

    public int status(final int i)
    {
        return status[check(i)];
    }

    public void status(final int i, final int value)
    {
        status[check(i)] = value;
    }

    /**
     * @return the CRC32C of the entry's {@link #length} bytes, set by {@link BlockTransport#writeChecksummed}
     *         (meaningful where the entry's status is OK); else 0.
     */
    public int checksum(final int i)
    {
        return checksum[check(i)];
    }

    public void checksum(final int i, final int value)
    {
        checksum[check(i)] = value;
    }

    /**
     * Sets every entry's status.
     */
    public void statusAll(final int value)
    {
        Arrays.fill(status, 0, size, value);
    }

    private void grow(final int capacity)
    {
        blockIndex = Arrays.copyOf(blockIndex, capacity);
        generation = Arrays.copyOf(generation, capacity);
        regionOffset = Arrays.copyOf(regionOffset, capacity);
        length = Arrays.copyOf(length, capacity);
        status = Arrays.copyOf(status, capacity);
        checksum = Arrays.copyOf(checksum, capacity);
        segment = Arrays.copyOf(segment, capacity);
    }

    private int check(final int i)
    {
        if (i < 0 || i >= size)
        {
            throw new IndexOutOfBoundsException("index=" + i + " size=" + size);
        }
        return i;
    }
}
