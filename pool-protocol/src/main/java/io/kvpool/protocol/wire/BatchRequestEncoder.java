package io.kvpool.protocol.wire;

import io.kvpool.protocol.BlockBatch;
import org.agrona.MutableDirectBuffer;

/**
 * A batch request: LOOKUP, LONGEST_PREFIX, RESERVE, PIN, REMOVE (keys), COMMIT, ABORT, RENEW, UNPIN. Body after the
 * header:
 * <pre>
 *   u32 count (0..1024)   u32 kind (RENEW: 0 reservations, 1 pins; RESERVE: 0 keys, 1 {@link #GRANT};
 *                                   COMMIT: 0 reserved blocks, 1 {@link #KEYED} granted blocks; otherwise 0)
 *   count entries of a size fixed by the template and kind:
 *     key batches  32 B: key
 *     RESERVE(grant)  0 B: count is the number of keyless blocks asked for
 *     COMMIT       24 B: u64 blockIndex, u64 generation, u32 length, u32 checksum
 *     COMMIT(keyed)   56 B: 32 B key, u64 blockIndex, u64 generation, u32 length, u32 checksum
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
    /** RESERVE's kind for a grant: blocks reserved under no key yet, to be committed with one ({@link #KEYED}). */
    public static final int GRANT = 1;
    /** COMMIT's kind for granted blocks: each entry names the key the block is published under. */
    public static final int KEYED = 1;
    static final int COUNT_OFFSET = MessageHeader.LENGTH;
    static final int KIND_OFFSET = MessageHeader.LENGTH + 4;
    static final int ENTRIES_OFFSET = MessageHeader.LENGTH + BODY_HEADER_LENGTH;

    private BatchRequestEncoder()
    {
    }

    /**
     * @param templateId a batch request template.
     * @param kind       its kind (RENEW's two kinds have entries of one size).
     * @return bytes per entry.
     */
    public static int entryLength(final int templateId, final int kind)
    {
        if (templateId == MessageType.RESERVE && kind == GRANT)
        {
            return 0;
        }
        if (MessageType.isKeyBatch(templateId))
        {
            return BlockBatch.KEY_BYTES;
        }
        if (templateId == MessageType.COMMIT)
        {
            return kind == KEYED ? BlockBatch.KEY_BYTES + 24 : 24;
        }
        return 16;
    }

    /**
     * @return frame length of a request of {@code count} entries.
     */
    public static int frameLength(final int templateId, final int kind, final int count)
    {
        return ENTRIES_OFFSET + count * entryLength(templateId, kind);
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
        final int length = frameLength(templateId, kind, count);
        MessageHeader.write(buffer, offset, templateId, length, correlationId, sessionId);
        buffer.putInt(offset + COUNT_OFFSET, count, MessageHeader.ORDER);
        buffer.putInt(offset + KIND_OFFSET, kind, MessageHeader.ORDER);
        int position = offset + ENTRIES_OFFSET;
        for (int i = 0; i < count; i++)
        {
            if (templateId == MessageType.RESERVE && kind == GRANT)
            {
                continue;
            }
            if (MessageType.isKeyBatch(templateId) || (templateId == MessageType.COMMIT && kind == KEYED))
            {
                buffer.putBytes(position, batch.keyArray(), i * BlockBatch.KEY_BYTES, BlockBatch.KEY_BYTES);
                position += BlockBatch.KEY_BYTES;
            }
            if (MessageType.isKeyBatch(templateId))
            {
                continue;
            }
            if (templateId == MessageType.UNPIN || (templateId == MessageType.RENEW && kind == RENEW_PINS))
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
