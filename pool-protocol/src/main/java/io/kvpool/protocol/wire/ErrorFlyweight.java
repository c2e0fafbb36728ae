package io.kvpool.protocol.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * ERROR: a request refused as a whole. Body: {@code i32 code, u32 reserved, text message}. The code is a
 * {@link WireError} or an {@link io.kvpool.protocol.ErrorCode} number; unknown numbers are kept as numbers.
 * Not thread-safe.
 */
public final class ErrorFlyweight
{
    private static final int CODE_OFFSET = MessageHeader.LENGTH;
    private static final int MESSAGE_OFFSET = MessageHeader.LENGTH + 8;

    private DirectBuffer buffer;
    private int offset;

    /**
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final long correlationId, final long sessionId,
        final int code, final String message)
    {
        MessageHeader.write(buffer, offset, MessageType.ERROR, 0, correlationId, sessionId);
        buffer.putInt(offset + CODE_OFFSET, code, MessageHeader.ORDER);
        buffer.putInt(offset + CODE_OFFSET + 4, 0, MessageHeader.ORDER);
        final String text = message.length() > 1000 ? message.substring(0, 1000) : message;
        final int length = MESSAGE_OFFSET + WireText.put(buffer, offset + MESSAGE_OFFSET, text);
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
        return length >= MESSAGE_OFFSET && WireText.skip(buffer, offset + MESSAGE_OFFSET, offset + length) ==
            offset + length ? WireError.NONE : WireError.MALFORMED;
    }

    public int code()
    {
        return buffer.getInt(offset + CODE_OFFSET, MessageHeader.ORDER);
    }

    public String message()
    {
        return WireText.get(buffer, offset + MESSAGE_OFFSET);
    }
}
