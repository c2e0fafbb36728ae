package io.kvpool.manager.internal;

import io.kvpool.protocol.wire.MessageHeader;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * One client connection of the {@link StreamControlServer}: reads whole frames (a message's own
 * {@code frameLength} delimits it) into a buffer of one frame's size, and is the {@link ResponseChannel} of the
 * sessions it opens, queueing answers while the peer is slow to read. Memory per connection is bounded: one frame
 * in, at most {@link #MAX_PENDING_BYTES} out; a peer that lets more pile up is disconnected. Not thread-safe: the
 * manager's thread.
 */
final class StreamConnection implements ResponseChannel
{
    /** Answers queued for a peer that does not read, before it is disconnected. */
    static final int MAX_PENDING_BYTES = 4 << 20;

    private final SocketChannel channel;
    private final String peer;
    private final long openedAtNs;
    private final ByteBuffer in = ByteBuffer.allocateDirect(MessageHeader.MAX_FRAME_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private final UnsafeBuffer frame = new UnsafeBuffer(in);
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private int pendingBytes;
    private boolean open = true;
    private boolean hadSession;

    StreamConnection(final SocketChannel channel, final String peer, final long openedAtNs)
    {
        this.channel = channel;
        this.peer = peer;
        this.openedAtNs = openedAtNs;
    }

    /**
     * @return the peer for per-host limits: "ipc" for a Unix-domain connection, the remote host for TCP.
     */
    String peer()
    {
        return peer;
    }

    long openedAtNs()
    {
        return openedAtNs;
    }

    SocketChannel channel()
    {
        return channel;
    }

    boolean hadSession()
    {
        return hadSession;
    }

    void sessionOpened()
    {
        hadSession = true;
    }

    /**
     * @return the receive buffer: bytes go in at its position.
     */
    ByteBuffer in()
    {
        return in;
    }

    /**
     * @return a view of the receive buffer's bytes, from 0.
     */
    DirectBuffer frame()
    {
        return frame;
    }

    @Override
    public void send(final DirectBuffer buffer, final int offset, final int length)
    {
        if (!open)
        {
            return;
        }
        if (pendingBytes + length > MAX_PENDING_BYTES)
        {
            // A peer that does not read its answers is dropped rather than buffered without bound.
            open = false;
            return;
        }
        final ByteBuffer copy = ByteBuffer.allocate(length);
        buffer.getBytes(offset, copy, 0, length);
        out.addLast(copy);
        pendingBytes += length;
        flush();
    }

    @Override
    public int flush()
    {
        int sent = 0;
        try
        {
            while (open && !out.isEmpty())
            {
                final ByteBuffer head = out.peekFirst();
                final int before = head.remaining();
                channel.write(head);
                pendingBytes -= before - head.remaining();
                if (head.hasRemaining())
                {
                    break;
                }
                out.removeFirst();
                sent++;
            }
        }
        catch (final IOException ex)
        {
            open = false;
        }
        return sent;
    }

    @Override
    public int pending()
    {
        return out.size();
    }

    @Override
    public boolean isConnected()
    {
        return open && channel.isOpen();
    }

    /**
     * Marks the connection for closing (its server closes the socket and its sessions on its next poll).
     */
    void fail()
    {
        open = false;
    }

    /**
     * A session closing does not close the connection: the server does, when the peer goes or misbehaves.
     */
    @Override
    public void close()
    {
    }

    void closeSocket()
    {
        open = false;
        out.clear();
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            // Closing a socket whose peer is gone: nothing left to release.
        }
    }
}
