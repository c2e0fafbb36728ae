package io.kvpool.protocol.wire;

import io.kvpool.protocol.NamespaceInfo;
import org.agrona.DirectBuffer;

import static io.kvpool.protocol.wire.NamespaceOkEncoder.BLOCKS_PER_SLAB_OFFSET;
import static io.kvpool.protocol.wire.NamespaceOkEncoder.BLOCK_SIZE_OFFSET;
import static io.kvpool.protocol.wire.NamespaceOkEncoder.MAX_SLABS_OFFSET;
import static io.kvpool.protocol.wire.NamespaceOkEncoder.MIN_SLABS_OFFSET;
import static io.kvpool.protocol.wire.NamespaceOkEncoder.NAMESPACE_ID_OFFSET;
import static io.kvpool.protocol.wire.NamespaceOkEncoder.NAME_OFFSET;

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
