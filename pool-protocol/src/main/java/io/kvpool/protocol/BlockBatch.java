package io.kvpool.protocol;

import org.agrona.DirectBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A reusable batch of up to {@link #MAX_KEYS} block keys and, per key, what an operation reported: status,
 * location (block index, generation, offset), payload length and checksum, and a pin id. Struct-of-arrays so that a
 * batch is allocated once and reused: no operation allocates per key. The arrays start small and double as keys are
 * added (a batch of one key costs a few hundred bytes, not the 76 KiB of a full one: a per-call batch on a hot path
 * must not cost more than the call).
 * <p>
 * Callers fill keys (and, for commit, length and checksum; for unpin, pin ids); the pool fills the rest.
 * <p>
 * Not thread-safe: one batch belongs to one thread at a time.
 */
public final class BlockBatch
{
    /** Most keys one call takes. */
    public static final int MAX_KEYS = 1024;
    /** Length of a block key (a SHA-256 digest). */
    public static final int KEY_BYTES = 32;

    private byte[] keys;
    private int[] status;
    private long[] blockIndex;
    private long[] generation;
    private long[] offset;
    private int[] length;
    private int[] checksum;
    private long[] pinId;
    private int size;

    /**
     * A batch with room for 16 keys before it grows.
     */
    public BlockBatch()
    {
        this(16);
    }

    /**
     * @param capacity keys it holds before it grows (0 to {@link #MAX_KEYS}): the number a caller is about to add.
     */
    public BlockBatch(final int capacity)
    {
        checkCapacity(capacity);
        keys = new byte[capacity * KEY_BYTES];
        status = new int[capacity];
        blockIndex = new long[capacity];
        generation = new long[capacity];
        offset = new long[capacity];
        length = new int[capacity];
        checksum = new int[capacity];
        pinId = new long[capacity];
    }

    /**
     * Empties the batch for reuse.
     *
     * @return this batch.
     */
    public BlockBatch clear()
    {
        Arrays.fill(status, 0, size, 0);
        Arrays.fill(blockIndex, 0, size, 0);
        Arrays.fill(generation, 0, size, 0);
        Arrays.fill(offset, 0, size, 0);
        Arrays.fill(length, 0, size, 0);
        Arrays.fill(checksum, 0, size, 0);
        Arrays.fill(pinId, 0, size, 0);
        size = 0;
        return this;
    }

    /**
     * @return number of entries.
     */
    public int size()
    {
        return size;
    }

    /**
     * Appends a key.
     *
     * @param key    source array.
     * @param offset of the key's first byte in {@code key}.
     * @return index of the new entry.
     * @throws IllegalStateException     when the batch already holds {@link #MAX_KEYS} keys.
     * @throws IndexOutOfBoundsException when {@code key} has fewer than 32 bytes from {@code offset}.
     */
    public int addKey(final byte[] key, final int offset)
    {
        ensureRoom();
        System.arraycopy(key, offset, keys, size * KEY_BYTES, KEY_BYTES);
        return size++;
    }

    /**
     * Appends another batch's reservation: its key, block index and generation (what RENEW, COMMIT and ABORT name a
     * reservation by).
     *
     * @param from  the batch holding the reservation.
     * @param index its entry in {@code from}.
     * @return index of the new entry.
     */
    public int addReservation(final BlockBatch from, final int index)
    {
        final int entry = addKey(from.keys, index * KEY_BYTES);
        blockIndex(entry, from.blockIndex(index));
        generation(entry, from.generation(index));
        return entry;
    }

    /**
     * Appends a 32-byte key.
     *
     * @param key exactly {@link #KEY_BYTES} bytes.
     * @return index of the new entry.
     */
    public int addKey(final byte[] key)
    {
        if (key.length != KEY_BYTES)
        {
            throw new IllegalArgumentException("key.length=" + key.length + " must be " + KEY_BYTES);
        }
        return addKey(key, 0);
    }

    /**
     * Appends a key read from native memory.
     *
     * @param key    segment holding the key.
     * @param offset of the key's first byte in {@code key}.
     * @return index of the new entry.
     */
    public int addKey(final MemorySegment key, final long offset)
    {
        ensureRoom();
        MemorySegment.copy(key, ValueLayout.JAVA_BYTE, offset, keys, size * KEY_BYTES, KEY_BYTES);
        return size++;
    }

    /**
     * Appends a key read from an Agrona buffer (a wire message).
     *
     * @param buffer holding the key.
     * @param offset of the key's first byte.
     * @return index of the new entry.
     */
    public int addKey(final DirectBuffer buffer, final int offset)
    {
        ensureRoom();
        buffer.getBytes(offset, keys, size * KEY_BYTES, KEY_BYTES);
        return size++;
    }

    /**
     * Appends an entry with an all-zero key, for operations named by block or pin id rather than key.
     *
     * @return index of the new entry.
     */
    public int addZeroKey()
    {
        ensureRoom();
        Arrays.fill(keys, size * KEY_BYTES, (size + 1) * KEY_BYTES, (byte)0);
        return size++;
    }

    /**
     * @return the backing key array: entry {@code i}'s key is at {@code i * KEY_BYTES}. Adding a key may replace
     * it: take it after the keys are in.
     */
    public byte[] keyArray()
    {
        return keys;
    }

    /**
     * @param index entry index.
     * @return a copy of entry {@code index}'s key.
     */
    public byte[] key(final int index)
    {
        checkIndex(index);
        return Arrays.copyOfRange(keys, index * KEY_BYTES, (index + 1) * KEY_BYTES);
    }

    public int status(final int index)
    {
        checkIndex(index);
        return status[index];
    }

    public void status(final int index, final int value)
    {
        checkIndex(index);
        status[index] = value;
    }

    public long blockIndex(final int index)
    {
        checkIndex(index);
        return blockIndex[index];
    }

    public void blockIndex(final int index, final long value)
    {
        checkIndex(index);
        blockIndex[index] = value;
    }

    public long generation(final int index)
    {
        checkIndex(index);
        return generation[index];
    }

    public void generation(final int index, final long value)
    {
        checkIndex(index);
        generation[index] = value;
    }

    /**
     * @param index entry index.
     * @return offset of the block's payload in bytes from the start of the region.
     */
    public long offset(final int index)
    {
        checkIndex(index);
        return offset[index];
    }

    public void offset(final int index, final long value)
    {
        checkIndex(index);
        offset[index] = value;
    }

    /**
     * @param index entry index.
     * @return payload length in bytes: the committed length after lookup, the block size after reserve, the
     *         length to commit before commit.
     */
    public int length(final int index)
    {
        checkIndex(index);
        return length[index];
    }

    public void length(final int index, final int value)
    {
        checkIndex(index);
        length[index] = value;
    }

    /**
     * @param index entry index.
     * @return CRC32C of the payload (recorded on commit, reported on lookup).
     */
    public int checksum(final int index)
    {
        checkIndex(index);
        return checksum[index];
    }

    public void checksum(final int index, final int value)
    {
        checkIndex(index);
        checksum[index] = value;
    }

    /**
     * @param index entry index.
     * @return the pin id reported by pin, to pass to unpin or renew.
     */
    public long pinId(final int index)
    {
        checkIndex(index);
        return pinId[index];
    }

    public void pinId(final int index, final long value)
    {
        checkIndex(index);
        pinId[index] = value;
    }

    /**
     * @return number of entries whose status is {@link Status#OK}.
     */
    public int okCount()
    {
        int count = 0;
        for (int i = 0; i < size; i++)
        {
            if (status[i] == Status.OK)
            {
                count++;
            }
        }
        return count;
    }

    private void ensureRoom()
    {
        if (size == MAX_KEYS)
        {
            throw new IllegalStateException("size=" + size + " is the most a batch takes (MAX_KEYS=" + MAX_KEYS + ")");
        }
        if (size == status.length)
        {
            final int capacity = grownCapacity(size);
            keys = Arrays.copyOf(keys, capacity * KEY_BYTES);
            status = Arrays.copyOf(status, capacity);
            blockIndex = Arrays.copyOf(blockIndex, capacity);
            generation = Arrays.copyOf(generation, capacity);
            offset = Arrays.copyOf(offset, capacity);
            length = Arrays.copyOf(length, capacity);
            checksum = Arrays.copyOf(checksum, capacity);
            pinId = Arrays.copyOf(pinId, capacity);
        }
    }

    /**
     * The capacity a batch starts with: 0 to {@link #MAX_KEYS} (shared with {@code TransferBatch}, which has the
     * same bound).
     *
     * @throws IllegalArgumentException naming the capacity otherwise.
     */
    public static void checkCapacity(final int capacity)
    {
        if (capacity < 0 || capacity > MAX_KEYS)
        {
            throw new IllegalArgumentException("capacity=" + capacity + " must be 0.." + MAX_KEYS);
        }
    }

    /**
     * @param size entries a full batch holds.
     * @return the capacity it grows to: double, at least 16, at most {@link #MAX_KEYS} (shared with
     *         {@code TransferBatch}).
     */
    public static int grownCapacity(final int size)
    {
        return Math.min(MAX_KEYS, Math.max(16, 2 * size));
    }

    private void checkIndex(final int index)
    {
        if (index < 0 || index >= size)
        {
            throw new IndexOutOfBoundsException("index=" + index + " size=" + size);
        }
    }
}
