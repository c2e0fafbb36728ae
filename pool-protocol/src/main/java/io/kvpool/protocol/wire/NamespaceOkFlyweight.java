package io.kvpool.protocol.wire;

import io.kvpool.protocol.NamespaceInfo;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * NAMESPACE_OK: the namespace created or found. Body:
 * {@code 24 u32 namespaceId, 28 u32 blocksPerSlab, 32 u64 blockSizeBytes, 40 u32 minSlabs, 44 u32 maxSlabs,
 * 48 text name}. Stateless.
 */
public final class NamespaceOkFlyweight
{
    private static final int NAMESPACE_ID_OFFSET = MessageHeader.LENGTH;
    private static final int BLOCKS_PER_SLAB_OFFSET = 28;
    private static final int BLOCK_SIZE_OFFSET = 32;
    private static final int MIN_SLABS_OFFSET = 40;
    private static final int MAX_SLABS_OFFSET = 44;
    private static final int NAME_OFFSET = 48;

    private NamespaceOkFlyweight()
    {
    }

    /**
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final long correlationId, final long sessionId,
        final NamespaceInfo info)
    {
        MessageHeader.write(buffer, offset, MessageType.NAMESPACE_OK, 0, correlationId, sessionId);
        buffer.putInt(offset + NAMESPACE_ID_OFFSET, info.id(), MessageHeader.ORDER);
        buffer.putInt(offset + BLOCKS_PER_SLAB_OFFSET, info.blocksPerSlab(), MessageHeader.ORDER);
        buffer.putLong(offset + BLOCK_SIZE_OFFSET, info.blockSizeBytes(), MessageHeader.ORDER);
        buffer.putInt(offset + MIN_SLABS_OFFSET, info.minSlabs(), MessageHeader.ORDER);
        buffer.putInt(offset + MAX_SLABS_OFFSET, info.maxSlabs(), MessageHeader.ORDER);
        final int length = NAME_OFFSET + WireText.put(buffer, offset + NAME_OFFSET, info.name());
        MessageHeader.frameLength(buffer, offset, length);
        return length;
    }

    /**
     * @return the namespace, or {@code null} when malformed.
     */
    public static NamespaceInfo decode(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < NAME_OFFSET || WireText.skip(buffer, offset + NAME_OFFSET, offset + length) != offset + length)
        {
            return null;
        }
        return new NamespaceInfo(buffer.getInt(offset + NAMESPACE_ID_OFFSET, MessageHeader.ORDER),
            WireText.get(buffer, offset + NAME_OFFSET), buffer.getLong(offset + BLOCK_SIZE_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + BLOCKS_PER_SLAB_OFFSET, MessageHeader.ORDER), buffer.getInt(offset + MIN_SLABS_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + MAX_SLABS_OFFSET, MessageHeader.ORDER));
    }
}
