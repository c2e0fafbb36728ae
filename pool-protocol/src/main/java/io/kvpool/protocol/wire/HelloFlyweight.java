package io.kvpool.protocol.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * HELLO: opens a session. Body after the header:
 * <pre>
 *   u32  responseStreamId   stream on which the manager answers
 *   u32  credentialKind     1: a {@link TokenProof} (the only kind accepted; 0, a token in clear, is refused)
 *   text namespace          "" for an admin session (CREATE_NAMESPACE, STATS of every namespace)
 *   text credential         {@link TokenProof#LENGTH} bytes proving the namespace's (or the admin) token; empty
 *                           for none
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
    /** {@link #credentialKind()} of a {@link TokenProof}. */
    public static final int CREDENTIAL_PROOF = 1;

    private DirectBuffer buffer;
    private int offset;
    private int tokenOffset;
    private int channelOffset;
    private int clientOffset;

    /**
     * @param token the token, proven by a fresh {@link TokenProof}; it is not written.
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final long correlationId, final int responseStreamId,
        final String namespace, final String token, final String responseChannel, final String clientName)
    {
        return encode(buffer, offset, correlationId, responseStreamId, namespace,
            TokenProof.create(token, namespace, System.currentTimeMillis()), responseChannel, clientName);
    }

    /**
     * @param credential a {@link TokenProof}, or empty for no token.
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final long correlationId, final int responseStreamId,
        final String namespace, final byte[] credential, final String responseChannel, final String clientName)
    {
        MessageHeader.write(buffer, offset, MessageType.HELLO, 0, correlationId, 0);
        buffer.putInt(offset + STREAM_OFFSET, responseStreamId, MessageHeader.ORDER);
        buffer.putInt(offset + STREAM_OFFSET + 4, CREDENTIAL_PROOF, MessageHeader.ORDER);
        int position = offset + FIRST_TEXT_OFFSET;
        position += WireText.put(buffer, position, namespace);
        position += WireText.putBytes(buffer, position, credential);
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

    /**
     * @return the credential's kind: {@link #CREDENTIAL_PROOF}, or another number from a client this manager
     *         refuses.
     */
    public int credentialKind()
    {
        return buffer.getInt(offset + STREAM_OFFSET + 4, MessageHeader.ORDER);
    }

    /**
     * @return the credential's bytes.
     */
    public byte[] credential()
    {
        return WireText.getBytes(buffer, tokenOffset);
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
