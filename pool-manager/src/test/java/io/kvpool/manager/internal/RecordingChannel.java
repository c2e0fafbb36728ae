package io.kvpool.manager.internal;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * A response channel that keeps what the dispatcher sends, for tests of the dispatcher without Aeron.
 */
final class RecordingChannel implements ResponseChannel
{
    final String channel;
    final int streamId;
    final List<UnsafeBuffer> messages = new ArrayList<>();
    boolean closed;

    RecordingChannel(final String channel, final int streamId)
    {
        this.channel = channel;
        this.streamId = streamId;
    }

    @Override
    public void send(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        messages.add(new UnsafeBuffer(copy));
    }

    @Override
    public int flush()
    {
        return 0;
    }

    @Override
    public int pending()
    {
        return 0;
    }

    @Override
    public boolean isConnected()
    {
        return !closed;
    }

    @Override
    public void close()
    {
        closed = true;
    }

    UnsafeBuffer last()
    {
        return messages.getLast();
    }
}
