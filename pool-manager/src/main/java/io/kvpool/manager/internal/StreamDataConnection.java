package io.kvpool.manager.internal;

import io.kvpool.protocol.BlockProtocol;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.wire.DataDecoder;
import io.kvpool.protocol.wire.DataEncoder;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Map;

/**
 * One TCP connection of a {@link StreamDataServer}, served by a thread of its own with blocking reads once its
 * DATA_OPEN (read by the server) named a live session: its answer, DATA_DONE of 0, is the thread's first act; the
 * connection belongs to that session, and every later frame must name it. A DATA_WRITE carries a whole part of an
 * entry in one frame (its length bounded by a slab, not by {@link MessageHeader#MAX_FRAME_LENGTH}): its bytes are
 * read from the socket straight into the block, between {@link DataAgent#beginRemoteWrite} and
 * {@link BlockProtocol#endWrite}, or read and dropped where the write is refused (the entry's status says why, as
 * the data agent's would). A DATA_WRITE_END is answered with the statuses of the entries since the last. Any other
 * frame (a second DATA_OPEN too), or one that breaks these rules, closes the connection (a stream cannot be
 * resynchronized).
 */
final class StreamDataConnection
{
    private static final int HEADER_BYTES = DataEncoder.WRITE_HEADER_LENGTH;
    private static final int DISCARD_BYTES = 64 * 1024;

    private final SocketChannel channel;
    private final MemorySegment region;
    private final RegionGeometry geometry;
    private final Map<Long, Integer> liveSessions;
    private final ByteBuffer header = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final UnsafeBuffer headerView = new UnsafeBuffer(header);
    private final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(
        DataEncoder.COUNTED_HEADER_LENGTH + Integer.BYTES * TransferBatch.MAX_ENTRIES).order(ByteOrder.LITTLE_ENDIAN));
    private final int[] writeStatus = new int[TransferBatch.MAX_ENTRIES];
    private ByteBuffer discard;
    private int writesSeen;
    private final long sessionId;
    private final int namespaceId;
    /** When the frame being read began (its first bytes), or 0 between frames: for the stall check. */
    private volatile long frameProgressNs;
    private volatile Thread thread;

    StreamDataConnection(
        final SocketChannel channel, final MemorySegment region, final RegionGeometry geometry,
        final Map<Long, Integer> liveSessions, final long sessionId, final int namespaceId)
    {
        this.channel = channel;
        this.region = region;
        this.geometry = geometry;
        this.liveSessions = liveSessions;
        this.sessionId = sessionId;
        this.namespaceId = namespaceId;
        Arrays.fill(writeStatus, Status.OK);
    }

    /**
     * Serves the connection on a thread of {@code builder}'s, first answering its DATA_OPEN; {@code onEnd} runs when
     * it ends.
     */
    void start(final Thread.Builder builder, final long openCorrelationId, final Runnable onEnd)
    {
        thread = builder.unstarted(() ->
        {
            try
            {
                send(DataEncoder.encodeDone(reply, openCorrelationId, sessionId, writeStatus, 0));
                serve();
            }
            catch (final IOException | RuntimeException ex)
            {
                // A peer that went, broke the protocol, or was closed by the sweep: its connection ends here.
            }
            finally
            {
                close();
                onEnd.run();
            }
        });
        thread.start();
    }

    Thread thread()
    {
        return thread;
    }

    /**
     * @return whether the connection should be closed: its session gone, or no byte for {@code timeoutNs} inside a
     *         frame (or an answer the peer does not read).
     */
    boolean stalled(final long nowNs, final long timeoutNs)
    {
        final long progress = frameProgressNs;
        return !liveSessions.containsKey(sessionId) || progress != 0 && nowNs - progress > timeoutNs;
    }

    /** Closes the socket: a read or write blocked on it ends with an exception. */
    void close()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            // Closing a socket whose peer is gone: nothing left to release.
        }
    }

    private void serve() throws IOException
    {
        while (readFully(header.clear().limit(MessageHeader.LENGTH), true))
        {
            final int frameLength = MessageHeader.frameLength(headerView, 0);
            final int template = MessageHeader.templateId(headerView, 0);
            if (MessageHeader.version(headerView, 0) != MessageHeader.PROTOCOL_VERSION ||
                frameLength < MessageHeader.LENGTH || MessageHeader.sessionId(headerView, 0) != sessionId)
            {
                return;
            }
            final long correlationId = MessageHeader.correlationId(headerView, 0);
            switch (template)
            {
                case MessageType.DATA_WRITE ->
                {
                    if (!write(frameLength))
                    {
                        return;
                    }
                }
                case MessageType.DATA_WRITE_END ->
                {
                    if (frameLength != DataEncoder.COUNTED_HEADER_LENGTH)
                    {
                        return;
                    }
                    readFully(header.limit(DataEncoder.COUNTED_HEADER_LENGTH), false);
                    endWrites(correlationId);
                }
                default ->
                {
                    return;
                }
            }
            frameProgressNs = 0;
        }
    }

    private boolean write(final int frameLength) throws IOException
    {
        if (frameLength < HEADER_BYTES)
        {
            return false;
        }
        readFully(header.limit(HEADER_BYTES), false);
        final long blockIndex = DataDecoder.writeBlockIndex(headerView, 0);
        final long generation = DataDecoder.writeGeneration(headerView, 0);
        final long regionOffset = DataDecoder.writeRegionOffset(headerView, 0);
        final int entry = DataDecoder.writeEntry(headerView, 0);
        final int bytes = DataDecoder.writeLength(headerView, 0);
        if (entry < 0 || entry >= writeStatus.length || bytes != frameLength - HEADER_BYTES ||
            bytes > geometry.slabSizeBytes())
        {
            return false;
        }
        writesSeen = Math.max(writesSeen, entry + 1);
        if (writeStatus[entry] == Status.OK)
        {
            writeStatus[entry] = DataAgent.beginRemoteWrite(region, geometry, namespaceId, blockIndex, generation,
                regionOffset, bytes);
        }
        if (writeStatus[entry] != Status.OK)
        {
            skip(bytes);
            return true;
        }
        try
        {
            // Socket -> block, one copy; the intent holds the block until the bytes are in (or the peer is gone).
            readFully(region.asSlice(regionOffset, bytes).asByteBuffer(), false);
        }
        finally
        {
            BlockProtocol.endWrite(region, geometry.blockEntryOffset(blockIndex));
        }
        return true;
    }

    private void endWrites(final long correlationId) throws IOException
    {
        final int count = Math.clamp(DataDecoder.writeEndCount(headerView, 0), 0, writeStatus.length);
        for (int i = writesSeen; i < count; i++)
        {
            writeStatus[i] = Status.TRANSPORT_FAILED;
        }
        send(DataEncoder.encodeDone(reply, correlationId, sessionId, writeStatus, count));
        Arrays.fill(writeStatus, Status.OK);
        writesSeen = 0;
    }

    private void send(final int length) throws IOException
    {
        final ByteBuffer out = reply.byteBuffer().duplicate().clear().limit(length);
        frameProgressNs = System.nanoTime();
        while (out.hasRemaining())
        {
            channel.write(out);
        }
    }

    private void skip(final long bytes) throws IOException
    {
        if (discard == null)
        {
            discard = ByteBuffer.allocateDirect(DISCARD_BYTES);
        }
        long left = bytes;
        while (left > 0)
        {
            readFully(discard.clear().limit((int)Math.min(DISCARD_BYTES, left)), false);
            left -= discard.limit();
        }
    }

    /**
     * Reads until {@code buffer} is full, noting progress for the stall check.
     *
     * @param frameStart whether these are a frame's first bytes: the peer may close the connection cleanly before
     *                   them (false is answered), not after.
     * @throws EOFException when the peer closed the connection inside a frame.
     */
    private boolean readFully(final ByteBuffer buffer, final boolean frameStart) throws IOException
    {
        while (buffer.hasRemaining())
        {
            final int read = channel.read(buffer);
            if (read < 0)
            {
                if (frameStart && buffer.position() == 0)
                {
                    return false;
                }
                throw new EOFException("the peer closed the connection inside a frame");
            }
            frameProgressNs = System.nanoTime();
        }
        return true;
    }
}
