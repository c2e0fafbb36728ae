package io.kvpool.client.transport;

import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.protocol.wire.DataDecoder;
import io.kvpool.protocol.wire.DataEncoder;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The bytes of remote puts over TCP, to a manager that takes them so ({@link
 * io.kvpool.protocol.wire.SessionDescriptor#tcpWrites()}; transports.md, "Puts over TCP"): one connection per
 * data lane, to the TCP port of the lane's UDP port number, each opened with the session's DATA_OPEN. A write's
 * entries are dealt out to the lanes as {@link AeronLanesTransport#split} deals chunks; each lane gets one
 * DATA_WRITE frame per part (its header, then the bytes straight from the caller's memory, in one gathering write),
 * then a DATA_WRITE_END, answered with the parts' statuses. Every lane's socket is written as it takes bytes (non
 * blocking, one selector), so all lanes fill at once.
 * <p>
 * A lane that fails mid-write (connection lost, no progress for {@link #TIMEOUT_NS}, an answer that is not the
 * protocol's) fails the entries it carried with TRANSPORT_FAILED and is closed; the next write connects it again,
 * under the session current then (a manager restart changes it). Where a lane cannot connect at all, the write is
 * declined before anything is sent (its transport sends it over Aeron) and TCP is left alone for a while
 * ({@link #write}). Not thread-safe: its transport's lock serializes writes.
 */
final class TcpWrites implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.client.transport");
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final int CONNECT_TIMEOUT_MS = 2_000;
    private static final long BACKOFF_MIN_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long BACKOFF_MAX_NS = TimeUnit.MINUTES.toNanos(1);
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    private static final int DONE_MAX = DataEncoder.COUNTED_HEADER_LENGTH + Integer.BYTES * TransferBatch.MAX_ENTRIES;

    private final TransportContext context;
    private final String host;
    private final int[] ports;
    private final Lane[] lanes;
    private final TransferBatch[] parts;
    private final int[][] partEntry;
    private Selector selector;
    private long correlationId = 1;
    private int nextLane;
    private boolean closed;
    /** How long TCP is left alone after the last failed connect (0: it is not), and until when. */
    private long backoffNs;
    private long retryAtNs;
    private boolean warned;

    /** One lane's connection and the exchange in flight on it. */
    private static final class Lane
    {
        SocketChannel channel;
        long sessionId;
        /** The frames to send: for each part a header and its bytes, then the end; sent from {@link #next}. */
        final ByteBuffer[] out = new ByteBuffer[2 * TransferBatch.MAX_ENTRIES + 1];
        final ByteBuffer headers = ByteBuffer.allocateDirect((TransferBatch.MAX_ENTRIES + 1) *
            DataEncoder.WRITE_HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer in = ByteBuffer.allocateDirect(DONE_MAX).order(ByteOrder.LITTLE_ENDIAN);
        final UnsafeBuffer inView = new UnsafeBuffer(in);
        int next;
        int count;
        long awaited;
        /** The part whose statuses the awaited DATA_DONE brings, or {@code null} (a DATA_OPEN's brings none). */
        TransferBatch part;
        boolean failed;

        boolean sending()
        {
            return next < count;
        }

        boolean awaiting()
        {
            return awaited != 0;
        }
    }

    /**
     * @param context the session's context; the manager's endpoint is lane 0's host and port.
     * @param lanes   the data lanes to use: lane k (from 1) at the port of {@code dataLanePorts[k - 1]}.
     */
    TcpWrites(final TransportContext context, final int lanes)
    {
        this.context = context;
        final String endpoint = context.managerEndpoint();
        final int colon = endpoint.lastIndexOf(':');
        host = endpoint.substring(0, colon);
        ports = new int[lanes];
        ports[0] = Integer.parseInt(endpoint.substring(colon + 1));
        for (int k = 1; k < lanes; k++)
        {
            ports[k] = context.session().dataLanePorts().get(k - 1);
        }
        this.lanes = new Lane[lanes];
        parts = new TransferBatch[lanes];
        partEntry = new int[lanes][TransferBatch.MAX_ENTRIES];
        for (int k = 0; k < lanes; k++)
        {
            this.lanes[k] = new Lane();
            parts[k] = new TransferBatch();
        }
    }

    /**
     * Writes every entry of {@code batch}, each entry's status set (OK, or why not), unless the manager cannot be
     * reached over TCP: then nothing is sent, and for a while (1 s, doubling with each failure to a minute) every
     * write is declined at once, so that the caller sends the bytes over Aeron instead (a firewall that passes the
     * UDP ports and not their TCP twins costs one failed connect a while, not every put).
     *
     * @return false where the caller is to send the batch another way.
     */
    boolean write(final TransferBatch batch)
    {
        if (closed)
        {
            throw new IllegalStateException("the transport is closed");
        }
        if (batch.size() == 0)
        {
            return true;
        }
        if (backoffNs > 0 && System.nanoTime() - retryAtNs < 0)
        {
            return false;
        }
        // One lane gets whole entries, a frame each; several share 60 KiB pieces of them, as Aeron's lanes do.
        AeronLanesTransport.split(batch, parts, partEntry, nextLane);
        nextLane = (nextLane + 1) % lanes.length;
        final long sessionId = context.sessionId().getAsLong();
        for (int k = 0; k < lanes.length; k++)
        {
            if (parts[k].size() > 0 && !connected(k, sessionId))
            {
                return false;
            }
        }
        backoffNs = 0;
        for (int k = 0; k < lanes.length; k++)
        {
            if (parts[k].size() > 0)
            {
                queue(k, sessionId);
            }
        }
        pump();
        for (int k = 0; k < lanes.length; k++)
        {
            if (parts[k].size() > 0 && lanes[k].failed)
            {
                parts[k].statusAll(Status.TRANSPORT_FAILED);
                disconnect(lanes[k]);
            }
        }
        AeronLanesTransport.merge(batch, parts, partEntry);
        return true;
    }

    /**
     * Connects lane {@code k} where it is not (or belongs to an older session).
     *
     * @return false, every lane closed and the next tries put off, where it cannot be.
     */
    private boolean connected(final int k, final long sessionId)
    {
        final Lane lane = lanes[k];
        if (lane.channel != null && lane.sessionId == sessionId)
        {
            return true;
        }
        disconnect(lane);
        try
        {
            connect(lane, ports[k], sessionId);
            return true;
        }
        catch (final IOException ex)
        {
            for (final Lane each : lanes)
            {
                disconnect(each);
            }
            if (!warned)
            {
                warned = true;
                LOG.log(System.Logger.Level.WARNING, "puts over TCP to " + host + ":" + ports[k] + " failed (" + ex +
                    "): they go over Aeron while it does (is that TCP port open?)");
            }
            backoffNs = Math.min(Math.max(2 * backoffNs, BACKOFF_MIN_NS), BACKOFF_MAX_NS);
            retryAtNs = System.nanoTime() + backoffNs;
            return false;
        }
    }

    /**
     * Queues lane {@code k}'s part (connected): a DATA_WRITE header and the bytes per entry, then the DATA_WRITE_END.
     */
    private void queue(final int k, final long sessionId)
    {
        final Lane lane = lanes[k];
        lane.failed = false;
        final TransferBatch part = parts[k];
        final long id = correlationId++;
        lane.headers.clear();
        lane.count = 0;
        lane.next = 0;
        for (int j = 0; j < part.size(); j++)
        {
            final ByteBuffer header = lane.headers.slice(j * DataEncoder.WRITE_HEADER_LENGTH,
                DataEncoder.WRITE_HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            DataEncoder.encodeWriteHeader(new UnsafeBuffer(header), id, sessionId, part.blockIndex(j),
                part.generation(j), part.regionOffset(j), j, part.length(j));
            lane.out[lane.count++] = header;
            lane.out[lane.count++] = part.segment(j).asSlice(0, part.length(j)).asByteBuffer();
        }
        final ByteBuffer end = lane.headers.slice(part.size() * DataEncoder.WRITE_HEADER_LENGTH,
            DataEncoder.COUNTED_HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        DataEncoder.encodeWriteEnd(new UnsafeBuffer(end), id, sessionId, part.size());
        lane.out[lane.count++] = end;
        lane.awaited = id;
        lane.part = part;
        lane.in.clear();
    }

    /**
     * Opens a lane's connection and its session (DATA_OPEN, answered DATA_DONE of 0), blocking up to the timeout.
     */
    private void connect(final Lane lane, final int port, final long sessionId) throws IOException
    {
        if (selector == null)
        {
            selector = Selector.open();
        }
        final SocketChannel channel = SocketChannel.open();
        lane.channel = channel;
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        channel.socket().connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
        channel.configureBlocking(false);
        channel.register(selector, 0, lane);
        lane.sessionId = sessionId;
        final ByteBuffer open = lane.headers.clear();
        final long id = correlationId++;
        final int length = DataEncoder.encodeOpen(new UnsafeBuffer(open), id, sessionId, 0, "tcp");
        lane.out[0] = open.limit(length);
        lane.count = 1;
        lane.next = 0;
        lane.awaited = id;
        lane.part = null;
        lane.in.clear();
        lane.failed = false;
        pump();
        if (lane.failed)
        {
            throw new IOException("the manager did not open the session on TCP port " + port);
        }
    }

    /**
     * Sends every lane's frames and reads every lane's answer, as each socket takes and gives bytes; a lane without
     * progress for the timeout fails.
     */
    private void pump()
    {
        long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (true)
        {
            boolean pending = false;
            boolean progress = false;
            for (final Lane lane : lanes)
            {
                if (lane.failed || lane.channel == null || !lane.sending() && !lane.awaiting())
                {
                    continue;
                }
                try
                {
                    progress |= lane.sending() ? send(lane) : receive(lane);
                }
                catch (final IOException ex)
                {
                    lane.failed = true;
                    continue;
                }
                pending |= !lane.failed && (lane.sending() || lane.awaiting());
            }
            if (!pending)
            {
                return;
            }
            final long nowNs = System.nanoTime();
            if (progress)
            {
                deadlineNs = nowNs + TIMEOUT_NS;
                continue;
            }
            if (nowNs - deadlineNs > 0)
            {
                for (final Lane lane : lanes)
                {
                    lane.failed |= lane.channel != null && (lane.sending() || lane.awaiting());
                }
                return;
            }
            await(deadlineNs - nowNs);
        }
    }

    private boolean send(final Lane lane) throws IOException
    {
        final long written = lane.channel.write(lane.out, lane.next, lane.count - lane.next);
        while (lane.next < lane.count && !lane.out[lane.next].hasRemaining())
        {
            lane.out[lane.next++] = null;
        }
        return written > 0;
    }

    /**
     * Reads the lane's answer: a DATA_DONE for the awaited exchange with a status per entry, which go to the
     * lane's part (a DATA_OPEN's has none). Anything else fails the lane.
     */
    private boolean receive(final Lane lane) throws IOException
    {
        final int read = lane.channel.read(lane.in);
        if (read < 0)
        {
            throw new IOException("the manager closed the connection");
        }
        if (lane.in.position() < MessageHeader.LENGTH)
        {
            return read > 0;
        }
        final int entries = lane.part == null ? 0 : lane.part.size();
        final int frameLength = MessageHeader.frameLength(lane.inView, 0);
        if (frameLength != DataEncoder.COUNTED_HEADER_LENGTH + Integer.BYTES * entries ||
            MessageHeader.templateId(lane.inView, 0) != MessageType.DATA_DONE ||
            MessageHeader.correlationId(lane.inView, 0) != lane.awaited)
        {
            throw new IOException("unexpected answer on the TCP data connection");
        }
        if (lane.in.position() < frameLength)
        {
            return read > 0;
        }
        if (DataDecoder.doneCount(lane.inView, 0, frameLength) != entries)
        {
            throw new IOException("unexpected answer on the TCP data connection");
        }
        for (int j = 0; j < entries; j++)
        {
            lane.part.status(j, DataDecoder.doneStatus(lane.inView, 0, j));
        }
        lane.awaited = 0;
        return true;
    }

    /** Waits until a lane's socket can take or give bytes, at most {@code nanos}. */
    private void await(final long nanos)
    {
        for (final SelectionKey key : selector.keys())
        {
            final Lane lane = (Lane)key.attachment();
            if (key.isValid())
            {
                key.interestOps(lane.failed ? 0 : lane.sending() ? SelectionKey.OP_WRITE :
                    lane.awaiting() ? SelectionKey.OP_READ : 0);
            }
        }
        try
        {
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
            selector.selectedKeys().clear();
        }
        catch (final IOException ex)
        {
            // The selector failed: the loop polls the sockets again, and the deadline still holds.
        }
    }

    private void disconnect(final Lane lane)
    {
        if (lane.channel != null)
        {
            try
            {
                lane.channel.close();
            }
            catch (final IOException ex)
            {
                // Closing a connection whose peer is gone: nothing left to release.
            }
        }
        lane.channel = null;
        lane.sessionId = 0;
        lane.count = 0;
        lane.next = 0;
        lane.awaited = 0;
    }

    @Override
    public void close()
    {
        closed = true;
        for (final Lane lane : lanes)
        {
            disconnect(lane);
        }
        if (selector != null)
        {
            try
            {
                selector.close();
            }
            catch (final IOException ex)
            {
                // Releasing at close: nothing more can be done with it.
            }
        }
    }
}
