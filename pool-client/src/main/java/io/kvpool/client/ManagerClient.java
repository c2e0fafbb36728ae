package io.kvpool.client;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import io.kvpool.client.internal.EmbeddedDrivers;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.AeronTimeouts;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Durations;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.wire.BatchRequestFlyweight;
import io.kvpool.protocol.wire.BatchResponseFlyweight;
import io.kvpool.protocol.wire.CreateNamespaceFlyweight;
import io.kvpool.protocol.wire.ErrorFlyweight;
import io.kvpool.protocol.wire.HelloFlyweight;
import io.kvpool.protocol.wire.HelloOkFlyweight;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.protocol.wire.NamespaceOkFlyweight;
import io.kvpool.protocol.wire.OpaqueFlyweight;
import io.kvpool.protocol.wire.SessionDescriptor;
import io.kvpool.protocol.wire.StatsResponseFlyweight;
import io.kvpool.protocol.wire.StatsSnapshot;
import io.kvpool.protocol.wire.Streams;
import io.kvpool.protocol.wire.WireError;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.IdleStrategy;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * The control-plane connection to a pool manager: opens a session (HELLO) for one namespace and sends batch
 * requests, each answered per key. Reconnects by itself when the manager restarts (a new HELLO, and a new Aeron
 * client if the manager's media driver died with it), and repeats what was in flight where that is safe: lookups,
 * prefix probes, pins, renewals, removals, stats and namespace creation. A reserve, commit, abort or unpin in flight
 * across a restart is not repeated; it fails with {@link ErrorCode#OUTCOME_UNKNOWN} (reservations of a dead
 * manager are reclaimed; look keys up to learn whether a commit landed).
 * <p>
 * Thread-safe: requests are serialized (one in flight at a time).
 */
public final class ManagerClient implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.client");

    private final ManagerClientContext context;
    private final SecureRandom random = new SecureRandom();
    private final ExpandableDirectByteBuffer request = new ExpandableDirectByteBuffer(MessageHeader.MAX_FRAME_LENGTH);
    private final ExpandableArrayBuffer response = new ExpandableArrayBuffer(MessageHeader.MAX_FRAME_LENGTH);
    private final IdleStrategy idle = AeronIdle.BACKOFF.strategy(100_000);
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private final ErrorFlyweight error = new ErrorFlyweight();
    private EmbeddedDrivers.Lease driver;
    private Aeron aeron;
    private ExclusivePublication publication;
    private Subscription subscription;
    private String responseChannel;
    private int responseStreamId;
    private SessionDescriptor session;
    private long nextCorrelationId = 1;
    private long awaitedCorrelationId;
    private int responseLength = -1;
    private long reconnects;
    private boolean closed;

    private ManagerClient(final ManagerClientContext context)
    {
        this.context = context;
    }

    /**
     * Connects and opens a session.
     *
     * @param context configuration; concluded here.
     * @return the client.
     * @throws PoolException {@link ErrorCode#MANAGER_UNREACHABLE} when no manager answers within the connect
     *                       timeout; {@link ErrorCode#REQUEST_REFUSED} when the manager refuses the session (wrong
     *                       token, unknown namespace).
     */
    public static ManagerClient connect(final ManagerClientContext context)
    {
        final ManagerClient client = new ManagerClient(context.conclude());
        try
        {
            client.reconnect(System.nanoTime() + context.connectTimeout().toNanos());
            return client;
        }
        catch (final RuntimeException ex)
        {
            client.close();
            throw ex;
        }
    }

    /**
     * @return the current session: id, namespace, region descriptor.
     */
    public synchronized SessionDescriptor session()
    {
        return session;
    }

    /**
     * @return how many times the client re-established its session since connecting.
     */
    public synchronized long reconnects()
    {
        return reconnects;
    }

    /** Finds keys: per key OK with location, or NOT_FOUND. @return keys found. */
    public int lookup(final BlockBatch batch)
    {
        return batch(MessageType.LOOKUP, 0, batch, true);
    }

    /** Per key whether present (a probe: touches nothing). @return keys present. */
    public int contains(final BlockBatch batch)
    {
        return batch(MessageType.CONTAINS, 0, batch, true);
    }

    /** @return the number of leading keys present (a probe: touches nothing). */
    public int longestPrefix(final BlockBatch batch)
    {
        return batch(MessageType.LONGEST_PREFIX, 0, batch, true);
    }

    /** Reserves blocks to write. @return blocks reserved. */
    public int reserve(final BlockBatch batch)
    {
        return batch(MessageType.RESERVE, 0, batch, false);
    }

    /** Seals reservations with length and checksum. @return blocks sealed. */
    public int commit(final BlockBatch batch)
    {
        return batch(MessageType.COMMIT, 0, batch, false);
    }

    /** Abandons reservations. @return reservations aborted. */
    public int abort(final BlockBatch batch)
    {
        return batch(MessageType.ABORT, 0, batch, false);
    }

    /** Looks up and pins. @return blocks pinned. */
    public int pin(final BlockBatch batch)
    {
        return batch(MessageType.PIN, 0, batch, true);
    }

    /** Releases pins. @return pins released. */
    public int unpin(final BlockBatch batch)
    {
        return batch(MessageType.UNPIN, 0, batch, false);
    }

    /** Extends reservation leases. @return leases renewed. */
    public int renewReservations(final BlockBatch batch)
    {
        return batch(MessageType.RENEW, BatchRequestFlyweight.RENEW_RESERVATIONS, batch, true);
    }

    /** Extends pin leases. @return leases renewed. */
    public int renewPins(final BlockBatch batch)
    {
        return batch(MessageType.RENEW, BatchRequestFlyweight.RENEW_PINS, batch, true);
    }

    /** Removes keys. @return keys removed. */
    public int remove(final BlockBatch batch)
    {
        return batch(MessageType.REMOVE, 0, batch, true);
    }

    /**
     * Creates a namespace (admin sessions only), or finds it with the same layout and token.
     *
     * @param maxSlabs 0 for every slab.
     */
    public synchronized NamespaceInfo createNamespace(
        final String name, final long blockSizeBytes, final int minSlabs, final int maxSlabs, final String token)
    {
        final int length = exchange(() -> CreateNamespaceFlyweight.encode(request, 0, nextCorrelationId,
            session.sessionId(), name, blockSizeBytes, minSlabs, maxSlabs, token), true);
        final NamespaceInfo info = MessageHeader.templateId(response, 0) == MessageType.NAMESPACE_OK ?
            NamespaceOkFlyweight.decode(response, 0, length) : null;
        if (info == null)
        {
            throw malformed();
        }
        return info;
    }

    /**
     * Sends this client's RDMA endpoint and returns the manager's, which has connected a queue pair to it. Not
     * repeated across a restart (the queue pair would be new): fails with OUTCOME_UNKNOWN instead.
     *
     * @param endpoint the encoded endpoint (opaque here; see transport-rdma).
     * @return the manager's encoded endpoint.
     */
    public synchronized byte[] rdmaConnect(final byte[] endpoint)
    {
        final int length = exchange(() -> OpaqueFlyweight.encode(request, 0,
            MessageType.RDMA_CONNECT, nextCorrelationId, session.sessionId(), endpoint), false);
        final byte[] accepted = MessageHeader.templateId(response, 0) == MessageType.RDMA_ACCEPT ?
            OpaqueFlyweight.decode(response, 0, length) : null;
        if (accepted == null)
        {
            throw malformed();
        }
        return accepted;
    }

    /**
     * @return the manager's figures (every namespace for an admin session, this namespace otherwise).
     */
    public synchronized StatsSnapshot stats()
    {
        final int length = exchange(() -> encodeEmpty(MessageType.STATS), true);
        final StatsSnapshot snapshot = MessageHeader.templateId(response, 0) == MessageType.STATS_RESPONSE ?
            StatsResponseFlyweight.decode(response, 0, length) : null;
        if (snapshot == null)
        {
            throw malformed();
        }
        return snapshot;
    }

    private int encodeEmpty(final int templateId)
    {
        return MessageHeader.write(request, 0, templateId, MessageHeader.LENGTH, nextCorrelationId,
            session.sessionId());
    }

    private synchronized int batch(final int templateId, final int kind, final BlockBatch batch, final boolean safe)
    {
        final int length = exchange(() -> BatchRequestFlyweight.encode(request, 0, templateId, kind,
            nextCorrelationId, session.sessionId(), batch), safe);
        final int result = MessageHeader.templateId(response, 0) == MessageType.BATCH_RESPONSE ?
            BatchResponseFlyweight.decodeInto(response, 0, length, batch) : Integer.MIN_VALUE;
        if (result == Integer.MIN_VALUE)
        {
            throw malformed();
        }
        return result;
    }

    /**
     * Sends a request and waits for its answer; on timeout reconnects and, if safe, repeats it.
     *
     * @return length of the answer in {@link #response}; an ERROR answer is thrown.
     */
    private int exchange(final Encoder encoder, final boolean safe)
    {
        ensureOpen();
        final long deadlineNs = System.nanoTime() + context.connectTimeout().toNanos();
        while (true)
        {
            final long correlationId = nextCorrelationId;
            final int length = encoder.encode();
            nextCorrelationId++;
            final int answer = sendAndAwait(correlationId, length);
            if (answer > 0 && MessageHeader.templateId(response, 0) == MessageType.ERROR)
            {
                error.wrap(response, 0, answer);
                if (error.code() != WireError.SHUTTING_DOWN)
                {
                    throw new PoolException(error.code(), error.message(), null);
                }
            }
            else if (answer > 0)
            {
                return answer;
            }
            reconnect(deadlineNs);
            if (!safe)
            {
                throw new PoolException(ErrorCode.OUTCOME_UNKNOWN, "the manager did not answer (it restarted or " +
                    "was unreachable) while a request that is not safe to repeat was in flight; the session has " +
                    "been re-established: redo the operation (look keys up to learn whether a commit landed)");
            }
        }
    }

    /**
     * @return the answer's length, or -1 when none came within the request timeout.
     */
    private int sendAndAwait(final long correlationId, final int length)
    {
        final long deadlineNs = System.nanoTime() + context.requestTimeout().toNanos();
        awaitedCorrelationId = correlationId;
        responseLength = -1;
        idle.reset();
        while (true)
        {
            if (aeron.isClosed())
            {
                return -1;
            }
            final long result = publication.offer(request, 0, length);
            if (result > 0)
            {
                break;
            }
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED ||
                System.nanoTime() - deadlineNs > 0)
            {
                return -1;
            }
            idle.idle();
        }
        idle.reset();
        while (responseLength < 0)
        {
            if (aeron.isClosed() || System.nanoTime() - deadlineNs > 0)
            {
                return -1;
            }
            idle.idle(subscription.poll(assembler, 16));
        }
        return responseLength;
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (length >= MessageHeader.LENGTH && MessageHeader.correlationId(buffer, offset) == awaitedCorrelationId)
        {
            response.putBytes(0, buffer, offset, length);
            responseLength = length;
        }
    }

    /**
     * (Re)establishes Aeron, the publication, the response subscription and the session, until the deadline.
     */
    private void reconnect(final long deadlineNs)
    {
        PoolException last = null;
        while (System.nanoTime() - deadlineNs < 0)
        {
            try
            {
                if (aeron == null || aeron.isClosed())
                {
                    openAeron();
                }
                if (hello())
                {
                    return;
                }
            }
            catch (final PoolException ex)
            {
                if (ex.code() == WireError.NOT_AUTHORIZED || ex.code() == WireError.MALFORMED)
                {
                    throw new PoolException(ErrorCode.REQUEST_REFUSED, "the manager refused the session: " +
                        ex.getMessage(), ex);
                }
                last = ex;
            }
            catch (final RuntimeException ex)
            {
                // The driver is gone or not yet back (manager restarting): start over with a fresh Aeron client.
                LOG.log(System.Logger.Level.DEBUG, "reconnect: " + ex);
                closeAeron();
                sleep(50);
            }
        }
        throw new PoolException(ErrorCode.MANAGER_UNREACHABLE, "no pool manager answered within " +
            Durations.format(context.connectTimeout()) + " (" + (context.managerEndpoint() == null ? "IPC via " +
            context.aeronDir() : "UDP " + context.managerEndpoint()) + "): is it running?" + (last != null ? " Last: " +
            last.getMessage() : ""), last);
    }

    private boolean hello()
    {
        final long correlationId = nextCorrelationId++;
        final int length = HelloFlyweight.encode(request, 0, correlationId, responseStreamId, context.namespace(),
            context.token(), responseChannel, context.clientName());
        final int answer = sendAndAwait(correlationId, length);
        if (answer < 0)
        {
            return false;
        }
        if (MessageHeader.templateId(response, 0) == MessageType.ERROR)
        {
            error.wrap(response, 0, answer);
            throw new PoolException(error.code(), error.message(), null);
        }
        final SessionDescriptor descriptor = HelloOkFlyweight.decode(response, 0, answer);
        if (descriptor == null)
        {
            throw malformed();
        }
        if (session != null)
        {
            reconnects++;
            LOG.log(System.Logger.Level.INFO, "re-established session with manager epoch " +
                descriptor.managerEpoch() + " (was " + session.managerEpoch() + ")");
        }
        session = descriptor;
        return true;
    }

    private void openAeron()
    {
        closeAeron();
        if (context.embeddedDriverDir() != null && driver == null)
        {
            final long livenessNs = AeronTimeouts.clientLivenessTimeoutNs(context.driverTimeout().toMillis(),
                AeronTimeouts.AERON_DEFAULT_CLIENT_LIVENESS_NS);
            // Shared with every manager client of this process that names the directory (EmbeddedDrivers).
            driver = EmbeddedDrivers.acquire(context.embeddedDriverDir(), () -> new MediaDriver.Context()
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .clientLivenessTimeoutNs(livenessNs)
                .publicationUnblockTimeoutNs(AeronTimeouts.publicationUnblockTimeoutNs(livenessNs))
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(AeronIdle.BACKOFF.strategy(200_000))
                .termBufferSparseFile(true));
        }
        aeron = Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(context.aeronDir().toString())
            .driverTimeoutMs(context.driverTimeout().toMillis())
            .errorHandler(ex -> LOG.log(System.Logger.Level.DEBUG, "aeron: " + ex)));
        final String managerChannel = context.managerEndpoint() == null ? Streams.IPC_CHANNEL :
            "aeron:udp?endpoint=" + context.managerEndpoint() + "|term-length=1m";
        publication = aeron.addExclusivePublication(managerChannel, context.requestStreamId());
        if (context.managerEndpoint() == null)
        {
            responseStreamId = 100_000 + random.nextInt(1_000_000_000);
            responseChannel = Streams.IPC_CHANNEL;
            subscription = aeron.addSubscription(responseChannel, responseStreamId);
        }
        else
        {
            responseStreamId = 2001;
            subscription = aeron.addSubscription("aeron:udp?endpoint=" + context.responseHost() + ":0",
                responseStreamId);
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            String resolved;
            while ((resolved = subscription.resolvedEndpoint()) == null && System.nanoTime() - deadlineNs < 0)
            {
                sleep(5);
            }
            if (resolved == null)
            {
                throw new PoolException(ErrorCode.MANAGER_UNREACHABLE, "could not bind a UDP response endpoint on " +
                    context.responseHost());
            }
            responseChannel = ChannelUri.parse("aeron:udp?endpoint=" + resolved).toString();
        }
    }

    private void closeAeron()
    {
        CloseHelper.quietCloseAll(publication, subscription, aeron);
        publication = null;
        subscription = null;
        aeron = null;
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new PoolException(ErrorCode.CLIENT_CLOSED, "the client is closed");
        }
    }

    private PoolException malformed()
    {
        return new PoolException(WireError.MALFORMED, "the manager's answer was malformed or of the wrong type: " +
            MessageType.name(MessageHeader.templateId(response, 0)), null);
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new PoolException(ErrorCode.CLIENT_CLOSED, "interrupted");
        }
    }

    /**
     * Says GOODBYE (best effort) and releases Aeron. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (session != null && publication != null && aeron != null && !aeron.isClosed())
        {
            final int length = MessageHeader.write(request, 0, MessageType.GOODBYE, MessageHeader.LENGTH,
                nextCorrelationId++, session.sessionId());
            publication.offer(request, 0, length);
        }
        closeAeron();
        CloseHelper.quietClose(driver);
    }

    @FunctionalInterface
    private interface Encoder
    {
        int encode();
    }
}
