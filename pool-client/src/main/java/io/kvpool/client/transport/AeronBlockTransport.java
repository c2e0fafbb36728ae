package io.kvpool.client.transport;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.exceptions.AeronException;
import io.aeron.logbuffer.Header;
import io.kvpool.client.internal.EmbeddedDrivers;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.KeyedReads;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.protocol.wire.DataDecoder;
import io.kvpool.protocol.wire.DataEncoder;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.protocol.wire.Streams;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * The fallback data path: block bytes over Aeron (UDP between hosts, IPC on one) to and from the manager's data
 * agent, in chunks of one datagram (about 60 KiB), for hosts that can neither map the region nor use RDMA. Reads
 * are validated by the manager (sealed with the entry's generation before and after it sent the bytes); writes land
 * only in reserved blocks. Gets of keys whose locations the client does not know go as one DATA_READ_KEYS
 * ({@link KeyedReads}): the data agent looks them up itself. A peer that goes silent fails the transfer with
 * TRANSPORT_FAILED after the timeout; the next transfer reconnects. Thread-safe: transfers are serialized, in the
 * order their threads asked (a fair lock: with a monitor, a thread that asked again at once took the transport
 * back before a woken waiter could, and four threads of 32 x 2 MiB gets waited up to 0.7 s at p99 for ~40 ms
 * transfers).
 */
public final class AeronBlockTransport implements BlockTransport, KeyedReads
{
    static final int DATA_STREAM_ID = Streams.DATA_STREAM_ID;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);

    private final TransportContext context;
    private final SecureRandom random = new SecureRandom();
    private final ExpandableArrayBuffer request = new ExpandableArrayBuffer(64 * 1024);
    private final UnsafeBuffer chunkView = new UnsafeBuffer(0, 0);
    private final IdleStrategy idle;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment, 1 << 20);
    private EmbeddedDrivers.Lease driver;
    private Aeron aeron;
    private ExclusivePublication publication;
    private Subscription subscription;
    private long openSessionId;
    private long correlationId = 1;
    private long awaited;
    private TransferBatch reading;
    private BlockBatch locating; // the keys of a DATA_READ_KEYS in flight, filled from its DATA_KEYS_DONE
    private TransferBatch inFlight;
    /** A write begun in steps ({@link #beginWriteInSteps}) whose chunks or end are not all offered yet. */
    private final WriteCursor sending = new WriteCursor();
    private long sendDeadlineNs;
    private long deadlineNs;
    private boolean done;
    private int[] statuses = new int[TransferBatch.MAX_ENTRIES];
    private boolean closed;
    /** Where puts send their bytes over TCP ({@link TcpWrites}), or {@code null}: over Aeron. */
    private final TcpWrites tcpWrites;

    /**
     * @param tcp whether puts may go over TCP where the manager takes them so (false for a lane of
     *            {@link AeronLanesTransport}, which writes over TCP itself).
     */
    AeronBlockTransport(final TransportContext context, final boolean tcp)
    {
        this.context = context;
        this.idle = context.aeronIdle().strategy(50_000);
        this.tcpWrites = tcp && context.tcpPutsOn(1) ? new TcpWrites(context, 1) : null;
    }

    @Override
    public String name()
    {
        return "aeron";
    }

    @Override
    public CompletableFuture<TransferBatch> read(final TransferBatch batch)
    {
        lock.lock();
        try
        {
            if (beginRead(batch))
            {
                awaitTransfer();
            }
            return CompletableFuture.completedFuture(batch);
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public void readKeys(final BlockBatch batch, final MemorySegment[] destinations)
    {
        final TransferBatch transfers = new TransferBatch(batch.size());
        for (int i = 0; i < batch.size(); i++)
        {
            // The capacity bounds what a chunk may write (checked as for any read); the block is the far side's.
            transfers.add(-1, 0, 0, (int)Math.min(destinations[i].byteSize(), Integer.MAX_VALUE), destinations[i]);
        }
        lock.lock();
        try
        {
            if (begin(transfers, true, id ->
            {
                locating = batch; // from here: the DATA_DONE of a (re)connection's DATA_OPEN is behind
                final int length = DataEncoder.encodeReadKeysHeader(request, id, openSessionId, batch.size());
                for (int i = 0; i < batch.size(); i++)
                {
                    DataEncoder.putReadKey(request, i, batch.keyArray(), i * BlockBatch.KEY_BYTES,
                        transfers.length(i));
                }
                send(request, length);
            }))
            {
                awaitTransfer();
            }
        }
        finally
        {
            locating = null;
            lock.unlock();
        }
        for (int i = 0; i < batch.size(); i++)
        {
            if (transfers.status(i) != Status.OK)
            {
                batch.status(i, transfers.status(i)); // the exchange failed: its DATA_KEYS_DONE never came
            }
        }
    }

    @Override
    public CompletableFuture<TransferBatch> write(final TransferBatch batch)
    {
        lock.lock();
        try
        {
            ensureOpen();
            if (tcpWrites != null && tcpWrites.write(batch))
            {
                return CompletableFuture.completedFuture(batch);
            }
            if (beginWriteInSteps(batch))
            {
                idle.reset();
                while (sending.active())
                {
                    idle.idle(sendSome());
                }
                if (inFlight != null)
                {
                    awaitTransfer();
                }
            }
            return CompletableFuture.completedFuture(batch);
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Sends a read request; the caller then calls {@link #pollTransfer()} until {@link #inFlight()} is false (the
     * statuses are then in {@code batch}). For {@link AeronLanesTransport}, which keeps one transfer in flight on
     * each of its lanes; the caller holds this transport's lock or is the only one using it.
     *
     * @return whether a transfer is in flight (false: empty batch, or already failed with TRANSPORT_FAILED).
     */
    boolean beginRead(final TransferBatch batch)
    {
        return begin(batch, true, id ->
        {
            final int length = DataEncoder.encodeReadHeader(request, id, openSessionId, batch.size());
            for (int i = 0; i < batch.size(); i++)
            {
                DataEncoder.putReadEntry(request, i, batch.blockIndex(i), batch.generation(i),
                    batch.regionOffset(i), batch.length(i));
            }
            send(request, length);
        });
    }

    /**
     * Begins a write whose chunks go out as the publication takes them: the caller calls {@link #sendSome} while
     * {@link #sending}, then {@link #pollTransfer} until {@link #inFlight()} is false. {@link AeronLanesTransport}
     * so keeps every lane's window filled at once, rather than one lane's after another.
     *
     * @return as {@link #beginRead}.
     */
    boolean beginWriteInSteps(final TransferBatch batch)
    {
        return begin(batch, false, id ->
        {
            sending.start(batch, id);
            sendDeadlineNs = System.nanoTime() + TIMEOUT_NS;
        });
    }

    /**
     * @return whether a write begun in steps has chunks (or its end) not yet offered.
     */
    boolean sending()
    {
        return sending.active();
    }

    /**
     * Offers the next chunks of the write begun in steps, and its end after the last, until the publication pushes
     * back; the reply's timeout then runs from the end. A publication that takes nothing for the transfer timeout, or
     * a closed one, fails the transfer (TRANSPORT_FAILED) as {@link #pollTransfer} would.
     *
     * @return messages offered (for the caller's idle strategy).
     */
    int sendSome()
    {
        int offered = 0;
        try
        {
            while (sending.active())
            {
                final long result;
                if (sending.hasChunk())
                {
                    final int length = sending.encodeChunk(request, openSessionId);
                    result = publication.offer(request, 0, DataEncoder.WRITE_HEADER_LENGTH, sending.payload(length),
                        0, length);
                    if (result >= 0)
                    {
                        sending.advance(length);
                    }
                }
                else
                {
                    result = publication.offer(request, 0,
                        DataEncoder.encodeWriteEnd(request, sending.id(), openSessionId, sending.entries()));
                    if (result >= 0)
                    {
                        expect(sending.id());
                        sending.clear();
                    }
                }
                if (result < 0)
                {
                    failIfDead(result, sendDeadlineNs);
                    subscription.poll(assembler, 4);
                    return offered;
                }
                sendDeadlineNs = System.nanoTime() + TIMEOUT_NS;
                offered++;
            }
            return offered;
        }
        catch (final TransferFailed ex)
        {
            final TransferBatch failed = inFlight;
            fail();
            failed.statusAll(Status.TRANSPORT_FAILED);
            return offered;
        }
    }

    /**
     * Starts one request/response exchange for a batch: connects if needed and sends the request under a fresh
     * correlation id. A lost peer fails the whole batch (TRANSPORT_FAILED) and drops the connection so that the
     * next call starts afresh.
     */
    private boolean begin(final TransferBatch batch, final boolean read, final LongConsumer sendRequest)
    {
        ensureOpen();
        if (batch.size() == 0)
        {
            return false;
        }
        try
        {
            connect();
            final long id = correlationId++;
            inFlight = batch;
            reading = read ? batch : null;
            sendRequest.accept(id);
            // The timeout runs from the request's end: a long write's sending does not count against it.
            expect(id);
            return true;
        }
        catch (final TransferFailed ex)
        {
            fail();
            batch.statusAll(Status.TRANSPORT_FAILED);
            return false;
        }
    }

    /**
     * Polls the transfer in flight once: copies arrived chunks and, once its DATA_DONE is in, sets the batch's
     * statuses and ends it. A peer silent past the timeout fails it with TRANSPORT_FAILED.
     *
     * @return fragments polled (for the caller's idle strategy).
     */
    int pollTransfer()
    {
        try
        {
            final int fragments = pollReply();
            if (done)
            {
                for (int i = 0; i < inFlight.size(); i++)
                {
                    inFlight.status(i, statuses[i]);
                }
                inFlight = null;
                reading = null;
            }
            return fragments;
        }
        catch (final TransferFailed ex)
        {
            final TransferBatch failed = inFlight;
            fail();
            failed.statusAll(Status.TRANSPORT_FAILED);
            return 0;
        }
    }

    /**
     * @return whether a transfer begun by {@link #beginRead} or {@link #beginWriteInSteps} has not ended yet.
     */
    boolean inFlight()
    {
        return inFlight != null;
    }

    private void awaitTransfer()
    {
        idle.reset();
        while (inFlight != null)
        {
            idle.idle(pollTransfer());
        }
    }

    private void fail()
    {
        inFlight = null;
        reading = null;
        sending.clear();
        disconnect();
    }

    private void send(final DirectBuffer buffer, final int length)
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        idle.reset();
        long result;
        while ((result = publication.offer(buffer, 0, length)) < 0)
        {
            failIfDead(result, deadlineNs);
            idle.idle();
        }
    }

    private void failIfDead(final long result, final long deadlineNs)
    {
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED ||
            System.nanoTime() - deadlineNs > 0 || aeron.isClosed())
        {
            throw new TransferFailed();
        }
    }

    private void expect(final long id)
    {
        awaited = id;
        done = false;
        deadlineNs = System.nanoTime() + TIMEOUT_NS;
    }

    /**
     * Polls for the awaited reply once; fragments push the deadline out.
     *
     * @throws TransferFailed when the peer has been silent past the timeout or Aeron is closed.
     */
    private int pollReply()
    {
        final int fragments = subscription.poll(assembler, 16);
        if (fragments > 0)
        {
            deadlineNs = System.nanoTime() + TIMEOUT_NS;
        }
        else if (System.nanoTime() - deadlineNs > 0 || aeron.isClosed())
        {
            throw new TransferFailed();
        }
        return fragments;
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header h)
    {
        if (length < MessageHeader.LENGTH || MessageHeader.correlationId(buffer, offset) != awaited)
        {
            return;
        }
        final int template = MessageHeader.templateId(buffer, offset);
        if (template == MessageType.DATA_CHUNK && reading != null && length >= DataEncoder.CHUNK_HEADER_LENGTH)
        {
            final int entry = DataDecoder.chunkEntry(buffer, offset);
            final int bytes = DataDecoder.chunkLength(buffer, offset);
            final long at = DataDecoder.chunkEntryOffset(buffer, offset);
            if (entry >= 0 && entry < reading.size() && bytes == length - DataEncoder.CHUNK_HEADER_LENGTH &&
                at >= 0 && at + bytes <= reading.length(entry))
            {
                final MemorySegment destination = reading.segment(entry);
                final int from = offset + DataEncoder.CHUNK_HEADER_LENGTH;
                if (destination.isNative())
                {
                    // Term buffer (or reassembly buffer) -> caller memory, one copy.
                    chunkView.wrap(destination.address() + at, bytes);
                    chunkView.putBytes(0, buffer, from, bytes);
                }
                else
                {
                    final byte[] copy = new byte[bytes];
                    buffer.getBytes(from, copy);
                    MemorySegment.copy(copy, 0, destination, ValueLayout.JAVA_BYTE, at, bytes);
                }
            }
        }
        else if (template == MessageType.DATA_KEYS_DONE && locating != null)
        {
            onKeysDone(buffer, offset, length);
        }
        else if (template == MessageType.DATA_DONE && locating == null)
        {
            final int count = DataDecoder.doneCount(buffer, offset, length);
            for (int i = 0; i < Math.max(count, 0); i++)
            {
                statuses[i] = DataDecoder.doneStatus(buffer, offset, i);
            }
            done = count >= 0;
        }
    }

    /**
     * A DATA_KEYS_DONE: per key its status and location. A count that is not the request's is ignored (the read
     * then times out, TRANSPORT_FAILED); a length beyond the key's destination is refused (INVALID_LENGTH) rather
     * than believed.
     */
    private void onKeysDone(final DirectBuffer buffer, final int offset, final int length)
    {
        final int count = DataDecoder.keysDoneCount(buffer, offset, length);
        if (count != locating.size())
        {
            return;
        }
        for (int i = 0; i < count; i++)
        {
            final int bytes = DataDecoder.keysDoneLength(buffer, offset, i);
            int status = DataDecoder.keysDoneStatus(buffer, offset, i);
            if (status == Status.OK && (bytes < 0 || bytes > reading.length(i)))
            {
                status = Status.INVALID_LENGTH;
            }
            statuses[i] = status;
            locating.status(i, status);
            locating.blockIndex(i, DataDecoder.keysDoneBlockIndex(buffer, offset, i));
            locating.generation(i, DataDecoder.keysDoneGeneration(buffer, offset, i));
            locating.offset(i, DataDecoder.keysDoneRegionOffset(buffer, offset, i));
            locating.length(i, status == Status.OK ? bytes : 0);
            locating.checksum(i, DataDecoder.keysDoneChecksum(buffer, offset, i));
        }
        done = true;
    }

    /**
     * (Re)opens Aeron, the publication to the manager's data stream, the response subscription, and the data
     * session (DATA_OPEN), when not connected or when the control session changed (manager restart).
     */
    private void connect()
    {
        final long sessionId = context.sessionId().getAsLong();
        if (aeron != null && !aeron.isClosed() && sessionId == openSessionId)
        {
            return;
        }
        if (aeron == null || aeron.isClosed())
        {
            disconnect();
            if (context.embeddedDriverDir() != null && driver == null)
            {
                driver = DataAeron.embeddedDriver(context);
            }
            try
            {
                aeron = DataAeron.connect(context, driver);
                publication = aeron.addExclusivePublication(DataAeron.publicationChannel(context), DATA_STREAM_ID);
            }
            catch (final AeronException ex)
            {
                // No driver (the manager's, over IPC, gone with it) or one that refuses: this transfer fails, and the
                // next one tries again.
                throw new TransferFailed();
            }
        }
        CloseHelper.quietClose(subscription);
        subscription = null;
        final DataAeron.Replies replies = DataAeron.subscribeReplies(aeron, context, random, TIMEOUT_NS);
        if (replies == null)
        {
            throw new TransferFailed();
        }
        subscription = replies.subscription();
        openSessionId = sessionId;
        final long id = correlationId++;
        expect(id);
        send(request, DataEncoder.encodeOpen(request, id, sessionId, replies.streamId(), replies.channel()));
        idle.reset();
        while (!done)
        {
            idle.idle(pollReply());
        }
    }

    private void disconnect()
    {
        CloseHelper.quietCloseAll(publication, subscription, aeron);
        publication = null;
        subscription = null;
        aeron = null;
        openSessionId = 0;
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the aeron transport is closed");
        }
    }

    @Override
    public void close()
    {
        lock.lock();
        try
        {
            if (!closed)
            {
                closed = true;
                CloseHelper.quietClose(tcpWrites);
                disconnect();
                CloseHelper.quietClose(driver);
            }
        }
        finally
        {
            lock.unlock();
        }
    }

    /** A transfer that could not complete: peer gone, timeout, closed publication. */
    private static final class TransferFailed extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        TransferFailed()
        {
            super(null, null, false, false);
        }
    }
}
