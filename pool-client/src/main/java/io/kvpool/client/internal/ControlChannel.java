package io.kvpool.client.internal;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import io.kvpool.client.ManagerClientContext;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.AeronTimeouts;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.wire.ErrorFlyweight;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.Streams;
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
 * The Aeron side of a manager client: the request publication, the response subscription, and the requests in
 * flight on them. Threads sharing the channel each have a request in flight at the same time, answered by
 * correlation id in whatever order the answers come: whichever waiting thread holds the poll lock reads the answers
 * for all of them and wakes their threads; the others back off. {@link #reconnect} replaces the connection (with the
 * caller's handshake, with sending held) and fails every request still in flight on the old one ({@link #LOST}).
 * <p>
 * Thread-safe. Lock order: the connection lock, then the send lock, then the poll lock; the in-flight map's monitor
 * is a leaf.
 */
public final class ControlChannel implements AutoCloseable
{
    /** {@link #sendAndAwait}: no answer within the request timeout, or the connection is gone. */
    public static final int NO_ANSWER = -1;
    /** {@link #sendAndAwait}: the connection was replaced before the request was answered. */
    public static final int LOST = -2;

    private static final System.Logger LOG = System.getLogger("io.kvpool.client");

    private final ManagerClientContext context;
    private final SecureRandom random = new SecureRandom();
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
    private long epoch; // bumped under sendLock by each reconnect
    private long nextCorrelationId = 1; // under sendLock
    private volatile boolean closed;

    /**
     * One thread's request and its answer: the buffers are the thread's own, so requests of different threads are
     * encoded and decoded side by side.
     */
    public static final class Call
    {
        final ExpandableDirectByteBuffer request = new ExpandableDirectByteBuffer(MessageHeader.MAX_FRAME_LENGTH);
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer(MessageHeader.MAX_FRAME_LENGTH);
        final IdleStrategy idle = AeronIdle.BACKOFF.strategy(100_000);
        final ErrorFlyweight error = new ErrorFlyweight();
        Thread thread;
        long epoch;
        long correlationId; // of the request in flight, set by send
        long deadlineNs; // when its answer is given up on
        int responseLength; // written under the inFlight monitor by the poller, read by the owner after it

        /** @return the last answer's bytes (valid until this thread's next request). */
        public DirectBuffer response()
        {
            return response;
        }

        /** @return a flyweight over this call's buffers, for an ERROR answer. */
        public ErrorFlyweight error()
        {
            return error;
        }

        /** @return the connection generation the last request went out on (for {@link #reconnect}). */
        public long epoch()
        {
            return epoch;
        }
    }

    /** Encodes a request. */
    @FunctionalInterface
    public interface Encoder
    {
        /** @return the request's length, encoded at offset 0 of {@code buffer}. */
        int encode(MutableDirectBuffer buffer, long correlationId);
    }

    /**
     * @param context the client's configuration (concluded).
     */
    public ControlChannel(final ManagerClientContext context)
    {
        this.context = context;
    }

    /** @return the calling thread's call (its buffers), for {@link #sendAndAwait}. */
    public Call call()
    {
        return calls.get();
    }

    /** @return a call of the caller's own, for a request it keeps in flight beside others ({@link #send}). */
    public Call newCall()
    {
        return new Call();
    }

    /** @return the stream id the manager is to answer on (for HELLO). */
    public int responseStreamId()
    {
        return responseStreamId;
    }

    /** @return the channel the manager is to answer on (for HELLO). */
    public String responseChannel()
    {
        return responseChannel;
    }

    /** @return whether {@link #close} was called. */
    public boolean isClosed()
    {
        return closed;
    }

    /** @return whether the Aeron client is up (else {@link #open} is due). */
    public boolean isOpen()
    {
        final Aeron current = aeron;
        return current != null && !current.isClosed();
    }

    /**
     * Encodes and sends the call's request, then waits for its answer, polling for every thread's answers while
     * it holds the poll lock.
     *
     * @return the answer's length; {@link #NO_ANSWER} when none came within the request timeout or the connection
     *         is gone; {@link #LOST} when the connection was replaced while the request was in flight.
     */
    public int sendAndAwait(final Call call, final Encoder encoder)
    {
        return send(call, encoder) ? await(call) : NO_ANSWER;
    }

    /**
     * Encodes and sends the call's request without waiting for its answer, which {@link #await} then collects: a
     * thread may have several requests in flight, each in a call of its own ({@link #newCall}). Every call sent
     * must be awaited (that also ends its wait for an answer).
     *
     * @return whether the request went out; false when the connection is gone or the publication did not take it
     *         within the request timeout (nothing is then in flight).
     */
    public boolean send(final Call call, final Encoder encoder)
    {
        final long deadlineNs = System.nanoTime() + context.requestTimeout().toNanos();
        sendLock.lock();
        try
        {
            final Aeron aeron = this.aeron;
            if (closed || aeron == null || aeron.isClosed())
            {
                return false;
            }
            final long correlationId = nextCorrelationId++;
            final int length = encoder.encode(call.request, correlationId);
            call.epoch = epoch;
            call.thread = Thread.currentThread();
            call.correlationId = correlationId;
            call.deadlineNs = deadlineNs;
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
                    return true;
                }
                if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED ||
                    System.nanoTime() - deadlineNs > 0)
                {
                    forget(correlationId);
                    return false;
                }
                call.idle.idle();
            }
        }
        finally
        {
            sendLock.unlock();
        }
    }

    /**
     * Waits for the answer to the call's request, sent by {@link #send}, polling for every thread's answers while
     * it holds the poll lock.
     *
     * @return as {@link #sendAndAwait}.
     */
    /**
     * Gives up on the call's answer by {@code deadlineNs} (System.nanoTime) if that is sooner than its own
     * deadline. The thread that will {@link #await} the call calls it.
     */
    public void giveUpBy(final Call call, final long deadlineNs)
    {
        if (deadlineNs - call.deadlineNs < 0)
        {
            call.deadlineNs = deadlineNs;
        }
    }

    public int await(final Call call)
    {
        synchronized (inFlight)
        {
            call.thread = Thread.currentThread(); // the poller wakes whichever thread waits, the sender or another
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
                if (aeron == null || aeron.isClosed() || System.nanoTime() - call.deadlineNs > 0)
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
            forget(call.correlationId);
            wakeAnotherWaiter();
        }
    }

    /**
     * Re-establishes the connection with {@code establish} (which opens Aeron as needed and says HELLO through
     * {@link #sendAndAwait}), unless another thread has done so since the caller's request went out
     * ({@code seenEpoch}). No other request goes out meanwhile; requests still in flight on the old connection come
     * back {@link #LOST}.
     */
    public void reconnect(final long seenEpoch, final Runnable establish)
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
            establish.run();
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

    /**
     * @throws PoolException {@link ErrorCode#CLIENT_CLOSED} once closed.
     */
    public void ensureOpen()
    {
        if (closed)
        {
            throw new PoolException(ErrorCode.CLIENT_CLOSED, "the client is closed");
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

    /** Opens the Aeron client, the request publication and the response subscription (from {@link #reconnect}). */
    public void open()
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
            final String resolved = UdpEndpoints.awaitResolved(subscription, () -> sleep(5),
                TimeUnit.SECONDS.toNanos(5));
            if (resolved == null)
            {
                throw new PoolException(ErrorCode.MANAGER_UNREACHABLE, "could not bind a UDP response endpoint on " +
                    context.responseHost());
            }
            responseChannel = ChannelUri.parse("aeron:udp?endpoint=" + resolved).toString();
        }
    }

    /** From {@link #reconnect}; takes the poll lock so that no thread polls a closing subscription. */
    public void closeAeron()
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

    /**
     * Sleeps, as reconnecting does between tries.
     *
     * @throws PoolException {@link ErrorCode#CLIENT_CLOSED} when interrupted (the interrupt flag is kept).
     */
    public static void sleep(final long millis)
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
     * Sends {@code goodbye} (best effort) and releases Aeron and the embedded driver; requests still waiting come
     * back {@link #NO_ANSWER}. Idempotent.
     */
    public void close(final Encoder goodbye)
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
            final Aeron client = aeron;
            if (goodbye != null && publication != null && client != null && !client.isClosed())
            {
                final Call call = calls.get();
                final int length = goodbye.encode(call.request, nextCorrelationId++);
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

    @Override
    public void close()
    {
        close(null);
    }
}
