package io.kvpool.client;

import io.kvpool.client.internal.ControlChannel;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Durations;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.wire.BatchRequestEncoder;
import io.kvpool.protocol.wire.BatchResponseDecoder;
import io.kvpool.protocol.wire.CreateNamespaceFlyweight;
import io.kvpool.protocol.wire.ErrorFlyweight;
import io.kvpool.protocol.wire.HelloFlyweight;
import io.kvpool.protocol.wire.HelloOkDecoder;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.protocol.wire.NamespaceOkDecoder;
import io.kvpool.protocol.wire.OpaqueDecoder;
import io.kvpool.protocol.wire.OpaqueEncoder;
import io.kvpool.protocol.wire.SessionDescriptor;
import io.kvpool.protocol.wire.StatsResponseDecoder;
import io.kvpool.protocol.wire.StatsSnapshot;
import io.kvpool.protocol.wire.WireError;
import org.agrona.MutableDirectBuffer;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * The control-plane connection to a pool manager: opens a session (HELLO) for one namespace and sends batch
 * requests, each answered per key. Reconnects by itself when the manager restarts (a new HELLO, and a new Aeron
 * client if the manager's media driver died with it), and repeats what was in flight where that is safe: lookups,
 * prefix probes, pins, renewals, removals, stats and namespace creation. A reserve, commit, abort or unpin in flight
 * across a restart is not repeated; it fails with {@link ErrorCode#OUTCOME_UNKNOWN} (reservations of a dead
 * manager are reclaimed; look keys up to learn whether a commit landed).
 * <p>
 * Thread-safe and pipelined: threads sharing a client each have a request in flight at the same time, answered by
 * correlation id in whatever order the answers come ({@link ControlChannel}); a put keeps several of its own in
 * flight ({@link Pending}: the RESERVEs and COMMITs of its runs). A reconnect (one thread does it)
 * fails every request still in flight on the old session, which each thread then repeats or reports as above.
 */
public final class ManagerClient implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.client");

    private final ManagerClientContext context;
    private final ControlChannel channel;
    private volatile SessionDescriptor session; // replaced by a reconnect, with sending held
    private volatile long reconnects;
    /**
     * Calls of joined {@link Pending} requests, for the next ones (a call's buffers take 128 KiB); shared, since a
     * write-back put's commits are joined on another thread than the one that sent them.
     */
    private final ArrayBlockingQueue<ControlChannel.Call> spareCalls = new ArrayBlockingQueue<>(32);

    private ManagerClient(final ManagerClientContext context)
    {
        this.context = context;
        this.channel = new ControlChannel(context);
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
        return batch(MessageType.RENEW, BatchRequestEncoder.RENEW_RESERVATIONS, batch, true);
    }

    /** Extends pin leases. @return leases renewed. */
    public int renewPins(final BlockBatch batch)
    {
        return batch(MessageType.RENEW, BatchRequestEncoder.RENEW_PINS, batch, true);
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
        final ControlChannel.Call call = channel.call();
        final int length = exchange(call, (buffer, correlationId) -> CreateNamespaceFlyweight.encode(
            buffer, 0, correlationId, sessionId(), name, blockSizeBytes, minSlabs, maxSlabs, token), true);
        final NamespaceInfo info = MessageHeader.templateId(call.response(), 0) == MessageType.NAMESPACE_OK ?
            NamespaceOkDecoder.decode(call.response(), 0, length) : null;
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
        final ControlChannel.Call call = channel.call();
        final int length = exchange(call, (buffer, correlationId) -> OpaqueEncoder.encode(buffer, 0,
            MessageType.RDMA_CONNECT, correlationId, sessionId(), endpoint), false);
        final byte[] accepted = MessageHeader.templateId(call.response(), 0) == MessageType.RDMA_ACCEPT ?
            OpaqueDecoder.decode(call.response(), 0, length) : null;
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
        final ControlChannel.Call call = channel.call();
        final int length = exchange(call, (buffer, correlationId) -> MessageHeader.write(buffer, 0,
            MessageType.STATS, MessageHeader.LENGTH, correlationId, sessionId()), true);
        final StatsSnapshot snapshot = MessageHeader.templateId(call.response(), 0) == MessageType.STATS_RESPONSE ?
            StatsResponseDecoder.decode(call.response(), 0, length) : null;
        if (snapshot == null)
        {
            throw malformed(call);
        }
        return snapshot;
    }

    private int batch(final int templateId, final int kind, final BlockBatch batch, final boolean safe)
    {
        final ControlChannel.Call call = channel.call();
        return decode(call, exchange(call, encoder(templateId, kind, batch), safe), batch);
    }

    private ControlChannel.Encoder encoder(final int templateId, final int kind, final BlockBatch batch)
    {
        return (buffer, correlationId) -> BatchRequestEncoder.encode(buffer, 0, templateId, kind, correlationId,
            sessionId(), batch);
    }

    private static int decode(final ControlChannel.Call call, final int length, final BlockBatch batch)
    {
        final int result = MessageHeader.templateId(call.response(), 0) == MessageType.BATCH_RESPONSE ?
            BatchResponseDecoder.decodeInto(call.response(), 0, length, batch) : Integer.MIN_VALUE;
        if (result == Integer.MIN_VALUE)
        {
            throw malformed(call);
        }
        return result;
    }

    /**
     * {@link #reserve} without waiting for the answer, which {@link Pending#join} collects: a put keeps the
     * reserves of its later runs in flight while it writes the first.
     */
    Pending reserveAsync(final BlockBatch batch)
    {
        return sendAsync(MessageType.RESERVE, 0, batch);
    }

    /**
     * Asks for one keyless block per entry of {@code batch} (keys ignored), granted ahead of a put's keys: each
     * answered as a RESERVE is (status, block, generation, offset, length); only {@link #commitKeyedAsync} seals
     * one. {@link Pending#join} collects the answer.
     */
    Pending grantAsync(final BlockBatch batch)
    {
        return sendAsync(MessageType.RESERVE, BatchRequestEncoder.GRANT, batch);
    }

    /**
     * Commits granted blocks, each under the key of its entry (with its block, generation, length and checksum):
     * per entry OK, ALREADY_EXISTS or WRITE_IN_PROGRESS (the key was there: the block is freed), LEASE_EXPIRED,
     * UNKNOWN_RESERVATION or INVALID_LENGTH. {@link Pending#join} collects the answer.
     */
    Pending commitKeyedAsync(final BlockBatch batch)
    {
        return sendAsync(MessageType.COMMIT, BatchRequestEncoder.KEYED, batch);
    }

    /**
     * {@link #commit} without waiting for the answer, which {@link Pending#join} collects: a put commits each run
     * while it writes the next.
     */
    Pending commitAsync(final BlockBatch batch)
    {
        return sendAsync(MessageType.COMMIT, 0, batch);
    }

    /**
     * {@link #abort} without waiting for the answer: for reservations given back as a handle closes, where nothing
     * waits for the outcome (those the manager does not get lapse).
     */
    Pending abortAsync(final BlockBatch batch)
    {
        return sendAsync(MessageType.ABORT, 0, batch);
    }

    private Pending sendAsync(final int templateId, final int kind, final BlockBatch batch)
    {
        channel.ensureOpen();
        final long deadlineNs = System.nanoTime() + context.connectTimeout().toNanos();
        final ControlChannel.Call spare = spareCalls.poll();
        final ControlChannel.Call call = spare != null ? spare : channel.newCall();
        return new Pending(call, batch, channel.send(call, encoder(templateId, kind, batch)), deadlineNs);
    }

    /**
     * A batch request sent and not yet answered; one thread may keep several in flight. Each is joined exactly
     * once, by any one thread (its answer is decoded into the batch then). Requests sent this way are
     * reserves and commits, which are not repeated when no answer comes: {@link ErrorCode#OUTCOME_UNKNOWN}, as for
     * {@link #reserve} and {@link #commit}.
     */
    final class Pending
    {
        private final ControlChannel.Call call;
        private final BlockBatch batch;
        private final boolean sent;
        private final long deadlineNs;
        private boolean joined;
        private boolean answered;

        private Pending(final ControlChannel.Call call, final BlockBatch batch, final boolean sent,
            final long deadlineNs)
        {
            this.call = call;
            this.batch = batch;
            this.sent = sent;
            this.deadlineNs = deadlineNs;
        }

        /** @return whether {@link #join} was called (whatever it came to). */
        boolean joined()
        {
            return joined;
        }

        /** @return whether {@link #join} returned the answer (it did not throw). */
        boolean answered()
        {
            return answered;
        }

        /**
         * Waits for the answer and decodes it into the batch.
         *
         * @return as the synchronous request.
         * @throws PoolException as the synchronous request.
         */
        /**
         * {@link #join}, giving up after {@code withinNs} at most (a request whose outcome matters little, collected
         * as a handle closes).
         */
        int join(final long withinNs)
        {
            channel.giveUpBy(call, System.nanoTime() + withinNs);
            return join();
        }

        int join()
        {
            if (joined)
            {
                throw new IllegalStateException("a pending request is joined once");
            }
            joined = true;
            try
            {
                final int answer = sent ? channel.await(call) : ControlChannel.NO_ANSWER;
                final int result = decode(call, settle(call, answer, deadlineNs, false), batch);
                answered = true;
                return result;
            }
            finally
            {
                spareCalls.offer(call);
            }
        }
    }

    /** Read while encoding, with sending held: a reconnect replaces the session only then. */
    private long sessionId()
    {
        final SessionDescriptor current = session;
        return current == null ? 0 : current.sessionId();
    }

    /**
     * Sends a request and waits for its answer; when none comes (timeout, or the session was replaced meanwhile)
     * re-establishes the session and, if safe, repeats it.
     *
     * @return length of the answer in the call's response buffer; an ERROR answer is thrown.
     */
    private int exchange(final ControlChannel.Call call, final ControlChannel.Encoder encoder, final boolean safe)
    {
        channel.ensureOpen();
        final long deadlineNs = System.nanoTime() + context.connectTimeout().toNanos();
        int length;
        while ((length = settle(call, channel.sendAndAwait(call, encoder), deadlineNs, safe)) == 0)
        {
            // No answer to a request safe to repeat, and the session is back: repeat it.
        }
        return length;
    }

    /**
     * What a request's answer comes to: its length; or, where none came (or the manager is shutting down), the
     * session re-established and 0 for a request safe to repeat.
     *
     * @throws PoolException an ERROR answer's; {@link ErrorCode#OUTCOME_UNKNOWN} for no answer to a request not
     *                       safe to repeat.
     */
    private int settle(final ControlChannel.Call call, final int answer, final long deadlineNs, final boolean safe)
    {
        if (answer > 0 && MessageHeader.templateId(call.response(), 0) == MessageType.ERROR)
        {
            final ErrorFlyweight error = call.error();
            error.wrap(call.response(), 0, answer);
            if (error.code() != WireError.SHUTTING_DOWN)
            {
                throw new PoolException(error.code(), error.message(), null);
            }
        }
        else if (answer > 0)
        {
            return answer;
        }
        reconnect(deadlineNs, call.epoch());
        if (!safe)
        {
            throw new PoolException(ErrorCode.OUTCOME_UNKNOWN, "the manager did not answer (it restarted or " +
                "was unreachable) while a request that is not safe to repeat was in flight; the session has " +
                "been re-established: redo the operation (look keys up to learn whether a commit landed)");
        }
        return 0;
    }

    /**
     * (Re)establishes Aeron, the publication, the response subscription and the session, until the deadline;
     * nothing to do when another thread has done it since the caller's request went out ({@code seenEpoch}).
     */
    private void reconnect(final long deadlineNs, final long seenEpoch)
    {
        channel.reconnect(seenEpoch, () -> establish(deadlineNs));
    }

    private void establish(final long deadlineNs)
    {
        PoolException last = null;
        while (System.nanoTime() - deadlineNs < 0)
        {
            channel.ensureOpen();
            try
            {
                if (!channel.isOpen())
                {
                    channel.open();
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
                channel.closeAeron();
                ControlChannel.sleep(50);
            }
        }
        throw new PoolException(ErrorCode.MANAGER_UNREACHABLE, "no pool manager answered within " +
            Durations.format(context.connectTimeout()) + " (" + (context.managerEndpoint() == null ? "IPC via " +
            context.aeronDir() : "UDP " + context.managerEndpoint()) + "): is it running?" + (last != null ? " Last: " +
            last.getMessage() : ""), last);
    }

    /** Runs with sending held (reconnect): no other request goes out until the session is established. */
    private boolean hello()
    {
        final ControlChannel.Call call = channel.call();
        final int answer = channel.sendAndAwait(call, (buffer, correlationId) -> HelloFlyweight.encode(buffer, 0,
            correlationId, channel.responseStreamId(), context.namespace(), context.token(), channel.responseChannel(),
            context.clientName()));
        if (answer < 0)
        {
            return false;
        }
        if (MessageHeader.templateId(call.response(), 0) == MessageType.ERROR)
        {
            call.error().wrap(call.response(), 0, answer);
            throw new PoolException(call.error().code(), call.error().message(), null);
        }
        final SessionDescriptor descriptor = HelloOkDecoder.decode(call.response(), 0, answer);
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

    private static PoolException malformed(final ControlChannel.Call call)
    {
        return new PoolException(WireError.MALFORMED, "the manager's answer was malformed or of the wrong type: " +
            MessageType.name(MessageHeader.templateId(call.response(), 0)), null);
    }

    /**
     * Says GOODBYE (best effort) and releases Aeron; requests still waiting fail with
     * {@link ErrorCode#CLIENT_CLOSED}. Idempotent.
     */
    @Override
    public void close()
    {
        channel.close(session == null ? null : (MutableDirectBuffer buffer, long correlationId) ->
            MessageHeader.write(buffer, 0, MessageType.GOODBYE, MessageHeader.LENGTH, correlationId, sessionId()));
    }
}
