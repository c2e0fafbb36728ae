package io.kvpool.protocol.wire;

import org.agrona.MutableDirectBuffer;

/**
 * A message whose body is one opaque byte string ({@code u16 length, bytes}), for exchanges whose content belongs
 * to a transport rather than to the protocol: RDMA_CONNECT and RDMA_ACCEPT carry RDMA endpoints. Stateless.
 * <p>
 * The writing side, and the layout both sides share; {@link OpaqueDecoder} reads.
 */
public final class OpaqueEncoder
{
    /** Longest body. */
    public static final int MAX_BYTES = 1024;

    private OpaqueEncoder()
    {
    }

    /**
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final int templateId, final long correlationId,
        final long sessionId, final byte[] body)
    {
        if (body.length > MAX_BYTES)
        {
            throw new IllegalArgumentException("body.length=" + body.length + " exceeds " + MAX_BYTES);
        }
        MessageHeader.write(buffer, offset, templateId, MessageHeader.LENGTH + 2 + body.length, correlationId,
            sessionId);
        buffer.putShort(offset + MessageHeader.LENGTH, (short)body.length, MessageHeader.ORDER);
        buffer.putBytes(offset + MessageHeader.LENGTH + 2, body);
        return MessageHeader.LENGTH + 2 + body.length;
    }
}
