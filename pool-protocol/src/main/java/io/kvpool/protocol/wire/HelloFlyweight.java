package io.kvpool.protocol.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * HELLO: opens a session. Body after the header:
 * <pre>
 *   u32  responseStreamId   stream on which the manager answers
 *   u32  reserved (0)
 *   text namespace          "" for an admin session (CREATE_NAMESPACE, STATS of every namespace)
 *   text token              the namespace's (or the admin) token; "" for none
 *   text responseChannel    Aeron channel the manager publishes answers to, e.g. aeron:ipc or
 *                           aeron:udp?endpoint=10.0.0.7:40123
 *   text clientName         for logs and metrics
 * </pre>
 * (text = u16 length + UTF-8 bytes.) Not thread-safe: one flyweight per thread.
 */
public final class HelloFlyweight
{
    private static final int STREAM_OFFSET = MessageHeader.LENGTH;
    private static final int FIRST_TEXT_OFFSET = MessageHeader.LENGTH + 8;

    private DirectBuffer buffer;
    private int offset;
    private int tokenOffset;
    private int channelOffset;
    private int clientOffset;

    /**
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final long correlationId, final int responseStreamId,
        final String namespace, final String token, final String responseChannel, final String clientName)
    {
        MessageHeader.write(buffer, offset, MessageType.HELLO, 0, correlationId, 0);
        buffer.putInt(offset + STREAM_OFFSET, responseStreamId, MessageHeader.ORDER);
        buffer.putInt(offset + STREAM_OFFSET + 4, 0, MessageHeader.ORDER);
        int position = offset + FIRST_TEXT_OFFSET;
        position += WireText.put(buffer, position, namespace);
        position += WireText.put(buffer, position, token);
        position += WireText.put(buffer, position, responseChannel);
        position += WireText.put(buffer, position, clientName);
        final int length = position - offset;
        MessageHeader.frameLength(buffer, offset, length);
        return length;
    }

    /**
     * Wraps a received HELLO whose header was validated.
     *
     * @return {@link WireError#NONE} or {@link WireError#MALFORMED}.
     */
    public int wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        final int limit = offset + length;
        if (length < FIRST_TEXT_OFFSET)
        {
            return WireError.MALFORMED;
        }
        tokenOffset = WireText.skip(buffer, offset + FIRST_TEXT_OFFSET, limit);
        channelOffset = tokenOffset < 0 ? -1 : WireText.skip(buffer, tokenOffset, limit);
        clientOffset = channelOffset < 0 ? -1 : WireText.skip(buffer, channelOffset, limit);
        final int end = clientOffset < 0 ? -1 : WireText.skip(buffer, clientOffset, limit);
        return end == limit ? WireError.NONE : WireError.MALFORMED;
    }

    public int responseStreamId()
    {
        return buffer.getInt(offset + STREAM_OFFSET, MessageHeader.ORDER);
    }

    public String namespace()
    {
        return WireText.get(buffer, offset + FIRST_TEXT_OFFSET);
    }

    public String token()
    {
        return WireText.get(buffer, tokenOffset);
    }

    public String responseChannel()
    {
        return WireText.get(buffer, channelOffset);
    }

    public String clientName()
    {
        return WireText.get(buffer, clientOffset);
    }
}
