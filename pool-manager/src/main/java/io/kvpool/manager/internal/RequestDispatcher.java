package io.kvpool.manager.internal;

import io.kvpool.manager.PoolCore;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.wire.BatchRequestDecoder;
import io.kvpool.protocol.wire.BatchRequestEncoder;
import io.kvpool.protocol.wire.BatchResponseEncoder;
import io.kvpool.protocol.wire.CreateNamespaceFlyweight;
import io.kvpool.protocol.wire.ErrorFlyweight;
import io.kvpool.protocol.wire.HelloFlyweight;
import io.kvpool.protocol.wire.HelloOkEncoder;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.protocol.wire.NamespaceOkEncoder;
import io.kvpool.protocol.wire.OpaqueDecoder;
import io.kvpool.protocol.wire.OpaqueEncoder;
import io.kvpool.protocol.wire.SessionDescriptor;
import io.kvpool.protocol.wire.StatsResponseEncoder;
import io.kvpool.protocol.wire.StatsSnapshot;
import io.kvpool.protocol.wire.TokenProof;
import io.kvpool.protocol.wire.WireError;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * The manager's request state machine: validates each message, authenticates its session, runs it against the
 * {@link PoolCore} and answers. Every malformed, truncated, oversized, out-of-range or unauthorized message is
 * answered with an ERROR where there is a session to answer to (and dropped where there is none), and counted;
 * no input makes an exception escape or changes another session's state.
 * <p>
 * Deterministic and single-threaded: the only inputs are the messages in order and the clock, so the same sequence
 * yields the same responses (what hosting it in Aeron Cluster later needs). Not thread-safe.
 */
public final class RequestDispatcher
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.manager.requests");

    private final PoolCore pool;
    private final SessionRegistry sessions;
    private final ResponseChannel.Factory channels;
    private final ManagerMetrics metrics;
    private final LongSupplier nanoClock;
    private final byte[] adminTokenHash;
    private final String pathHint;
    private final long reservationLeaseNs;
    private final long pinLeaseNs;
    private final BlockBatch batch = new BlockBatch();
    private final HelloFlyweight hello = new HelloFlyweight();
    private final CreateNamespaceFlyweight createNamespace = new CreateNamespaceFlyweight();
    private final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(MessageHeader.MAX_FRAME_LENGTH);
    private long requests;
    private boolean shuttingDown;
    private RdmaAcceptor rdma;
    private SessionLimits limits = SessionLimits.DEFAULTS;
    /** The connection the message being handled came on, or {@code null} (Aeron). */
    private ResponseChannel origin;
    private final CredentialCheck credentials = new CredentialCheck(System::currentTimeMillis);
    private List<Integer> dataLanePorts = List.of();
    private int features = SessionDescriptor.FEATURE_KEYED_READS | SessionDescriptor.FEATURE_GRANTS;

    public RequestDispatcher(
        final PoolCore pool, final SessionRegistry sessions, final ResponseChannel.Factory channels,
        final ManagerMetrics metrics, final LongSupplier nanoClock, final String adminToken, final String pathHint,
        final long reservationLeaseNs, final long pinLeaseNs)
    {
        this.pool = pool;
        this.sessions = sessions;
        this.channels = channels;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
        this.adminTokenHash = adminToken.isEmpty() ? null : sha256(adminToken);
        this.pathHint = pathHint;
        this.reservationLeaseNs = reservationLeaseNs;
        this.pinLeaseNs = pinLeaseNs;
    }

    /**
     * @param ports UDP ports of the manager's further Aeron data lanes, told to every session in HELLO_OK. Set
     *              before the dispatcher serves.
     */
    public void dataLanePorts(final List<Integer> ports)
    {
        this.dataLanePorts = List.copyOf(ports);
    }

    /**
     * @param on whether the manager takes the bytes of remote puts over TCP on its data lanes' port numbers
     *           ({@link SessionDescriptor#FEATURE_TCP_WRITES}, told to every session in HELLO_OK). Set before the
     *           dispatcher serves.
     */
    public void tcpWrites(final boolean on)
    {
        features = on ? features | SessionDescriptor.FEATURE_TCP_WRITES :
            features & ~SessionDescriptor.FEATURE_TCP_WRITES;
    }

    /**
     * @param acceptor the RDMA side of the data path, where this host has an RDMA device.
     */
    public void rdma(final RdmaAcceptor acceptor)
    {
        this.rdma = acceptor;
        sessions.onClose(sessionId ->
        {
            // Queue pair first: once it is torn down the writer can store no more, and only then may the blocks
            // whose intents it held be used again.
            acceptor.disconnect(sessionId);
            pool.releaseWriter(sessionId);
        });
    }

    /**
     * Releases the RDMA side (queue pairs, the region's registration); before the region is unmapped.
     */
    public void closeRdma()
    {
        if (rdma != null)
        {
            rdma.close();
            rdma = null;
        }
    }

    /**
     * Refuses every further request with {@link WireError#SHUTTING_DOWN}.
     */
    public void shutDown()
    {
        shuttingDown = true;
    }

    /**
     * @return requests handled so far.
     */
    public long requests()
    {
        return requests;
    }

    /**
     * Handles one whole (reassembled) message.
     */
    public void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        onMessage(buffer, offset, length, null);
    }

    /**
     * Handles one message that arrived on a stream connection ({@code origin}: a Unix-domain or TCP socket), which is
     * also where its answers go: a HELLO opens a session answering on it (the response channel it names is
     * ignored), and a request names only sessions opened on the same connection.
     *
     * @param origin the connection, or {@code null} for a message from an Aeron subscription.
     */
    public void onMessage(final DirectBuffer buffer, final int offset, final int length, final ResponseChannel origin)
    {
        this.origin = origin;
        try
        {
            dispatch(buffer, offset, length);
        }
        finally
        {
            this.origin = null;
        }
    }

    private void dispatch(final DirectBuffer buffer, final int offset, final int length)
    {
        requests++;
        final long startNs = nanoClock.getAsLong();
        final int headerError = MessageHeader.validate(buffer, offset, length);
        final boolean hasHeader = length >= MessageHeader.LENGTH;
        final long correlationId = hasHeader ? MessageHeader.correlationId(buffer, offset) : 0;
        final long sessionId = hasHeader ? MessageHeader.sessionId(buffer, offset) : 0;
        final SessionRegistry.Session found = hasHeader ? sessions.get(sessionId) : null;
        // A connection speaks only for the sessions it opened; an Aeron message only for Aeron sessions.
        final SessionRegistry.Session session = found != null && (origin == null ? found.streamed :
            found.channel != origin) ? null : found;
        if (headerError != WireError.NONE)
        {
            refuse(session, correlationId, headerError, "message refused: " + WireError.name(headerError));
            return;
        }
        final int templateId = MessageHeader.templateId(buffer, offset);
        try
        {
            if (templateId == MessageType.HELLO)
            {
                onHello(buffer, offset, length, correlationId);
            }
            else if (session == null)
            {
                refuse(null, correlationId, WireError.UNKNOWN_SESSION, "no such session" +
                    (origin != null ? " on this connection" : ""));
            }
            else if (shuttingDown)
            {
                refuse(session, correlationId, WireError.SHUTTING_DOWN, "the manager is shutting down");
            }
            else if (MessageType.isBatchRequest(templateId))
            {
                onBatch(session, buffer, offset, length, templateId, correlationId);
            }
            else
            {
                switch (templateId)
                {
                    case MessageType.CREATE_NAMESPACE -> onCreateNamespace(session, buffer, offset, length,
                        correlationId);
                    case MessageType.STATS -> send(session, StatsResponseEncoder.encode(out, 0, correlationId,
                        session.id, snapshot(session)));
                    case MessageType.GOODBYE -> sessions.close(session.id);
                    case MessageType.RDMA_CONNECT -> onRdmaConnect(session, buffer, offset, length, correlationId);
                    default -> refuse(session, correlationId, WireError.UNKNOWN_TEMPLATE,
                        MessageType.name(templateId) + " is not a control request");
                }
            }
        }
        catch (final PoolException ex)
        {
            refuse(session, correlationId, ex.code(), ex.detail());
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "request " + MessageType.name(templateId) + " failed", ex);
            refuse(session, correlationId, WireError.INTERNAL, String.valueOf(ex));
        }
        metrics.latency(templateId, nanoClock.getAsLong() - startNs);
    }

    /**
     * @return the figures a session may see: every namespace for admin sessions, its own otherwise.
     */
    public StatsSnapshot snapshot(final SessionRegistry.Session session)
    {
        final PoolStats stats = pool.stats();
        final PoolStats visible = session == null || session.admin ? stats : new PoolStats(stats.regionLengthBytes(),
            stats.slabSizeBytes(), stats.slabCount(), stats.freeSlabs(), stats.openReservations(),
            stats.activePins(), stats.indexEntries(), stats.accessTick(), stats.namespaces().stream()
            .filter(ns -> ns.info().id() == session.namespaceId).toList());
        return new StatsSnapshot(pool.recoveryReport().managerEpoch(), sessions.size(), requests,
            metrics.rejectedTotal(), visible);
    }

    private void onHello(final DirectBuffer buffer, final int offset, final int length, final long correlationId)
    {
        if (hello.wrap(buffer, offset, length) != WireError.NONE)
        {
            refuse(null, correlationId, WireError.MALFORMED, "");
            return;
        }
        // Authentication and limits come first, at a fixed small cost: no channel is opened for a HELLO until it is
        // known what it gets, and every parameter of that channel is the manager's (ResponseChannels).
        final String clientChannel = origin != null ? "aeron:ipc" : hello.responseChannel();
        final String peer;
        try
        {
            ResponseChannels.managerChannel(clientChannel, false);
            peer = origin instanceof StreamConnection connection ? connection.peer() :
                ResponseChannels.peer(clientChannel);
        }
        catch (final IllegalArgumentException ex)
        {
            // No place to answer: count it and drop it.
            metrics.rejected(WireError.MALFORMED);
            LOG.log(System.Logger.Level.DEBUG, "HELLO names an unusable response channel: " + ex.getMessage());
            return;
        }
        if (shuttingDown)
        {
            refuseHello(clientChannel, correlationId, WireError.SHUTTING_DOWN, "the manager is shutting down");
            return;
        }
        if (hello.credentialKind() != HelloFlyweight.CREDENTIAL_PROOF)
        {
            refuseHello(clientChannel, correlationId, WireError.NOT_AUTHORIZED, "credential kind " +
                hello.credentialKind() + " is not accepted: this manager takes token proofs, never tokens in clear " +
                "(update the client)");
            return;
        }
        final String namespace = hello.namespace();
        final byte[] credential = hello.credential();
        final NamespaceInfo info;
        if (namespace.isEmpty())
        {
            if (adminTokenHash != null && !credentials.accept(credential, adminTokenHash, ""))
            {
                refuseHello(clientChannel, correlationId, WireError.NOT_AUTHORIZED, "wrong admin token");
                return;
            }
            info = null;
        }
        else
        {
            info = pool.namespaces().stream().filter(ns -> ns.name().equals(namespace)).findFirst().orElse(null);
            final byte[] key = info == null ? null : pool.namespaceTokenHash(info.id());
            if (info == null || key != null && !credentials.accept(credential, key, namespace))
            {
                // One answer for both, so a wrong token learns nothing, not even whether the namespace exists.
                refuseHello(clientChannel, correlationId, WireError.NOT_AUTHORIZED, "unknown namespace or wrong token");
                return;
            }
        }
        if (sessions.size() >= limits.maxSessions())
        {
            refuseHello(clientChannel, correlationId, WireError.LIMIT_REACHED, "the manager serves " +
                limits.maxSessions() + " sessions, its limit (max-sessions): close idle clients or raise it");
            return;
        }
        if (!"ipc".equals(peer) && sessions.sizeOf(peer) >= limits.maxSessionsPerHost())
        {
            refuseHello(clientChannel, correlationId, WireError.LIMIT_REACHED, "host " + peer + " has " +
                limits.maxSessionsPerHost() + " sessions, the limit for one host (max-sessions-per-host)");
            return;
        }
        final ResponseChannel channel;
        try
        {
            channel = origin != null ? origin :
                channels.open(ResponseChannels.managerChannel(clientChannel, true), hello.responseStreamId());
        }
        catch (final RuntimeException ex)
        {
            metrics.rejected(WireError.MALFORMED);
            LOG.log(System.Logger.Level.WARNING, "HELLO from '" + hello.clientName() + "': cannot open its " +
                "response channel: " + ex.getMessage());
            return;
        }
        final SessionRegistry.Session session = info == null ? sessions.open(0, true, hello.clientName(), channel) :
            sessions.open(info.id(), false, hello.clientName(), channel);
        session.peer = peer;
        session.streamed = origin != null;
        if (origin instanceof StreamConnection connection)
        {
            // It has a session now: the handshake timeout no longer applies.
            connection.sessionOpened();
        }
        final SessionDescriptor descriptor = new SessionDescriptor(session.id, session.namespaceId,
            info == null ? 0 : info.blockSizeBytes(), info == null ? 0 : info.blocksPerSlab(),
            pool.recoveryReport().managerEpoch(), pool.regionUuid(), pathHint, pool.geometry(), reservationLeaseNs,
            pinLeaseNs, dataLanePorts, features);
        send(session, HelloOkEncoder.encode(out, 0, correlationId, descriptor));
    }

    /**
     * Answers a refused HELLO on the smallest publication Aeron has, kept only until the answer is out; beyond
     * {@link SessionLimits#maxRefusalsInFlight()} such channels at once, a refusal is counted and not answered (a
     * client times out, as it would against a manager it cannot reach).
     */
    private void refuseHello(final String clientChannel, final long correlationId, final int code, final String why)
    {
        metrics.rejected(code);
        if (origin != null)
        {
            // The connection is already there: answer on it, nothing to open.
            origin.send(out, 0, ErrorFlyweight.encode(out, 0, correlationId, 0, code, why));
            return;
        }
        if (sessions.refusalsInFlight() >= limits.maxRefusalsInFlight())
        {
            return;
        }
        final ResponseChannel channel;
        try
        {
            channel = channels.open(ResponseChannels.managerChannel(clientChannel, false), hello.responseStreamId());
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.DEBUG, "cannot answer a refused HELLO: " + ex.getMessage());
            return;
        }
        channel.send(out, 0, ErrorFlyweight.encode(out, 0, correlationId, 0, code, why));
        sessions.openForRefusal(channel);
    }

    /**
     * @param limits how many sessions and refusals the dispatcher keeps at once.
     */
    public void limits(final SessionLimits limits)
    {
        this.limits = limits;
    }

    private void onBatch(
        final SessionRegistry.Session session, final DirectBuffer buffer, final int offset, final int length,
        final int templateId, final long correlationId)
    {
        final int error = BatchRequestDecoder.validate(buffer, offset, length);
        if (error != WireError.NONE)
        {
            refuse(session, correlationId, error, MessageType.name(templateId) + " refused: " +
                WireError.name(error));
            return;
        }
        if (session.admin)
        {
            refuse(session, correlationId, WireError.NOT_AUTHORIZED,
                "an admin session has no namespace: HELLO with a namespace and its token for block operations");
            return;
        }
        BatchRequestDecoder.decode(buffer, offset, batch);
        final int ns = session.namespaceId;
        final int result = switch (templateId)
        {
            case MessageType.LOOKUP -> pool.lookup(ns, batch);
            case MessageType.CONTAINS -> pool.contains(ns, batch);
            case MessageType.LONGEST_PREFIX -> pool.longestPrefix(ns, batch);
            case MessageType.RESERVE -> reserve(session, buffer, offset, ns);
            case MessageType.PIN -> pool.pin(ns, batch);
            case MessageType.REMOVE -> pool.remove(ns, batch);
            case MessageType.COMMIT -> BatchRequestDecoder.kind(buffer, offset) == BatchRequestEncoder.KEYED ?
                pool.commitKeyed(ns, batch) : pool.commit(ns, batch);
            case MessageType.ABORT -> pool.abort(ns, batch);
            case MessageType.UNPIN -> pool.unpin(ns, batch);
            default -> BatchRequestDecoder.kind(buffer, offset) == BatchRequestEncoder.RENEW_PINS ?
                pool.renewPins(ns, batch) : pool.renewReservations(ns, batch);
        };
        send(session, BatchResponseEncoder.encode(out, 0, correlationId, session.id, result, batch));
    }

    private int reserve(
        final SessionRegistry.Session session, final DirectBuffer buffer, final int offset, final int ns)
    {
        final long writer = session.remoteWriter ? session.id : 0;
        if (BatchRequestDecoder.kind(buffer, offset) == BatchRequestEncoder.GRANT)
        {
            return pool.grant(ns, batch, writer);
        }
        return writer != 0 ? pool.reserve(ns, batch, writer) : pool.reserve(ns, batch);
    }

    private void onCreateNamespace(
        final SessionRegistry.Session session, final DirectBuffer buffer, final int offset, final int length,
        final long correlationId)
    {
        if (createNamespace.wrap(buffer, offset, length) != WireError.NONE)
        {
            refuse(session, correlationId, WireError.MALFORMED, "CREATE_NAMESPACE refused: MALFORMED");
            return;
        }
        if (!session.admin)
        {
            refuse(session, correlationId, WireError.NOT_AUTHORIZED, "only an admin session creates namespaces");
            return;
        }
        final byte[] tokenHash = createNamespace.tokenHash();
        if (tokenHash.length != 0 && tokenHash.length != 32)
        {
            refuse(session, correlationId, WireError.MALFORMED, "CREATE_NAMESPACE refused: a token hash is 32 bytes");
            return;
        }
        final int maxSlabs = createNamespace.maxSlabs() == 0 ? pool.geometry().slabCount() : createNamespace.maxSlabs();
        final NamespaceInfo info = pool.createNamespace(createNamespace.name(), createNamespace.blockSizeBytes(),
            createNamespace.minSlabs(), maxSlabs, tokenHash.length == 0 ? null : tokenHash);
        send(session, NamespaceOkEncoder.encode(out, 0, correlationId, session.id, info));
    }

    private void onRdmaConnect(
        final SessionRegistry.Session session, final DirectBuffer buffer, final int offset, final int length,
        final long correlationId)
    {
        final byte[] endpoint = OpaqueDecoder.decode(buffer, offset, length);
        if (endpoint == null)
        {
            refuse(session, correlationId, WireError.MALFORMED, "RDMA_CONNECT refused: MALFORMED");
        }
        else if (rdma == null)
        {
            refuse(session, correlationId, WireError.UNSUPPORTED, "the manager's host has no RDMA device");
        }
        else if (session.admin)
        {
            refuse(session, correlationId, WireError.NOT_AUTHORIZED, "RDMA needs a namespace session");
        }
        else
        {
            session.remoteWriter = true;
            send(session, OpaqueEncoder.encode(out, 0, MessageType.RDMA_ACCEPT,
                correlationId, session.id, rdma.accept(session.id, endpoint)));
        }
    }

    private void refuse(
        final SessionRegistry.Session session, final long correlationId, final int code, final String message)
    {
        metrics.rejected(code);
        if (session != null)
        {
            send(session, ErrorFlyweight.encode(out, 0, correlationId, session.id, code, message));
        }
        else if (origin != null)
        {
            // A stream peer is answered even without a session: its connection is where it listens.
            origin.send(out, 0, ErrorFlyweight.encode(out, 0, correlationId, 0, code, message));
        }
    }

    private void send(final SessionRegistry.Session session, final int length)
    {
        session.channel.send(out, 0, length);
        sessions.sent(session);
    }

    /**
     * @return SHA-256 of a token's UTF-8 bytes, as stored in the namespace table.
     */
    public static byte[] sha256(final String token)
    {
        return TokenProof.tokenHash(token);
    }

    /**
     * @return namespaces visible to an admin (for logs).
     */
    public List<NamespaceInfo> namespaces()
    {
        return pool.namespaces();
    }
}
