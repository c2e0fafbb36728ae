package io.kvpool.protocol.wire;

import io.kvpool.protocol.NamespaceInfo;
import org.agrona.DirectBuffer;

/**
 * NAMESPACE_OK: the namespace created or found. Body:
 * {@code 24 u32 namespaceId, 28 u32 blocksPerSlab, 32 u64 blockSizeBytes, 40 u32 minSlabs, 44 u32 maxSlabs,
 * 48 text name}. Stateless.
 * <p>
 * The reading side; the layout is {@link NamespaceOkEncoder}'s.
 */
public final class NamespaceOkDecoder
{
    private NamespaceOkDecoder()
    {
    }

    /**
     * @return the namespace, or {@code null} when malformed.
     */
    public static NamespaceInfo decode(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < NamespaceOkEncoder.NAME_OFFSET || WireText.skip(buffer, offset + NamespaceOkEncoder.NAME_OFFSET, offset + length) != offset + length)
        {
            return null;
        }
        return new NamespaceInfo(buffer.getInt(offset + NamespaceOkEncoder.NAMESPACE_ID_OFFSET, MessageHeader.ORDER),
            WireText.get(buffer, offset + NamespaceOkEncoder.NAME_OFFSET), buffer.getLong(offset + NamespaceOkEncoder.BLOCK_SIZE_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + NamespaceOkEncoder.BLOCKS_PER_SLAB_OFFSET, MessageHeader.ORDER), buffer.getInt(offset + NamespaceOkEncoder.MIN_SLABS_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + NamespaceOkEncoder.MAX_SLABS_OFFSET, MessageHeader.ORDER));
    }
}
