package io.kvpool.protocol.wire;

import io.kvpool.protocol.BlockBatch;
import org.agrona.DirectBuffer;

import static io.kvpool.protocol.wire.BatchRequestEncoder.COUNT_OFFSET;
import static io.kvpool.protocol.wire.BatchRequestEncoder.ENTRIES_OFFSET;
import static io.kvpool.protocol.wire.BatchRequestEncoder.KIND_OFFSET;
import static io.kvpool.protocol.wire.BatchRequestEncoder.RENEW_PINS;

/**
 * The reading side of batch requests (LOOKUP, LONGEST_PREFIX, RESERVE, PIN, REMOVE, COMMIT, ABORT, RENEW, UNPIN):
 * the layout, by template and kind, is {@link BatchRequestEncoder}'s. Decodes into a {@link BlockBatch}; allocates
 * nothing. Stateless.
 */
public final class BatchRequestDecoder
{
    private BatchRequestDecoder()
    {
    }

    /**
     * Checks a received batch request whose header was validated.
     *
     * @return {@link WireError#NONE}, {@link WireError#OUT_OF_RANGE} (count or kind) or
     *         {@link WireError#MALFORMED} (length disagrees with the count).
     */
    public static int validate(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < ENTRIES_OFFSET)
        {
            return WireError.MALFORMED;
        }
        final int templateId = MessageHeader.templateId(buffer, offset);
        final int count = buffer.getInt(offset + COUNT_OFFSET, MessageHeader.ORDER);
        final int kind = buffer.getInt(offset + KIND_OFFSET, MessageHeader.ORDER);
        final boolean twoKinds = templateId == MessageType.RENEW || templateId == MessageType.RESERVE ||
            templateId == MessageType.COMMIT;
        if (count < 0 || count > BlockBatch.MAX_KEYS || (twoKinds ? kind != 0 && kind != 1 : kind != 0))
        {
            return WireError.OUT_OF_RANGE;
        }
        return length == BatchRequestEncoder.frameLength(templateId, kind, count) ? WireError.NONE :
            WireError.MALFORMED;
    }

    public static int count(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + COUNT_OFFSET, MessageHeader.ORDER);
    }

    public static int kind(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + KIND_OFFSET, MessageHeader.ORDER);
    }

    /**
     * Decodes a validated request into a cleared batch.
     */
    public static void decode(final DirectBuffer buffer, final int offset, final BlockBatch batch)
    {
        batch.clear();
        final int templateId = MessageHeader.templateId(buffer, offset);
        final int kind = kind(buffer, offset);
        final int count = count(buffer, offset);
        int position = offset + ENTRIES_OFFSET;
        for (int i = 0; i < count; i++)
        {
            if (templateId == MessageType.RESERVE && kind == BatchRequestEncoder.GRANT)
            {
                batch.addZeroKey();
                continue;
            }
            if (MessageType.isKeyBatch(templateId) || (templateId == MessageType.COMMIT &&
                kind == BatchRequestEncoder.KEYED))
            {
                batch.addKey(buffer, position);
                position += BlockBatch.KEY_BYTES;
                if (MessageType.isKeyBatch(templateId))
                {
                    continue;
                }
            }
            else
            {
                batch.addZeroKey();
            }
            if (templateId == MessageType.UNPIN || (templateId == MessageType.RENEW && kind == RENEW_PINS))
            {
                batch.pinId(i, buffer.getLong(position, MessageHeader.ORDER));
                position += 16;
                continue;
            }
            batch.blockIndex(i, buffer.getLong(position, MessageHeader.ORDER));
            batch.generation(i, buffer.getLong(position + 8, MessageHeader.ORDER));
            position += 16;
            if (templateId == MessageType.COMMIT)
            {
                batch.length(i, buffer.getInt(position, MessageHeader.ORDER));
                batch.checksum(i, buffer.getInt(position + 4, MessageHeader.ORDER));
                position += 8;
            }
        }
    }
}
