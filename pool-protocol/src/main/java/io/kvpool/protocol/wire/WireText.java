package io.kvpool.protocol.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Variable-length text on the wire: u16 length (little-endian) then that many UTF-8 bytes. Stateless.
 */
final class WireText
{
    /** Longest text a field may carry. */
    static final int MAX_BYTES = 4096;

    private WireText()
    {
    }

    /**
     * @return bytes written (2 + encoded length).
     * @throws IllegalArgumentException when the text is longer than {@link #MAX_BYTES} UTF-8 bytes.
     */
    static int put(final MutableDirectBuffer buffer, final int offset, final String text)
    {
        final byte[] bytes = (text == null ? "" : text).getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_BYTES)
        {
            throw new IllegalArgumentException("text of " + bytes.length + " bytes exceeds " + MAX_BYTES);
        }
        buffer.putShort(offset, (short)bytes.length, MessageHeader.ORDER);
        buffer.putBytes(offset + 2, bytes);
        return 2 + bytes.length;
    }

    /**
     * Writes bytes in a text's frame (u16 length, then the bytes): binary fields such as a credential.
     *
     * @return bytes written.
     */
    static int putBytes(final MutableDirectBuffer buffer, final int offset, final byte[] bytes)
    {
        if (bytes.length > MAX_BYTES)
        {
            throw new IllegalArgumentException("field of " + bytes.length + " bytes exceeds " + MAX_BYTES);
        }
        buffer.putShort(offset, (short)bytes.length, MessageHeader.ORDER);
        buffer.putBytes(offset + 2, bytes);
        return 2 + bytes.length;
    }

    /**
     * Reads bytes framed as a text, already checked by {@link #skip}.
     */
    static byte[] getBytes(final DirectBuffer buffer, final int offset)
    {
        final byte[] bytes = new byte[buffer.getShort(offset, MessageHeader.ORDER) & 0xFFFF];
        buffer.getBytes(offset + 2, bytes);
        return bytes;
    }

    /**
     * @param limit offset one past the last byte the text may use.
     * @return offset just past the text, or -1 when it would run past {@code limit} or is too long.
     */
    static int skip(final DirectBuffer buffer, final int offset, final int limit)
    {
        if (offset + 2 > limit)
        {
            return -1;
        }
        final int length = buffer.getShort(offset, MessageHeader.ORDER) & 0xFFFF;
        if (length > MAX_BYTES || offset + 2 + length > limit)
        {
            return -1;
        }
        return offset + 2 + length;
    }

    /**
     * Reads a text already checked by {@link #skip}.
     */
    static String get(final DirectBuffer buffer, final int offset)
    {
        final int length = buffer.getShort(offset, MessageHeader.ORDER) & 0xFFFF;
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset + 2, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
