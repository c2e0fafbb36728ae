package io.kvpool.manager.internal;

import io.kvpool.protocol.RegionGeometry;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
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
 * The bytes of remote puts over TCP, beside the Aeron data path (wire-protocol.md, "Puts over TCP"): a listener on
 * a data lane's port number, and a thread per connection that reads each DATA_WRITE's bytes from the socket
 * straight into the reserved block, under the same write protocol and checks as the data agent's
 * ({@link DataAgent#beginRemoteWrite}). On a 2-core host a put's bytes so cross the loopback in one kernel copy
 * and one thread each side, where over Aeron they pass a publication, the driver's sender and receiver and an
 * image, with their threads polling for the same two cores.
 * <p>
 * A misbehaving peer costs a bounded amount: a connection that sends anything but the protocol's frames is closed;
 * one that opens no session within the stall timeout ({@link #STALL_TIMEOUT_NS}), sends nothing for that long
 * inside a frame, or whose
 * session the control plane closed, is closed by this server's acceptor thread, which looks every
 * {@link #SWEEP_MS} ms (a connection's thread blocked in a read then ends, releasing the block it was writing);
 * beyond {@code maxConnections} new connections are closed at once.
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

    private final ServerSocketChannel server;
    private final Selector selector;
    private final MemorySegment region;
    private final RegionGeometry geometry;
    private final Map<Long, Integer> liveSessions;
    private final int maxConnections;
    private final long stallTimeoutNs;
    private final List<StreamDataConnection> connections = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
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
        int serial = 0;
        while (!closed)
        {
            try
            {
                selector.select(SWEEP_MS);
                selector.selectedKeys().clear();
                SocketChannel channel;
                while (!closed && (channel = server.accept()) != null)
                {
                    if (connections.size() >= maxConnections)
                    {
                        channel.close();
                        continue;
                    }
                    channel.configureBlocking(true);
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    channel.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
                    final StreamDataConnection connection = new StreamDataConnection(channel, region, geometry,
                        liveSessions, System.nanoTime());
                    connections.add(connection);
                    connection.start(Thread.ofPlatform().name(acceptor.getName() + "-" + ++serial).daemon(),
                        () -> connections.remove(connection));
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
     * Closes the connections that stalled, never opened a session, or whose session was closed.
     */
    private void sweep(final long nowNs)
    {
        for (final StreamDataConnection connection : connections)
        {
            if (connection.stalled(nowNs, stallTimeoutNs))
            {
                connection.close();
            }
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
