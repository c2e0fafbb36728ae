package io.kvpool.protocol.wire;

import org.agrona.DirectBuffer;

import static io.kvpool.protocol.wire.OpaqueEncoder.MAX_BYTES;

/**
 * A message whose body is one opaque byte string ({@code u16 length, bytes}), for exchanges whose content belongs
 * to a transport rather than to the protocol: RDMA_CONNECT and RDMA_ACCEPT carry RDMA endpoints. Stateless.
 * <p>
 * The reading side; the layout is {@link OpaqueEncoder}'s.
 */
public final class OpaqueDecoder
{
    private OpaqueDecoder()
    {
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
