package io.kvpool.protocol.wire;

import io.kvpool.protocol.BlockBatch;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * BATCH_RESPONSE: the answer to any batch request, one 48-byte entry per request entry, in order. Body:
 * <pre>
 *   u32 count   i32 result (the operation's return: keys found, leading keys present, blocks reserved, ...)
 *   count entries:
 *     0  i32 status (io.kvpool.protocol.Status)   4  u32 length   8  u32 checksum   12  u32 reserved
 *    16  u64 blockIndex   24  u64 generation   32  u64 offset (bytes from the region start)   40  u64 pinId
 * </pre>
 * Encodes from and decodes into a {@link BlockBatch}; allocates nothing. Stateless.
 */
public final class BatchResponseFlyweight
{
    public static final int ENTRY_LENGTH = 48;
    private static final int COUNT_OFFSET = MessageHeader.LENGTH;
    private static final int RESULT_OFFSET = MessageHeader.LENGTH + 4;
    private static final int ENTRIES_OFFSET = MessageHeader.LENGTH + 8;

    private BatchResponseFlyweight()
    {
    }

    /**
     * @return frame length of a response of {@code count} entries.
     */
    public static int frameLength(final int count)
    {
        return ENTRIES_OFFSET + count * ENTRY_LENGTH;
    }

    /**
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final long correlationId, final long sessionId,
        final int result, final BlockBatch batch)
    {
        final int count = batch.size();
        final int length = frameLength(count);
        MessageHeader.write(buffer, offset, MessageType.BATCH_RESPONSE, length, correlationId, sessionId);
        buffer.putInt(offset + COUNT_OFFSET, count, MessageHeader.ORDER);
        buffer.putInt(offset + RESULT_OFFSET, result, MessageHeader.ORDER);
        int position = offset + ENTRIES_OFFSET;
        for (int i = 0; i < count; i++, position += ENTRY_LENGTH)
        {
            buffer.putInt(position, batch.status(i), MessageHeader.ORDER);
            buffer.putInt(position + 4, batch.length(i), MessageHeader.ORDER);
            buffer.putInt(position + 8, batch.checksum(i), MessageHeader.ORDER);
            buffer.putInt(position + 12, 0, MessageHeader.ORDER);
            buffer.putLong(position + 16, batch.blockIndex(i), MessageHeader.ORDER);
            buffer.putLong(position + 24, batch.generation(i), MessageHeader.ORDER);
            buffer.putLong(position + 32, batch.offset(i), MessageHeader.ORDER);
            buffer.putLong(position + 40, batch.pinId(i), MessageHeader.ORDER);
        }
        return length;
    }

    /**
     * Copies a response's entries into the batch the request was made from (same order and size).
     *
     * @return the operation's result, or {@link Integer#MIN_VALUE} when the response is malformed or its count
     *         differs from the batch's size.
     */
    public static int decodeInto(
        final DirectBuffer buffer, final int offset, final int length, final BlockBatch batch)
    {
        if (length < ENTRIES_OFFSET)
        {
            return Integer.MIN_VALUE;
        }
        final int count = buffer.getInt(offset + COUNT_OFFSET, MessageHeader.ORDER);
        if (count != batch.size() || length != frameLength(count))
        {
            return Integer.MIN_VALUE;
        }
        int position = offset + ENTRIES_OFFSET;
        for (int i = 0; i < count; i++, position += ENTRY_LENGTH)
        {
            batch.status(i, buffer.getInt(position, MessageHeader.ORDER));
            batch.length(i, buffer.getInt(position + 4, MessageHeader.ORDER));
            batch.checksum(i, buffer.getInt(position + 8, MessageHeader.ORDER));
            batch.blockIndex(i, buffer.getLong(position + 16, MessageHeader.ORDER));
            batch.generation(i, buffer.getLong(position + 24, MessageHeader.ORDER));
            batch.offset(i, buffer.getLong(position + 32, MessageHeader.ORDER));
            batch.pinId(i, buffer.getLong(position + 40, MessageHeader.ORDER));
        }
        return buffer.getInt(offset + RESULT_OFFSET, MessageHeader.ORDER);
    }
}
