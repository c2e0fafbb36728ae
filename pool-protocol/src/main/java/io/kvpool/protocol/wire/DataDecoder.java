package io.kvpool.protocol.wire;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.transport.TransferBatch;
import org.agrona.DirectBuffer;

import static io.kvpool.protocol.wire.DataEncoder.CHUNK_AT_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.CHUNK_ENTRY_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.CHUNK_LENGTH_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.DONE_BLOCK_AT;
import static io.kvpool.protocol.wire.DataEncoder.DONE_CHECKSUM_AT;
import static io.kvpool.protocol.wire.DataEncoder.DONE_GENERATION_AT;
import static io.kvpool.protocol.wire.DataEncoder.DONE_LENGTH_AT;
import static io.kvpool.protocol.wire.DataEncoder.DONE_REGION_OFFSET_AT;
import static io.kvpool.protocol.wire.DataEncoder.DONE_STATUS_AT;
import static io.kvpool.protocol.wire.DataEncoder.ENTRY_BLOCK_AT;
import static io.kvpool.protocol.wire.DataEncoder.ENTRY_GENERATION_AT;
import static io.kvpool.protocol.wire.DataEncoder.ENTRY_LENGTH_AT;
import static io.kvpool.protocol.wire.DataEncoder.ENTRY_REGION_OFFSET_AT;
import static io.kvpool.protocol.wire.DataEncoder.FIRST_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.KEYS_DONE_ENTRY_LENGTH;
import static io.kvpool.protocol.wire.DataEncoder.KEY_CAPACITY_AT;
import static io.kvpool.protocol.wire.DataEncoder.KEY_ENTRY_LENGTH;
import static io.kvpool.protocol.wire.DataEncoder.MAX_KEYED_ENTRIES;
import static io.kvpool.protocol.wire.DataEncoder.READ_ENTRY_LENGTH;
import static io.kvpool.protocol.wire.DataEncoder.REST_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.WRITE_BLOCK_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.WRITE_ENTRY_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.WRITE_GENERATION_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.WRITE_LENGTH_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.WRITE_REGION_OFFSET_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.readEntryAt;

/**
 * The reading side of the data-path messages (Aeron stream 1002): the layouts are listed in {@link DataEncoder}.
 * Every count is checked against the frame's length before an entry is read. Stateless.
 */
public final class DataDecoder
{
    private DataDecoder()
    {
    }

    /**
     * @return the channel of a DATA_OPEN, or {@code null} when malformed.
     */
    public static String openChannel(final DirectBuffer buffer, final int offset, final int length)
    {
        return length >= REST_OFFSET + Short.BYTES &&
            WireText.skip(buffer, offset + REST_OFFSET, offset + length) == offset + length ?
            WireText.get(buffer, offset + REST_OFFSET) : null;
    }

    public static int openStreamId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + FIRST_OFFSET, MessageHeader.ORDER);
    }

    /**
     * @return the entry count of a DATA_READ, or -1 when its length disagrees with it or it exceeds
     *         {@link TransferBatch#MAX_ENTRIES}.
     */
    public static int readCount(final DirectBuffer buffer, final int offset, final int length)
    {
        return countedEntries(buffer, offset, length, READ_ENTRY_LENGTH);
    }

    public static long readBlockIndex(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getLong(offset + readEntryAt(index) + ENTRY_BLOCK_AT, MessageHeader.ORDER);
    }

    public static long readGeneration(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getLong(offset + readEntryAt(index) + ENTRY_GENERATION_AT, MessageHeader.ORDER);
    }

    public static long readRegionOffset(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getLong(offset + readEntryAt(index) + ENTRY_REGION_OFFSET_AT, MessageHeader.ORDER);
    }

    public static int readLength(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getInt(offset + readEntryAt(index) + ENTRY_LENGTH_AT, MessageHeader.ORDER);
    }

    /**
     * @return entries in a DATA_DONE, or -1 when malformed.
     */
    public static int doneCount(final DirectBuffer buffer, final int offset, final int length)
    {
        return countedEntries(buffer, offset, length, Integer.BYTES);
    }

    public static int doneStatus(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getInt(offset + REST_OFFSET + index * Integer.BYTES, MessageHeader.ORDER);
    }

    /**
     * @return the key count of a DATA_READ_KEYS, or -1 when its length disagrees with it or it exceeds
     *         {@link DataEncoder#MAX_KEYED_ENTRIES}.
     */
    public static int readKeysCount(final DirectBuffer buffer, final int offset, final int length)
    {
        return countedEntries(buffer, offset, length, KEY_ENTRY_LENGTH);
    }

    /** Copies key {@code index} of a DATA_READ_KEYS into {@code key} from {@code keyOffset}. */
    public static void readKey(
        final DirectBuffer buffer, final int offset, final int index, final byte[] key, final int keyOffset)
    {
        buffer.getBytes(offset + REST_OFFSET + index * KEY_ENTRY_LENGTH, key, keyOffset, BlockBatch.KEY_BYTES);
    }

    /** @return the reader's capacity for key {@code index} of a DATA_READ_KEYS (negative: malformed). */
    public static int readKeyCapacity(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getInt(offset + REST_OFFSET + index * KEY_ENTRY_LENGTH + KEY_CAPACITY_AT, MessageHeader.ORDER);
    }

    /**
     * @return the key count of a DATA_KEYS_DONE, or -1 when malformed.
     */
    public static int keysDoneCount(final DirectBuffer buffer, final int offset, final int length)
    {
        return countedEntries(buffer, offset, length, KEYS_DONE_ENTRY_LENGTH);
    }

    public static int keysDoneStatus(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getInt(keysDoneAt(offset, index) + DONE_STATUS_AT, MessageHeader.ORDER);
    }

    public static int keysDoneLength(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getInt(keysDoneAt(offset, index) + DONE_LENGTH_AT, MessageHeader.ORDER);
    }

    public static long keysDoneBlockIndex(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getLong(keysDoneAt(offset, index) + DONE_BLOCK_AT, MessageHeader.ORDER);
    }

    public static long keysDoneGeneration(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getLong(keysDoneAt(offset, index) + DONE_GENERATION_AT, MessageHeader.ORDER);
    }

    public static long keysDoneRegionOffset(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getLong(keysDoneAt(offset, index) + DONE_REGION_OFFSET_AT, MessageHeader.ORDER);
    }

    public static int keysDoneChecksum(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getInt(keysDoneAt(offset, index) + DONE_CHECKSUM_AT, MessageHeader.ORDER);
    }

    private static int keysDoneAt(final int offset, final int index)
    {
        return offset + REST_OFFSET + index * KEYS_DONE_ENTRY_LENGTH;
    }

    /**
     * @return the count of a message whose {@code count} entries of {@code entryLength} bytes follow
     *         {@link DataEncoder#REST_OFFSET}, or -1 when its length disagrees with it or it exceeds
     *         {@link DataEncoder#MAX_KEYED_ENTRIES} (= {@link TransferBatch#MAX_ENTRIES}, the batch limit).
     */
    private static int countedEntries(
        final DirectBuffer buffer, final int offset, final int length, final int entryLength)
    {
        if (length < REST_OFFSET)
        {
            return -1;
        }
        final int count = buffer.getInt(offset + FIRST_OFFSET, MessageHeader.ORDER);
        return count >= 0 && count <= MAX_KEYED_ENTRIES && length == REST_OFFSET + count * entryLength ? count : -1;
    }

    /** @return a DATA_WRITE_END's count of the writes it closes. */
    public static int writeEndCount(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + FIRST_OFFSET, MessageHeader.ORDER);
    }

    /** @return a DATA_WRITE's block index. */
    public static long writeBlockIndex(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + WRITE_BLOCK_OFFSET, MessageHeader.ORDER);
    }

    /** @return a DATA_WRITE's generation. */
    public static long writeGeneration(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + WRITE_GENERATION_OFFSET, MessageHeader.ORDER);
    }

    /** @return a DATA_WRITE's region offset (of its chunk). */
    public static long writeRegionOffset(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + WRITE_REGION_OFFSET_OFFSET, MessageHeader.ORDER);
    }

    /** @return a DATA_WRITE's entry (its place in the transfer batch). */
    public static int writeEntry(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + WRITE_ENTRY_OFFSET, MessageHeader.ORDER);
    }

    /** @return a DATA_WRITE's byte count. */
    public static int writeLength(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + WRITE_LENGTH_OFFSET, MessageHeader.ORDER);
    }

    /** @return a DATA_CHUNK's entry. */
    public static int chunkEntry(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + CHUNK_ENTRY_OFFSET, MessageHeader.ORDER);
    }

    /** @return a DATA_CHUNK's byte count. */
    public static int chunkLength(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + CHUNK_LENGTH_OFFSET, MessageHeader.ORDER);
    }

    /** @return a DATA_CHUNK's offset within its entry. */
    public static long chunkEntryOffset(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + CHUNK_AT_OFFSET, MessageHeader.ORDER);
    }
}
