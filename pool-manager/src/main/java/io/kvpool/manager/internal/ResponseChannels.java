package io.kvpool.manager.internal;

import io.aeron.ChannelUri;
import io.aeron.CommonContext;

/**
 * The channel the manager answers a client on, built by the manager: a client names only where to answer (IPC on
 * this host, or a UDP endpoint), never how — every parameter of the publication (term length, sparseness, anything
 * else Aeron takes in a URI) is the manager's. A HELLO asking for {@code term-length=256m|sparse=false} gets the
 * same small publication as any other. Stateless and thread-safe.
 */
public final class ResponseChannels
{
    /** Term length of a session's responses: each is at most 64 KiB, Aeron's largest message is a term's eighth. */
    public static final String SESSION_TERM_LENGTH = "1m";
    /** Term length of the publication that carries one refusal to an unauthenticated HELLO: Aeron's smallest. */
    public static final String REFUSAL_TERM_LENGTH = "64k";
    private static final int MAX_CHANNEL_LENGTH = 512;

    private ResponseChannels()
    {
    }

    /**
     * @param clientChannel the channel a HELLO named.
     * @param session       true for an authenticated session's channel, false for the one that carries a refusal.
     * @return the manager's channel to the same place.
     * @throws IllegalArgumentException when the channel names no place the manager answers to: not {@code aeron:ipc}
     *                                  or {@code aeron:udp} with an {@code endpoint=host:port}.
     */
    public static String managerChannel(final String clientChannel, final boolean session)
    {
        if (clientChannel == null || clientChannel.length() > MAX_CHANNEL_LENGTH)
        {
            throw new IllegalArgumentException("response channel missing or longer than " + MAX_CHANNEL_LENGTH);
        }
        final ChannelUri uri;
        try
        {
            uri = ChannelUri.parse(clientChannel);
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("response channel is not an Aeron URI: " + ex.getMessage(), ex);
        }
        if (!uri.prefix().isEmpty())
        {
            throw new IllegalArgumentException("a prefixed channel (" + uri.prefix() + ") is not a place to answer to");
        }
        final String termLength = session ? SESSION_TERM_LENGTH : REFUSAL_TERM_LENGTH;
        if (CommonContext.IPC_MEDIA.equals(uri.media()))
        {
            return "aeron:ipc?term-length=" + termLength + "|sparse=true";
        }
        if (CommonContext.UDP_MEDIA.equals(uri.media()))
        {
            final String endpoint = uri.get(CommonContext.ENDPOINT_PARAM_NAME);
            if (endpoint == null || !endpoint.matches("[A-Za-z0-9.\\-]{1,253}:\\d{1,5}|\\[[0-9A-Fa-f:.]{2,45}]:\\d{1,5}"))
            {
                throw new IllegalArgumentException("a UDP response channel needs endpoint=host:port");
            }
            return "aeron:udp?endpoint=" + endpoint + "|term-length=" + termLength + "|sparse=true";
        }
        throw new IllegalArgumentException("response channel media '" + uri.media() + "': expected ipc or udp");
    }

    /**
     * @param clientChannel a channel a HELLO named (already accepted by {@link #managerChannel}).
     * @return the peer it belongs to for per-peer limits: the UDP endpoint's host, or "ipc" for this host.
     */
    public static String peer(final String clientChannel)
    {
        final ChannelUri uri = ChannelUri.parse(clientChannel);
        if (CommonContext.IPC_MEDIA.equals(uri.media()))
        {
            return "ipc";
        }
        final String endpoint = uri.get(CommonContext.ENDPOINT_PARAM_NAME);
        return endpoint.substring(0, endpoint.lastIndexOf(':'));
    }
}
