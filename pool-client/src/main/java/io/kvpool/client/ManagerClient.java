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
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.IdleStrategy;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The control-plane connection to a pool manager: opens a session (HELLO) for one namespace and sends batch
 * requests, each answered per key. Reconnects by itself when the manager restarts (a new HELLO, and a new Aeron
 * client if the manager's media driver died with it), and repeats what was in flight where that is safe: lookups,
 * prefix probes, pins, renewals, removals, stats and namespace creation. A reserve, commit, abort or unpin in flight
 * across a restart is not repeated; it fails with {@link ErrorCode#OUTCOME_UNKNOWN} (reservations of a dead
 * manager are reclaimed; look keys up to learn whether a commit landed).
 * <p>
 * Thread-safe and pipelined: threads sharing a client each have a request in flight at the same time, answered by
 * correlation id in whatever order the answers come. Whichever waiting thread holds the poll lock reads the
 * answers for all of them and wakes their threads; the others back off. A reconnect (one thread does it, under
 * the connection lock) fails every request still in flight on the old session, which each thread then repeats or
 * reports as above.
 */
public final class ManagerClient implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.client");
    private static final int NO_ANSWER = -1;
    private static final int LOST = -2; // the session the request went out on was replaced before it was answered

    private final ManagerClientContext context;
    private final SecureRandom random = new SecureRandom();
    // Lock order: connectionLock, then sendLock, then pollLock; the inFlight monitor is a leaf.
    private final ReentrantLock connectionLock = new ReentrantLock(); // reconnect and close: one at a time
    private final ReentrantLock sendLock = new ReentrantLock(); // the (exclusive) publication, ids, the epoch
    private final ReentrantLock pollLock = new ReentrantLock(); // the subscription and the assembler
    private final Long2ObjectHashMap<Call> inFlight = new Long2ObjectHashMap<>(); // guarded by its own monitor
    private final ThreadLocal<Call> calls = ThreadLocal.withInitial(Call::new);
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private EmbeddedDrivers.Lease driver;
    private volatile Aeron aeron;
    private ExclusivePublication publication;
    private volatile Subscription subscription;
    private String responseChannel;
    private int responseStreamId;
    private volatile SessionDescriptor session;
    private long epoch; // bumped under sendLock by each re-established session
    private long nextCorrelationId = 1; // under sendLock
    private volatile long reconnects;
    private volatile boolean closed;

    /**
     * One thread's request and its answer: the buffers are the thread's own, so requests of different threads are
     * encoded and decoded side by side.
     */
    private static final class Call
    {
        final ExpandableDirectByteBuffer request = new ExpandableDirectByteBuffer(MessageHeader.MAX_FRAME_LENGTH);
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer(MessageHeader.MAX_FRAME_LENGTH);
        final IdleStrategy idle = AeronIdle.BACKOFF.strategy(100_000);
        final ErrorFlyweight error = new ErrorFlyweight();
        Thread thread;
        long epoch;
        int responseLength; // written under the inFlight monitor by the poller, read by the owner after it
    }

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
            client.reconnect(System.nanoTime() + context.connectTimeout().toNanos(), 0);
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
    public SessionDescriptor session()
    {
        return session;
    }

    /**
     * @return how many times the client re-established its session since connecting.
     */
    public long reconnects()
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
    public NamespaceInfo createNamespace(
        final String name, final long blockSizeBytes, final int minSlabs, final int maxSlabs, final String token)
    {
        final Call call = calls.get();
        final int length = exchange(call, (buffer, correlationId, sessionId) -> CreateNamespaceFlyweight.encode(
            buffer, 0, correlationId, sessionId, name, blockSizeBytes, minSlabs, maxSlabs, token), true);
        final NamespaceInfo info = MessageHeader.templateId(call.response, 0) == MessageType.NAMESPACE_OK ?
            NamespaceOkFlyweight.decode(call.response, 0, length) : null;
        if (info == null)
        {
            throw malformed(call);
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
    public byte[] rdmaConnect(final byte[] endpoint)
    {
        final Call call = calls.get();
        final int length = exchange(call, (buffer, correlationId, sessionId) -> OpaqueFlyweight.encode(buffer, 0,
            MessageType.RDMA_CONNECT, correlationId, sessionId, endpoint), false);
        final byte[] accepted = MessageHeader.templateId(call.response, 0) == MessageType.RDMA_ACCEPT ?
            OpaqueFlyweight.decode(call.response, 0, length) : null;
        if (accepted == null)
        {
            throw malformed(call);
        }
        return accepted;
    }

    /**
     * @return the manager's figures (every namespace for an admin session, this namespace otherwise).
     */
    public StatsSnapshot stats()
    {
        final Call call = calls.get();
        final int length = exchange(call, (buffer, correlationId, sessionId) -> MessageHeader.write(buffer, 0,
            MessageType.STATS, MessageHeader.LENGTH, correlationId, sessionId), true);
        final StatsSnapshot snapshot = MessageHeader.templateId(call.response, 0) == MessageType.STATS_RESPONSE ?
            StatsResponseFlyweight.decode(call.response, 0, length) : null;
        if (snapshot == null)
        {
            throw malformed(call);
        }
        return snapshot;
    }

    private int batch(final int templateId, final int kind, final BlockBatch batch, final boolean safe)
    {
        final Call call = calls.get();
        final int length = exchange(call, (buffer, correlationId, sessionId) -> BatchRequestFlyweight.encode(
            buffer, 0, templateId, kind, correlationId, sessionId, batch), safe);
        final int result = MessageHeader.templateId(call.response, 0) == MessageType.BATCH_RESPONSE ?
            BatchResponseFlyweight.decodeInto(call.response, 0, length, batch) : Integer.MIN_VALUE;
        if (result == Integer.MIN_VALUE)
        {
            throw malformed(call);
        }
        return result;
    }

    /**
     * Sends a request and waits for its answer; when none comes (timeout, or the session was replaced meanwhile)
     * re-establishes the session and, if safe, repeats it.
     *
     * @return length of the answer in the call's response buffer; an ERROR answer is thrown.
     */
    private int exchange(final Call call, final Encoder encoder, final boolean safe)
    {
        ensureOpen();
        final long deadlineNs = System.nanoTime() + context.connectTimeout().toNanos();
        while (true)
        {
            final int answer = sendAndAwait(call, encoder);
            if (answer > 0 && MessageHeader.templateId(call.response, 0) == MessageType.ERROR)
            {
                call.error.wrap(call.response, 0, answer);
                if (call.error.code() != WireError.SHUTTING_DOWN)
                {
                    throw new PoolException(call.error.code(), call.error.message(), null);
                }
            }
            else if (answer > 0)
            {
                return answer;
            }
            reconnect(deadlineNs, call.epoch);
            if (!safe)
            {
                throw new PoolException(ErrorCode.OUTCOME_UNKNOWN, "the manager did not answer (it restarted or " +
                    "was unreachable) while a request that is not safe to repeat was in flight; the session has " +
                    "been re-established: redo the operation (look keys up to learn whether a commit landed)");
            }
        }
    }

    /**
     * Encodes and sends the call's request, then waits for its answer, polling for every thread's answers while
     * it holds the poll lock.
     *
     * @return the answer's length; {@link #NO_ANSWER} when none came within the request timeout or the connection
     *         is gone; {@link #LOST} when the session was re-established while the request was in flight.
     */
    private int sendAndAwait(final Call call, final Encoder encoder)
    {
        final long deadlineNs = System.nanoTime() + context.requestTimeout().toNanos();
        final long correlationId;
        sendLock.lock();
        try
        {
            final Aeron aeron = this.aeron;
            if (closed || aeron == null || aeron.isClosed())
            {
                return NO_ANSWER;
            }
            correlationId = nextCorrelationId++;
            final SessionDescriptor current = session;
            final int length = encoder.encode(call.request, correlationId, current == null ? 0 : current.sessionId());
            call.epoch = epoch;
            call.thread = Thread.currentThread();
            synchronized (inFlight)
            {
                call.responseLength = NO_ANSWER;
                inFlight.put(correlationId, call);
            }
            call.idle.reset();
            while (true)
            {
                final long result = publication.offer(call.request, 0, length);
                if (result > 0)
                {
                    break;
                }
                if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED ||
                    System.nanoTime() - deadlineNs > 0)
                {
                    forget(correlationId);
                    return NO_ANSWER;
                }
                call.idle.idle();
            }
        }
        finally
        {
            sendLock.unlock();
        }
        try
        {
            call.idle.reset();
            while (true)
            {
                final int answer = answerOf(call);
                if (answer != NO_ANSWER)
                {
                    return answer;
                }
                final Aeron aeron = this.aeron;
                if (aeron == null || aeron.isClosed() || System.nanoTime() - deadlineNs > 0)
                {
                    return NO_ANSWER;
                }
                int work = 0;
                if (pollLock.tryLock())
                {
                    try
                    {
                        final Subscription current = subscription;
                        work = current == null ? 0 : current.poll(assembler, 16);
                    }
                    finally
                    {
                        pollLock.unlock();
                    }
                }
                call.idle.idle(work);
            }
        }
        finally
        {
            forget(correlationId);
            wakeAnotherWaiter();
        }
    }

    private int answerOf(final Call call)
    {
        synchronized (inFlight)
        {
            return call.responseLength;
        }
    }

    private void forget(final long correlationId)
    {
        synchronized (inFlight)
        {
            inFlight.remove(correlationId);
        }
    }

    /**
     * A thread leaving with its answer may have been the one polling: another waiting thread takes over at once
     * rather than at the end of its back-off.
     */
    private void wakeAnotherWaiter()
    {
        synchronized (inFlight)
        {
            if (!inFlight.isEmpty())
            {
                LockSupport.unpark(inFlight.values().iterator().next().thread);
            }
        }
    }

    /**
     * Runs on the polling thread: hands the answer to the thread waiting for its correlation id. Under the
     * inFlight monitor, so that a thread that gave up on an answer (and took itself out) never has a late one
     * written into its buffers.
     */
    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (length < MessageHeader.LENGTH)
        {
            return;
        }
        synchronized (inFlight)
        {
            final Call call = inFlight.get(MessageHeader.correlationId(buffer, offset));
            if (call != null && call.responseLength == NO_ANSWER)
            {
                call.response.putBytes(0, buffer, offset, length);
                call.responseLength = length;
                LockSupport.unpark(call.thread);
            }
        }
    }

    /**
     * (Re)establishes Aeron, the publication, the response subscription and the session, until the deadline;
     * nothing to do when another thread has done it since the caller's request went out ({@code seenEpoch}).
     * Sending waits meanwhile; requests still in flight on the old session come back {@link #LOST}.
     */
    private void reconnect(final long deadlineNs, final long seenEpoch)
    {
        connectionLock.lock();
        sendLock.lock();
        try
        {
            if (epoch != seenEpoch)
            {
                return;
            }
            ensureOpen();
            establish(deadlineNs);
            epoch++;
            synchronized (inFlight)
            {
                for (final Call call : inFlight.values())
                {
                    call.responseLength = LOST;
                    LockSupport.unpark(call.thread);
                }
                inFlight.clear();
            }
        }
        finally
        {
            sendLock.unlock();
            connectionLock.unlock();
        }
    }

    private void establish(final long deadlineNs)
    {
        PoolException last = null;
        while (System.nanoTime() - deadlineNs < 0)
        {
            ensureOpen();
            try
            {
                final Aeron current = aeron;
                if (current == null || current.isClosed())
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

    /** Under sendLock (reconnect): no other request goes out until the session is established. */
    private boolean hello()
    {
        final Call call = calls.get();
        final int answer = sendAndAwait(call, (buffer, correlationId, sessionId) -> HelloFlyweight.encode(buffer,
            0, correlationId, responseStreamId, context.namespace(), context.token(), responseChannel,
            context.clientName()));
        if (answer < 0)
        {
            return false;
        }
        if (MessageHeader.templateId(call.response, 0) == MessageType.ERROR)
        {
            call.error.wrap(call.response, 0, answer);
            throw new PoolException(call.error.code(), call.error.message(), null);
        }
        final SessionDescriptor descriptor = HelloOkFlyweight.decode(call.response, 0, answer);
        if (descriptor == null)
        {
            throw malformed(call);
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

    /** Under sendLock; takes the poll lock so that no thread polls a closing subscription. */
    private void closeAeron()
    {
        pollLock.lock();
        try
        {
            CloseHelper.quietCloseAll(publication, subscription, aeron);
            publication = null;
            subscription = null;
            aeron = null;
        }
        finally
        {
            pollLock.unlock();
        }
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new PoolException(ErrorCode.CLIENT_CLOSED, "the client is closed");
        }
    }

    private static PoolException malformed(final Call call)
    {
        return new PoolException(WireError.MALFORMED, "the manager's answer was malformed or of the wrong type: " +
            MessageType.name(MessageHeader.templateId(call.response, 0)), null);
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
     * Says GOODBYE (best effort) and releases Aeron; requests still waiting fail with
     * {@link ErrorCode#CLIENT_CLOSED}. Idempotent.
     */
    @Override
    public void close()
    {
        connectionLock.lock();
        sendLock.lock();
        try
        {
            if (closed)
            {
                return;
            }
            closed = true;
            final SessionDescriptor current = session;
            final Aeron client = aeron;
            if (current != null && publication != null && client != null && !client.isClosed())
            {
                final Call call = calls.get();
                final int length = MessageHeader.write(call.request, 0, MessageType.GOODBYE, MessageHeader.LENGTH,
                    nextCorrelationId++, current.sessionId());
                publication.offer(call.request, 0, length);
            }
            closeAeron();
            CloseHelper.quietClose(driver);
        }
        finally
        {
            sendLock.unlock();
            connectionLock.unlock();
        }
    }

    @FunctionalInterface
    private interface Encoder
    {
        /** @return the request's length, encoded at offset 0 of {@code buffer}. */
        int encode(MutableDirectBuffer buffer, long correlationId, long sessionId);
    }
}
