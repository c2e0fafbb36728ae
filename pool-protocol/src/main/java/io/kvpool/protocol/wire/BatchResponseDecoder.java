package io.kvpool.protocol.wire;

import io.kvpool.protocol.BlockBatch;
import org.agrona.DirectBuffer;

import static io.kvpool.protocol.wire.BatchResponseEncoder.COUNT_OFFSET;
import static io.kvpool.protocol.wire.BatchResponseEncoder.ENTRIES_OFFSET;
import static io.kvpool.protocol.wire.BatchResponseEncoder.ENTRY_LENGTH;
import static io.kvpool.protocol.wire.BatchResponseEncoder.RESULT_OFFSET;

/**
 * BATCH_RESPONSE: the answer to any batch request, one 48-byte entry per request entry, in order. Body:
 * <pre>
 *   u32 count   i32 result (the operation's return: keys found, leading keys present, blocks reserved, ...)
 *   count entries:
 *     0  i32 status (io.kvpool.protocol.Status)   4  u32 length   8  u32 checksum   12  u32 reserved
 *    16  u64 blockIndex   24  u64 generation   32  u64 offset (bytes from the region start)   40  u64 pinId
 * </pre>
 * Encodes from and decodes into a {@link BlockBatch}; allocates nothing. Stateless.
 * <p>
 * The reading side; the layout is {@link BatchResponseEncoder}'s.
 */
public final class BatchResponseDecoder
{
    private BatchResponseDecoder()
    {
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
        if (count != batch.size() || length != BatchResponseEncoder.frameLength(count))
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
