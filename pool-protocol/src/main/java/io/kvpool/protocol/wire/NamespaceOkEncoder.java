package io.kvpool.protocol.wire;

import io.kvpool.protocol.NamespaceInfo;
import org.agrona.MutableDirectBuffer;

/**
 * NAMESPACE_OK: the namespace created or found. Body:
 * {@code 24 u32 namespaceId, 28 u32 blocksPerSlab, 32 u64 blockSizeBytes, 40 u32 minSlabs, 44 u32 maxSlabs,
 * 48 text name}. Stateless.
 * <p>
 * The writing side, and the layout both sides share; {@link NamespaceOkDecoder} reads.
 */
public final class NamespaceOkEncoder
{
    static final int NAMESPACE_ID_OFFSET = MessageHeader.LENGTH;
    static final int BLOCKS_PER_SLAB_OFFSET = 28;
    static final int BLOCK_SIZE_OFFSET = 32;
    static final int MIN_SLABS_OFFSET = 40;
    static final int MAX_SLABS_OFFSET = 44;
    static final int NAME_OFFSET = 48;

    private NamespaceOkEncoder()
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
}
