package io.kvpool.manager.internal;

import org.agrona.DirectBuffer;

/**
 * Where the manager sends a session's responses: an Aeron publication in the service, a recorder in tests.
 * Implementations never block: a message that cannot go out now is queued and retried by {@link #flush()}.
 * Not thread-safe: the manager's thread.
 */
public interface ResponseChannel extends AutoCloseable
{
    /**
     * Sends (or queues) one message.
     */
    void send(DirectBuffer buffer, int offset, int length);

    /**
     * Retries queued messages.
     *
     * @return number of messages sent by this call.
     */
    int flush();

    /**
     * @return messages still queued.
     */
    int pending();

    /**
     * @return whether the peer's subscription is connected.
     */
    boolean isConnected();

    @Override
    void close();

    /**
     * Opens channels for new sessions.
     */
    interface Factory
    {
        /**
         * @param channel  the manager's channel to where the client asked to be answered
         *                 ({@link ResponseChannels#managerChannel}): every parameter the manager's.
         * @param streamId the stream the client named.
         * @return the channel; never blocks for longer than the media driver takes to add a publication.
         * @throws RuntimeException when the channel is invalid.
         */
        ResponseChannel open(String channel, int streamId);
    }
}
