package io.kvpool.protocol.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A message whose body is one opaque byte string ({@code u16 length, bytes}), for exchanges whose content belongs
 * to a transport rather than to the protocol: RDMA_CONNECT and RDMA_ACCEPT carry RDMA endpoints. Stateless.
 */
public final class OpaqueFlyweight
{
    /** Longest body. */
    public static final int MAX_BYTES = 1024;

    private OpaqueFlyweight()
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

    /**
     * @return the body, or {@code null} when malformed.
     */
    public static byte[] decode(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MessageHeader.LENGTH + 2)
        {
            return null;
        }
        final int bytes = buffer.getShort(offset + MessageHeader.LENGTH, MessageHeader.ORDER) & 0xFFFF;
        if (bytes > MAX_BYTES || length != MessageHeader.LENGTH + 2 + bytes)
        {
            return null;
        }
        final byte[] body = new byte[bytes];
        buffer.getBytes(offset + MessageHeader.LENGTH + 2, body);
        return body;
    }
}
