package io.kvpool.manager.internal;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * A response channel that keeps what the dispatcher sends, for tests of the dispatcher without Aeron. While
 * {@link #pushingBack}, it queues what is sent (as a publication under back pressure) until a {@link #flush} after.
 */
final class RecordingChannel implements ResponseChannel
{
    final String channel;
    final int streamId;
    final List<UnsafeBuffer> messages = new ArrayList<>();
    final List<UnsafeBuffer> queued = new ArrayList<>();
    boolean closed;
    boolean pushingBack;
    int flushes;

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
        (pushingBack || !queued.isEmpty() ? queued : messages).add(new UnsafeBuffer(copy));
    }

    @Override
    public int flush()
    {
        flushes++;
        if (pushingBack || closed)
        {
            return 0;
        }
        final int sent = queued.size();
        messages.addAll(queued);
        queued.clear();
        return sent;
    }

    @Override
    public int pending()
    {
        return queued.size();
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
        queued.clear();
    }

    UnsafeBuffer last()
    {
        return messages.getLast();
    }
}
