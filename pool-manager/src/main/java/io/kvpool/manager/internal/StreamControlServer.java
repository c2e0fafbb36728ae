package io.kvpool.manager.internal;

import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.wire.ErrorFlyweight;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.WireError;
import org.agrona.ExpandableArrayBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The control protocol over stream sockets, beside Aeron: a Unix-domain socket on the manager's host (for clients
 * without Aeron, such as the Python client) and, when asked, a TCP endpoint for other hosts of the fabric. Same
 * messages, sessions, credentials, errors and retry rules as over Aeron (wire-protocol.md); a message's own
 * {@code frameLength} delimits it on the stream. Block bytes never cross it.
 * <p>
 * A misbehaving peer costs a bounded amount and nobody else anything: a frame whose {@code frameLength} is under the
 * header or over {@link MessageHeader#MAX_FRAME_LENGTH} is answered with an ERROR and the connection closed (the
 * stream cannot be resynchronized); a frame the dispatcher refuses is answered and the connection kept; a peer that
 * opens no session within {@link #HANDSHAKE_TIMEOUT_NS}, or stops reading its answers, is disconnected; beyond
 * {@code maxConnections} new connections are closed at once. Every refusal is counted.
 * <p>
 * Polled from the manager's duty cycle: not thread-safe, never blocks.
 */
public final class StreamControlServer implements AutoCloseable
{
    /** How long a connection may stay without a session. */
    static final long HANDSHAKE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int FRAMES_PER_POLL = 64;

    private final RequestDispatcher dispatcher;
    private final SessionRegistry sessions;
    private final ManagerMetrics metrics;
    private final int maxConnections;
    private final Selector selector;
    private final ServerSocketChannel unix;
    private final ServerSocketChannel tcp;
    private final Path socketPath;
    private final List<StreamConnection> connections = new ArrayList<>();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(256);

    private StreamControlServer(
        final RequestDispatcher dispatcher, final SessionRegistry sessions, final ManagerMetrics metrics,
        final int maxConnections, final Selector selector, final ServerSocketChannel unix,
        final ServerSocketChannel tcp, final Path socketPath)
    {
        this.dispatcher = dispatcher;
        this.sessions = sessions;
        this.metrics = metrics;
        this.maxConnections = maxConnections;
        this.selector = selector;
        this.unix = unix;
        this.tcp = tcp;
        this.socketPath = socketPath;
    }

    /**
     * @param socketPath     the Unix-domain socket's path, or {@code null} for none.
     * @param group          the engine group that may connect besides the service's user, or {@code null}.
     * @param tcpEndpoint    host:port of a TCP endpoint, or {@code null} for none.
     * @param maxConnections connections at once.
     * @return the server, listening.
     * @throws PoolException {@link ErrorCode#SERVICE_START_FAILED} when a socket cannot be bound.
     */
    public static StreamControlServer open(
        final RequestDispatcher dispatcher, final SessionRegistry sessions, final ManagerMetrics metrics,
        final Path socketPath, final String group, final String tcpEndpoint, final int maxConnections)
    {
        Selector selector = null;
        ServerSocketChannel unix = null;
        ServerSocketChannel tcp = null;
        try
        {
            selector = Selector.open();
            if (socketPath != null)
            {
                // A socket file left by a manager that was killed: nobody can be listening on it (the region's lock
                // says this is the only manager), so it goes.
                Files.deleteIfExists(socketPath);
                unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                unix.bind(UnixDomainSocketAddress.of(socketPath));
                FileModes.restrict(socketPath, group);
                unix.configureBlocking(false);
                unix.register(selector, SelectionKey.OP_ACCEPT);
            }
            if (tcpEndpoint != null)
            {
                final int colon = tcpEndpoint.lastIndexOf(':');
                tcp = ServerSocketChannel.open();
                tcp.bind(new InetSocketAddress(tcpEndpoint.substring(0, colon),
                    Integer.parseInt(tcpEndpoint.substring(colon + 1))));
                tcp.configureBlocking(false);
                tcp.register(selector, SelectionKey.OP_ACCEPT);
            }
            return new StreamControlServer(dispatcher, sessions, metrics, maxConnections, selector, unix, tcp,
                socketPath);
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(unix);
            closeQuietly(tcp);
            closeQuietly(selector);
            throw new PoolException(ErrorCode.SERVICE_START_FAILED, "cannot listen for control connections " +
                (socketPath != null ? "on " + socketPath + " " : "") + (tcpEndpoint != null ? "at " + tcpEndpoint :
                "") + ": " + ex.getMessage() + " (is the path or port in use? is its directory writable?)", ex);
        }
    }

    /**
     * @return the Unix-domain socket's path, or {@code null}.
     */
    public Path socketPath()
    {
        return socketPath;
    }

    /**
     * @return the TCP endpoint as bound (the port chosen where 0 was asked), or {@code null}.
     */
    public String tcpEndpoint()
    {
        try
        {
            return tcp == null ? null : ((InetSocketAddress)tcp.getLocalAddress()).getHostString() + ":" +
                ((InetSocketAddress)tcp.getLocalAddress()).getPort();
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /**
     * Accepts, reads and dispatches whole frames, sends queued answers, and drops connections that misbehaved,
     * closed, or never opened a session.
     *
     * @param nowNs the manager's clock.
     * @return work done.
     */
    public int poll(final long nowNs)
    {
        int work = 0;
        try
        {
            if (selector.selectNow() > 0)
            {
                for (final SelectionKey key : selector.selectedKeys())
                {
                    if (!key.isValid())
                    {
                        continue;
                    }
                    if (key.isAcceptable())
                    {
                        work += accept((ServerSocketChannel)key.channel(), nowNs);
                    }
                    else if (key.isReadable())
                    {
                        work += read((StreamConnection)key.attachment());
                    }
                }
                selector.selectedKeys().clear();
            }
        }
        catch (final IOException ex)
        {
            // The selector itself failed: nothing is lost but this cycle; the next one selects again.
            metrics.rejected(WireError.INTERNAL);
        }
        for (int i = connections.size() - 1; i >= 0; i--)
        {
            final StreamConnection connection = connections.get(i);
            work += dispatch(connection);
            work += connection.flush();
            final boolean stale = !connection.hadSession() && nowNs - connection.openedAtNs() > HANDSHAKE_TIMEOUT_NS;
            if (!connection.isConnected() || stale)
            {
                drop(i);
                work++;
            }
        }
        return work;
    }

    private int accept(final ServerSocketChannel server, final long nowNs) throws IOException
    {
        final SocketChannel channel = server.accept();
        if (channel == null)
        {
            return 0;
        }
        if (connections.size() >= maxConnections)
        {
            metrics.rejected(WireError.LIMIT_REACHED);
            channel.close();
            return 1;
        }
        channel.configureBlocking(false);
        final String peer = server == unix ? "ipc" :
            ((InetSocketAddress)channel.getRemoteAddress()).getAddress().getHostAddress();
        final StreamConnection connection = new StreamConnection(channel, peer, nowNs);
        channel.register(selector, SelectionKey.OP_READ, connection);
        connections.add(connection);
        return 1;
    }

    private int read(final StreamConnection connection)
    {
        try
        {
            if (connection.channel().read(connection.in()) < 0)
            {
                connection.fail();
                return 1;
            }
        }
        catch (final IOException ex)
        {
            connection.fail();
            return 1;
        }
        return Math.max(1, dispatch(connection));
    }

    /**
     * Handles up to {@link #FRAMES_PER_POLL} whole frames of the connection's receive buffer; those left (a
     * pipelining peer's) go on the next poll, which calls this for every connection, bytes arriving or not.
     */
    private int dispatch(final StreamConnection connection)
    {
        final ByteBuffer in = connection.in();
        int frames = 0;
        while (frames < FRAMES_PER_POLL && in.position() >= MessageHeader.LENGTH && connection.isConnected())
        {
            final int frameLength = in.getInt(MessageHeader.FRAME_LENGTH_OFFSET);
            if (frameLength < MessageHeader.LENGTH || frameLength > MessageHeader.MAX_FRAME_LENGTH)
            {
                // The stream cannot be resynchronized past a frame of unknown length: answer, then hang up.
                final int code = frameLength < MessageHeader.LENGTH ? WireError.TRUNCATED : WireError.OVERSIZED;
                metrics.rejected(code);
                connection.send(scratch, 0, ErrorFlyweight.encode(scratch, 0,
                    in.getLong(MessageHeader.CORRELATION_ID_OFFSET), 0, code, "frameLength=" + frameLength +
                    " must be " + MessageHeader.LENGTH + ".." + MessageHeader.MAX_FRAME_LENGTH +
                    "; closing the connection"));
                connection.fail();
                break;
            }
            if (in.position() < frameLength)
            {
                break;
            }
            dispatcher.onMessage(connection.frame(), 0, frameLength, connection);
            in.flip().position(frameLength);
            in.compact();
            frames++;
        }
        return frames;
    }

    private void drop(final int index)
    {
        final StreamConnection connection = connections.remove(index);
        connection.flush();
        sessions.closeAllOn(connection);
        connection.closeSocket();
    }

    @Override
    public void close()
    {
        for (int i = connections.size() - 1; i >= 0; i--)
        {
            drop(i);
        }
        closeQuietly(unix);
        closeQuietly(tcp);
        closeQuietly(selector);
        if (socketPath != null)
        {
            try
            {
                Files.deleteIfExists(socketPath);
            }
            catch (final IOException ex)
            {
                // A socket file that cannot be removed is replaced by the next manager's bind.
            }
        }
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        if (closeable != null)
        {
            try
            {
                closeable.close();
            }
            catch (final Exception ex)
            {
                // Releasing at shutdown or after a failed start: nothing more can be done with it.
            }
        }
    }
}
