package io.kvpool.protocol.wire;

import io.kvpool.protocol.transport.TransferBatch;
import org.agrona.DirectBuffer;

import static io.kvpool.protocol.wire.DataEncoder.CHUNK_AT_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.CHUNK_ENTRY_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.CHUNK_LENGTH_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.ENTRY_BLOCK_AT;
import static io.kvpool.protocol.wire.DataEncoder.ENTRY_GENERATION_AT;
import static io.kvpool.protocol.wire.DataEncoder.ENTRY_LENGTH_AT;
import static io.kvpool.protocol.wire.DataEncoder.ENTRY_REGION_OFFSET_AT;
import static io.kvpool.protocol.wire.DataEncoder.FIRST_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.REST_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.WRITE_BLOCK_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.WRITE_ENTRY_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.WRITE_GENERATION_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.WRITE_LENGTH_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.WRITE_REGION_OFFSET_OFFSET;
import static io.kvpool.protocol.wire.DataEncoder.readEntryAt;

/**
 * The data-path messages (Aeron stream 1002), for hosts that cannot map the region. Layouts after the 24-byte
 * header, little-endian:
 * <pre>
 *   DATA_OPEN       24 u32 responseStreamId, 28 u32 0, 32 text responseChannel
 *   DATA_READ       24 u32 count, 28 u32 0, 32 count x {u64 blockIndex, u64 generation, u64 regionOffset,
 *                   u32 length, u32 0}
 *   DATA_WRITE      24 u64 blockIndex, 32 u64 generation, 40 u64 regionOffset (of this chunk), 48 u32 entry,
 *                   52 u32 length, 56 bytes
 *   DATA_CHUNK      24 u32 entry, 28 u32 length, 32 u64 offset within the entry, 40 bytes
 *   DATA_DONE       24 u32 count, 28 u32 0, 32 count x i32 status
 *   DATA_WRITE_END  24 u32 count, 28 u32 0
 * </pre>
 * Chunks carry at most {@link #CHUNK_BYTES}; a read's chunks arrive in order, then its DATA_DONE. Stateless.
 * <p>
 * The reading side; the layout is {@link DataEncoder}'s.
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
        if (length < REST_OFFSET)
        {
            return -1;
        }
        final int count = buffer.getInt(offset + FIRST_OFFSET, MessageHeader.ORDER);
        return count >= 0 && count <= TransferBatch.MAX_ENTRIES &&
            length == readEntryAt(count) ? count : -1;
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
        if (length < REST_OFFSET)
        {
            return -1;
        }
        final int count = buffer.getInt(offset + FIRST_OFFSET, MessageHeader.ORDER);
        return count >= 0 && count <= TransferBatch.MAX_ENTRIES && length == REST_OFFSET + count * Integer.BYTES ?
            count : -1;
    }

    public static int doneStatus(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getInt(offset + REST_OFFSET + index * Integer.BYTES, MessageHeader.ORDER);
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
