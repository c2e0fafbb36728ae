package io.kvpool.protocol.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * CREATE_NAMESPACE (admin sessions only). Body:
 * <pre>
 *   24 u64 blockSizeBytes   32 u32 minSlabs   36 u32 maxSlabs
 *   40 text name            then text tokenHash (SHA-256 of the namespace's new token, 32
 *                            bytes, or empty for none: the token itself never travels)
 * </pre>
 * Answered NAMESPACE_OK or ERROR. Not thread-safe.
 */
public final class CreateNamespaceFlyweight
{
    private static final int BLOCK_SIZE_OFFSET = MessageHeader.LENGTH;
    private static final int MIN_SLABS_OFFSET = 32;
    private static final int MAX_SLABS_OFFSET = 36;
    private static final int NAME_OFFSET = 40;

    private DirectBuffer buffer;
    private int offset;
    private int tokenOffset;

    /**
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final long correlationId, final long sessionId,
        final String name, final long blockSizeBytes, final int minSlabs, final int maxSlabs, final String token)
    {
        MessageHeader.write(buffer, offset, MessageType.CREATE_NAMESPACE, 0, correlationId, sessionId);
        buffer.putLong(offset + BLOCK_SIZE_OFFSET, blockSizeBytes, MessageHeader.ORDER);
        buffer.putInt(offset + MIN_SLABS_OFFSET, minSlabs, MessageHeader.ORDER);
        buffer.putInt(offset + MAX_SLABS_OFFSET, maxSlabs, MessageHeader.ORDER);
        int position = offset + NAME_OFFSET;
        position += WireText.put(buffer, position, name);
        position += WireText.putBytes(buffer, position, token == null || token.isEmpty() ? new byte[0] :
            TokenProof.tokenHash(token));
        final int length = position - offset;
        MessageHeader.frameLength(buffer, offset, length);
        return length;
    }

    /**
     * @return {@link WireError#NONE} or {@link WireError#MALFORMED}.
     */
    public int wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        if (length < NAME_OFFSET)
        {
            return WireError.MALFORMED;
        }
        tokenOffset = WireText.skip(buffer, offset + NAME_OFFSET, offset + length);
        final int end = tokenOffset < 0 ? -1 : WireText.skip(buffer, tokenOffset, offset + length);
        return end == offset + length ? WireError.NONE : WireError.MALFORMED;
    }

    public long blockSizeBytes()
    {
        return buffer.getLong(offset + BLOCK_SIZE_OFFSET, MessageHeader.ORDER);
    }

    public int minSlabs()
    {
        return buffer.getInt(offset + MIN_SLABS_OFFSET, MessageHeader.ORDER);
    }

    public int maxSlabs()
    {
        return buffer.getInt(offset + MAX_SLABS_OFFSET, MessageHeader.ORDER);
    }

    public String name()
    {
        return WireText.get(buffer, offset + NAME_OFFSET);
    }

    /**
     * @return the new token's SHA-256 (32 bytes), or empty for a namespace without a token; any other length is a
     *         malformed request.
     */
    public byte[] tokenHash()
    {
        return WireText.getBytes(buffer, tokenOffset);
    }
}
