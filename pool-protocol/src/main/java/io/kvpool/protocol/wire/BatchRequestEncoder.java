package io.kvpool.protocol.wire;

import io.kvpool.protocol.BlockBatch;
import org.agrona.MutableDirectBuffer;

/**
 * A batch request: LOOKUP, LONGEST_PREFIX, RESERVE, PIN, REMOVE (keys), COMMIT, ABORT, RENEW, UNPIN. Body after the
 * header:
 * <pre>
 *   u32 count (0..1024)   u32 kind (RENEW: 0 reservations, 1 pins; otherwise 0)
 *   count entries of a size fixed by the template:
 *     key batches  32 B: key
 *     COMMIT       24 B: u64 blockIndex, u64 generation, u32 length, u32 checksum
 *     ABORT, RENEW(reservations)  16 B: u64 blockIndex, u64 generation
 *     UNPIN, RENEW(pins)          16 B: u64 pinId, u64 reserved
 * </pre>
 * Encodes from and decodes into a {@link BlockBatch}; allocates nothing. Stateless.
 * <p>
 * The writing side, and the layout both sides share; {@link BatchRequestDecoder} reads.
 */
public final class BatchRequestEncoder
{
    public static final int BODY_HEADER_LENGTH = 8;
    public static final int RENEW_RESERVATIONS = 0;
    public static final int RENEW_PINS = 1;
    static final int COUNT_OFFSET = MessageHeader.LENGTH;
    static final int KIND_OFFSET = MessageHeader.LENGTH + 4;
    static final int ENTRIES_OFFSET = MessageHeader.LENGTH + BODY_HEADER_LENGTH;

    private BatchRequestEncoder()
    {
    }

    /**
     * @param templateId a batch request template.
     * @return bytes per entry (RENEW's are the same for both kinds).
     */
    public static int entryLength(final int templateId)
    {
        if (MessageType.isKeyBatch(templateId))
        {
            return BlockBatch.KEY_BYTES;
        }
        return templateId == MessageType.COMMIT ? 24 : 16;
    }

    /**
     * @return frame length of a request of {@code count} entries.
     */
    public static int frameLength(final int templateId, final int count)
    {
        return ENTRIES_OFFSET + count * entryLength(templateId);
    }

    /**
     * Encodes the batch's entries as the template needs them.
     *
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final int templateId, final int kind,
        final long correlationId, final long sessionId, final BlockBatch batch)
    {
        final int count = batch.size();
        final int length = frameLength(templateId, count);
        MessageHeader.write(buffer, offset, templateId, length, correlationId, sessionId);
        buffer.putInt(offset + COUNT_OFFSET, count, MessageHeader.ORDER);
        buffer.putInt(offset + KIND_OFFSET, kind, MessageHeader.ORDER);
        int position = offset + ENTRIES_OFFSET;
        for (int i = 0; i < count; i++)
        {
            if (MessageType.isKeyBatch(templateId))
            {
                buffer.putBytes(position, batch.keyArray(), i * BlockBatch.KEY_BYTES, BlockBatch.KEY_BYTES);
                position += BlockBatch.KEY_BYTES;
            }
            else if (templateId == MessageType.UNPIN || (templateId == MessageType.RENEW && kind == RENEW_PINS))
            {
                buffer.putLong(position, batch.pinId(i), MessageHeader.ORDER);
                buffer.putLong(position + 8, 0, MessageHeader.ORDER);
                position += 16;
            }
            else
            {
                buffer.putLong(position, batch.blockIndex(i), MessageHeader.ORDER);
                buffer.putLong(position + 8, batch.generation(i), MessageHeader.ORDER);
                position += 16;
                if (templateId == MessageType.COMMIT)
                {
                    buffer.putInt(position, batch.length(i), MessageHeader.ORDER);
                    buffer.putInt(position + 4, batch.checksum(i), MessageHeader.ORDER);
                    position += 8;
                }
            }
        }
        return length;
    }
}
