package io.kvpool.manager.internal;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;

/**
 * A session's responses over an Aeron exclusive publication to the channel and stream the client named. A message
 * that cannot be offered now (not yet connected, back pressure) is copied into a bounded queue and retried from the
 * duty cycle; the agent never waits on a slow client. An offer that meets the end of a term (Aeron answers
 * ADMIN_ACTION: the term was rotated, retry) is made again at once: queued, the answer waited for the next flush,
 * and a client waiting on it with it. Not thread-safe: the manager's thread.
 */
public final class AeronResponseChannel implements ResponseChannel
{
    /** Messages queued for a slow or not-yet-connected client before it is considered lost. */
    static final int MAX_PENDING = 256;

    private final ExclusivePublication publication;
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[0]);
    private boolean overflowed;

    private AeronResponseChannel(final ExclusivePublication publication)
    {
        this.publication = publication;
    }

    /**
     * @return a factory opening publications on the given Aeron client.
     */
    public static ResponseChannel.Factory factory(final Aeron aeron)
    {
        // The channel is the manager's own (ResponseChannels.managerChannel), parameters and all.
        return (channel, streamId) -> new AeronResponseChannel(aeron.addExclusivePublication(channel, streamId));
    }

    @Override
    public void send(final DirectBuffer buffer, final int offset, final int length)
    {
        if (pending.isEmpty() && offer(buffer, offset, length) > 0)
        {
            return;
        }
        if (pending.size() >= MAX_PENDING)
        {
            overflowed = true;
            return;
        }
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        pending.addLast(copy);
    }

    @Override
    public int flush()
    {
        int sent = 0;
        while (!pending.isEmpty())
        {
            final byte[] message = pending.peekFirst();
            scratch.wrap(message);
            final long result = offer(scratch, 0, message.length);
            if (result < 0)
            {
                if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
                {
                    pending.clear();
                }
                break;
            }
            pending.removeFirst();
            sent++;
        }
        return sent;
    }

    /**
     * @return Aeron's answer to the offer, made a second time when the first rotated the term.
     */
    private long offer(final DirectBuffer buffer, final int offset, final int length)
    {
        final long result = publication.offer(buffer, offset, length);
        return result == Publication.ADMIN_ACTION ? publication.offer(buffer, offset, length) : result;
    }

    @Override
    public int pending()
    {
        return pending.size();
    }

    /**
     * @return bytes the publication may take before back pressure: 0 until the driver has set its first limit, which
     *     it may do a little after the publication connects.
     */
    long availableWindow()
    {
        return publication.availableWindow();
    }

    @Override
    public boolean isConnected()
    {
        return publication.isConnected() && !overflowed;
    }

    @Override
    public void close()
    {
        pending.clear();
        publication.close();
    }
}
