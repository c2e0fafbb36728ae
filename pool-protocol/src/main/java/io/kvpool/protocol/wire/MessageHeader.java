package io.kvpool.protocol.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The 24-byte header that starts every kvpool control message, little-endian. Specified in
 * {@code docs/spec/wire-protocol.md}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |        templateId (u16)       |     protocolVersion (u16)     |  0
 *  +-------------------------------+-------------------------------+
 *  |                     frameLength (u32)                         |  4
 *  +---------------------------------------------------------------+
 *  |                     correlationId (u64)                       |  8
 *  +---------------------------------------------------------------+
 *  |                     sessionId (u64), 0 before HELLO           | 16
 *  +---------------------------------------------------------------+
 * </pre>
 * Stateless; as thread-safe as the buffer it is given.
 */
public final class MessageHeader
{
    /**
     * Version of this protocol; a peer of another version is answered {@code PROTOCOL_VERSION}. 2: HELLO carries a
     * token proof, CREATE_NAMESPACE a token hash, HELLO_OK the whole geometry.
     */
    public static final int PROTOCOL_VERSION = 2;
    public static final int LENGTH = 24;
    public static final int TEMPLATE_ID_OFFSET = 0;
    public static final int VERSION_OFFSET = 2;
    public static final int FRAME_LENGTH_OFFSET = 4;
    public static final int CORRELATION_ID_OFFSET = 8;
    public static final int SESSION_ID_OFFSET = 16;
    /** Largest message either side sends or accepts: a batch response of 1024 entries fits with room. */
    public static final int MAX_FRAME_LENGTH = 64 * 1024;

    /** Every field of every message is little-endian. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private MessageHeader()
    {
    }

    /**
     * Writes a header.
     *
     * @return {@link #LENGTH}.
     */
    public static int write(
        final MutableDirectBuffer buffer, final int offset, final int templateId, final int frameLength,
        final long correlationId, final long sessionId)
    {
        buffer.putShort(offset + TEMPLATE_ID_OFFSET, (short)templateId, ORDER);
        buffer.putShort(offset + VERSION_OFFSET, (short)PROTOCOL_VERSION, ORDER);
        buffer.putInt(offset + FRAME_LENGTH_OFFSET, frameLength, ORDER);
        buffer.putLong(offset + CORRELATION_ID_OFFSET, correlationId, ORDER);
        buffer.putLong(offset + SESSION_ID_OFFSET, sessionId, ORDER);
        return LENGTH;
    }

    /**
     * Patches the frame length once the body is written.
     */
    public static void frameLength(final MutableDirectBuffer buffer, final int offset, final int frameLength)
    {
        buffer.putInt(offset + FRAME_LENGTH_OFFSET, frameLength, ORDER);
    }

    public static int templateId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + TEMPLATE_ID_OFFSET, ORDER) & 0xFFFF;
    }

    public static int version(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + VERSION_OFFSET, ORDER) & 0xFFFF;
    }

    public static int frameLength(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + FRAME_LENGTH_OFFSET, ORDER);
    }

    public static long correlationId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + CORRELATION_ID_OFFSET, ORDER);
    }

    public static long sessionId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + SESSION_ID_OFFSET, ORDER);
    }

    /**
     * Checks what every message must satisfy before its body is looked at.
     *
     * @param length bytes received.
     * @return {@link WireError#NONE}, or the protocol error code to answer with.
     */
    public static int validate(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < LENGTH)
        {
            return WireError.TRUNCATED;
        }
        if (length > MAX_FRAME_LENGTH)
        {
            return WireError.OVERSIZED;
        }
        if (version(buffer, offset) != PROTOCOL_VERSION)
        {
            return WireError.PROTOCOL_VERSION;
        }
        if (frameLength(buffer, offset) != length)
        {
            return frameLength(buffer, offset) > length ? WireError.TRUNCATED : WireError.MALFORMED;
        }
        if (!MessageType.isKnown(templateId(buffer, offset)))
        {
            return WireError.UNKNOWN_TEMPLATE;
        }
        return WireError.NONE;
    }
}
