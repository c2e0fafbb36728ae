package io.kvpool.manager.internal;

import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The bytes of remote puts over TCP, beside the Aeron data path (transports.md, "Puts over TCP"): a listener on
 * a data lane's port number whose thread accepts connections and reads each one's DATA_OPEN, and, once that names a
 * live session, a thread per connection that reads each DATA_WRITE's bytes from the socket straight into the
 * reserved block, under the same write protocol and checks as the data agent's
 * ({@link DataAgent#beginRemoteWrite}). On a 2-core host a put's bytes so cross the loopback in one kernel copy
 * and one thread each side, where over Aeron they pass a publication, the driver's sender and receiver and an
 * image, with their threads polling for the same two cores.
 * <p>
 * A misbehaving peer costs a bounded amount. Until its DATA_OPEN names a live session a connection has no thread,
 * only a 1 KiB buffer on the acceptor's selector; anything but a DATA_OPEN of at most 1 KiB drops it, and so does
 * the stall timeout ({@link #STALL_TIMEOUT_NS} for the manager) passing first. A served connection that sends
 * anything but the protocol's frames is closed by its thread; one that sends nothing for the stall timeout inside a
 * frame (or does not read its answer), or whose session the control plane closed, is closed by the acceptor, which
 * looks every {@link #SWEEP_MS} ms (the connection's thread, blocked in a read, then ends and withdraws the intent
 * of the block it was writing). Beyond {@code maxConnections}, handshaking or served, new connections are closed at
 * once.
 * <p>
 * Thread-safe: {@link #close} from any thread stops the acceptor and every connection's thread before returning, so
 * that the region can be unmapped after it.
 */
public final class StreamDataServer implements AutoCloseable
{
    /** How long a connection may stay without a session, or stall inside a frame (the manager's setting). */
    public static final long STALL_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    /** How often the acceptor looks for stalled connections. */
    private static final int SWEEP_MS = 100;
    private static final System.Logger LOG = System.getLogger("io.kvpool.manager.data");
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    /** The largest DATA_OPEN taken here (its channel text is not used on TCP). */
    private static final int MAX_OPEN_FRAME = 1024;

    private final ServerSocketChannel server;
    /** The listener's and the handshaking connections' readiness: the acceptor thread's only. */
    private final Selector selector;
    private final MemorySegment region;
    private final RegionGeometry geometry;
    private final Map<Long, Integer> liveSessions;
    private final int maxConnections;
    private final long stallTimeoutNs;
    private final List<StreamDataConnection> connections = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    /** Connections accepted whose DATA_OPEN has not all come yet: the acceptor thread's only. */
    private final List<Handshake> handshakes = new ArrayList<>();
    private int serial;
    private volatile boolean closed;

    private StreamDataServer(
        final ServerSocketChannel server, final Selector selector, final MemorySegment region,
        final RegionGeometry geometry, final Map<Long, Integer> liveSessions, final int maxConnections,
        final long stallTimeoutNs, final String name)
    {
        this.stallTimeoutNs = stallTimeoutNs;
        this.server = server;
        this.selector = selector;
        this.region = region;
        this.geometry = geometry;
        this.liveSessions = liveSessions;
        this.maxConnections = maxConnections;
        this.acceptor = Thread.ofPlatform().name(name).daemon().unstarted(this::acceptLoop);
    }

    /**
     * Listens at {@code host:port} (TCP) and starts accepting.
     *
     * @param liveSessions   the sessions the control agent has open, by id, with their namespace ids.
     * @param maxConnections connections at once.
     * @param stallTimeoutNs how long a connection may stay without a session or stall inside a frame
     *                       ({@link #STALL_TIMEOUT_NS} for the manager).
     * @param name           the acceptor thread's name; connections' threads add their number.
     * @throws IOException when the port cannot be bound.
     */
    public static StreamDataServer open(
        final String host, final int port, final MemorySegment region, final RegionGeometry geometry,
        final Map<Long, Integer> liveSessions, final int maxConnections, final long stallTimeoutNs,
        final String name) throws IOException
    {
        final ServerSocketChannel server = ServerSocketChannel.open();
        Selector selector = null;
        try
        {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES); // accepted sockets inherit it
            server.bind(new InetSocketAddress(host, port));
            server.configureBlocking(false);
            selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
            final StreamDataServer data = new StreamDataServer(server, selector, region, geometry, liveSessions,
                maxConnections, stallTimeoutNs, name);
            data.acceptor.start();
            return data;
        }
        catch (final IOException | RuntimeException ex)
        {
            server.close();
            if (selector != null)
            {
                selector.close();
            }
            throw ex;
        }
    }

    /**
     * @return the TCP port listened on.
     */
    public int port()
    {
        return server.socket().getLocalPort();
    }

    /**
     * @return connections open now.
     */
    public int connections()
    {
        return connections.size();
    }

    private void acceptLoop()
    {
        final List<Handshake> opened = new ArrayList<>();
        while (!closed)
        {
            try
            {
                selector.select(SWEEP_MS);
                for (final SelectionKey key : selector.selectedKeys())
                {
                    if (key.isValid() && key.isAcceptable())
                    {
                        acceptAll();
                    }
                    else if (key.isValid() && key.isReadable() && readOpen((Handshake)key.attachment()))
                    {
                        opened.add((Handshake)key.attachment());
                    }
                }
                selector.selectedKeys().clear();
                if (!opened.isEmpty())
                {
                    serveOpened(opened);
                    opened.clear();
                }
            }
            catch (final IOException ex)
            {
                if (!closed)
                {
                    LOG.log(System.Logger.Level.WARNING, "TCP data listener: " + ex);
                }
            }
            sweep(System.nanoTime());
        }
    }

    /**
     * Accepts every pending connection, up to the limit (beyond it, closed at once), each to read its DATA_OPEN
     * here, without a thread of its own.
     */
    private void acceptAll() throws IOException
    {
        SocketChannel channel;
        while (!closed && (channel = server.accept()) != null)
        {
            if (connections.size() + handshakes.size() >= maxConnections)
            {
                channel.close();
                continue;
            }
            try
            {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                final Handshake handshake = new Handshake(channel, System.nanoTime());
                channel.register(selector, SelectionKey.OP_READ, handshake);
                handshakes.add(handshake);
            }
            catch (final IOException ex)
            {
                channel.close();
            }
        }
    }

    /**
     * Reads what has come of a connection's DATA_OPEN; one that is not a DATA_OPEN of at most
     * {@link #MAX_OPEN_FRAME} bytes naming a live session, or that has bytes after it, is dropped.
     *
     * @return whether the DATA_OPEN is whole and good: the connection may be served.
     */
    private boolean readOpen(final Handshake handshake)
    {
        final ByteBuffer in = handshake.in;
        try
        {
            if (handshake.channel.read(in) < 0)
            {
                drop(handshake);
                return false;
            }
        }
        catch (final IOException ex)
        {
            drop(handshake);
            return false;
        }
        if (in.position() < MessageHeader.LENGTH)
        {
            return false;
        }
        final UnsafeBuffer frame = new UnsafeBuffer(in);
        final int frameLength = MessageHeader.frameLength(frame, 0);
        if (MessageHeader.version(frame, 0) != MessageHeader.PROTOCOL_VERSION ||
            MessageHeader.templateId(frame, 0) != MessageType.DATA_OPEN || frameLength < MessageHeader.LENGTH ||
            frameLength > MAX_OPEN_FRAME || in.position() > frameLength)
        {
            drop(handshake);
            return false;
        }
        if (in.position() < frameLength)
        {
            return false;
        }
        final Integer namespaceId = liveSessions.get(MessageHeader.sessionId(frame, 0));
        if (namespaceId == null)
        {
            drop(handshake);
            return false;
        }
        handshake.sessionId = MessageHeader.sessionId(frame, 0);
        handshake.namespaceId = namespaceId;
        handshake.correlationId = MessageHeader.correlationId(frame, 0);
        return true;
    }

    /**
     * Gives each connection whose DATA_OPEN was good a thread of its own, with blocking reads.
     */
    private void serveOpened(final List<Handshake> opened) throws IOException
    {
        for (final Handshake handshake : opened)
        {
            handshake.channel.keyFor(selector).cancel();
        }
        selector.selectNow(); // deregisters the cancelled keys: only then may their channels block
        selector.selectedKeys().clear(); // (any ready now are selected again by the next select)
        for (final Handshake handshake : opened)
        {
            handshakes.remove(handshake);
            try
            {
                handshake.channel.configureBlocking(true);
            }
            catch (final IOException ex)
            {
                drop(handshake);
                continue;
            }
            final StreamDataConnection connection = new StreamDataConnection(handshake.channel, region, geometry,
                liveSessions, handshake.sessionId, handshake.namespaceId);
            connections.add(connection);
            connection.start(Thread.ofPlatform().name(acceptor.getName() + "-" + ++serial).daemon(),
                handshake.correlationId, () -> connections.remove(connection));
        }
    }

    private void drop(final Handshake handshake)
    {
        handshakes.remove(handshake);
        try
        {
            handshake.channel.close();
        }
        catch (final IOException ex)
        {
            // Closing a connection whose peer is gone: nothing left to release.
        }
    }

    /**
     * Drops the connections that opened no session in time, and closes those that stalled or whose session was
     * closed.
     */
    private void sweep(final long nowNs)
    {
        for (int i = handshakes.size() - 1; i >= 0; i--)
        {
            if (nowNs - handshakes.get(i).acceptedAtNs > stallTimeoutNs)
            {
                drop(handshakes.get(i));
            }
        }
        for (final StreamDataConnection connection : connections)
        {
            if (connection.stalled(nowNs, stallTimeoutNs))
            {
                connection.close();
            }
        }
    }

    /** A connection accepted and not yet served: its DATA_OPEN as far as it has come. Acceptor thread only. */
    private static final class Handshake
    {
        final SocketChannel channel;
        final long acceptedAtNs;
        final ByteBuffer in = ByteBuffer.allocate(MAX_OPEN_FRAME + 1).order(ByteOrder.LITTLE_ENDIAN);
        long sessionId;
        int namespaceId;
        long correlationId;

        Handshake(final SocketChannel channel, final long acceptedAtNs)
        {
            this.channel = channel;
            this.acceptedAtNs = acceptedAtNs;
        }
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        selector.wakeup();
        join(acceptor);
        try
        {
            server.close();
            selector.close();
        }
        catch (final IOException ex)
        {
            // Releasing at shutdown: nothing more can be done with it.
        }
        new ArrayList<>(handshakes).forEach(this::drop);
        final List<StreamDataConnection> open = new ArrayList<>(connections);
        open.forEach(StreamDataConnection::close);
        open.forEach(connection -> join(connection.thread()));
    }

    private static void join(final Thread thread)
    {
        if (thread == null)
        {
            return;
        }
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
