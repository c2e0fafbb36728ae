package io.kvpool.protocol.wire;

import io.kvpool.protocol.BlockBatch;
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
 * <p>
 * The writing side, and the layout both sides share; {@link BatchResponseDecoder} reads.
 */
public final class BatchResponseEncoder
{
    public static final int ENTRY_LENGTH = 48;
    static final int COUNT_OFFSET = MessageHeader.LENGTH;
    static final int RESULT_OFFSET = MessageHeader.LENGTH + 4;
    static final int ENTRIES_OFFSET = MessageHeader.LENGTH + 8;

    private BatchResponseEncoder()
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
}
