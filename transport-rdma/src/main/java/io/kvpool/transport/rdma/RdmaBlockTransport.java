package io.kvpool.transport.rdma;

import io.kvpool.protocol.BlockProtocol;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.transport.rdma.internal.QueuePair;
import io.kvpool.transport.rdma.internal.RdmaDevice;
import io.kvpool.transport.rdma.internal.Verbs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one-sided RDMA data path of a client: RDMA READ for gets, RDMA WRITE for puts, straight between the client's
 * memory and the manager's registered region, the manager's CPU not involved. A read of a block is a chain of three
 * READs on one reliable-connected queue pair, executed in order: the block's table words (stamp to writer intent),
 * the bytes, the table words again; the copy is good only if both stamps are SEALED with the expected generation and
 * no writer intent is held after ({@link BlockProtocol}'s read protocol, across the wire). A write first reads the
 * stamp and writes only into a block reserved with the entry's generation.
 * Client memory is registered on first use and the registration kept (engines reuse their KV buffers).
 * <p>
 * A queue pair that fails (an error completion puts it in the ERROR state; a chain that does not complete in time
 * may still complete later) fails its batch with TRANSPORT_FAILED and is replaced before the next transfer: a new
 * queue pair, connected through the control plane again (the manager replaces the session's). Where the manager
 * cannot be reached, that transfer fails too and the next one tries again.
 * <p>
 * Thread-safe: transfers are serialized on the queue pair, in the order their threads asked (a fair lock, as the
 * Aeron transports').
 */
public final class RdmaBlockTransport implements BlockTransport
{
    /**
     * How long one chain of work requests may take before its batch fails (and the queue pair is replaced): 5 s,
     * or -Dkvpool.rdma.transferTimeoutMs (the rig's emulated fabric needs more).
     */
    private static final long TIMEOUT_NS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("kvpool.rdma.transferTimeoutMs",
        5_000));
    private static final System.Logger LOG = System.getLogger("io.kvpool.transport.rdma");
    private static final int MAX_REGISTRATIONS = 4096;
    /** The block entry's words up to and including the writer intent: what each table READ fetches. */
    private static final int STAMP_BYTES = BlockTableDescriptor.WRITER_INTENT_OFFSET + 4;

    private final RdmaDevice device;
    private final TransportContext context;
    private QueuePair qp;
    private RdmaEndpoint manager;
    private boolean broken;
    private final RegionGeometry geometry;
    private final long blockSizeBytes;
    private final MemorySegment stamps;
    private final MemorySegment stampsMr;
    private final Map<Long, MemorySegment> registrations = new LinkedHashMap<>();
    private final ReentrantLock lock = new ReentrantLock(true);
    private boolean closed;

    RdmaBlockTransport(final Verbs verbs, final TransportContext context)
    {
        this.device = new RdmaDevice(verbs, System.getenv("KVPOOL_RDMA_DEVICE"), 1, RdmaDevice.DEFAULT_GID_INDEX);
        this.context = context;
        try
        {
            this.geometry = context.session().geometry();
            this.blockSizeBytes = context.session().blockSizeBytes();
            this.stamps = Arena.ofAuto().allocate(2L * STAMP_BYTES * TransferBatch.MAX_ENTRIES, 64);
            this.stampsMr = device.register(stamps, Verbs.IBV_ACCESS_LOCAL_WRITE);
            connect();
        }
        catch (final RuntimeException ex)
        {
            device.close();
            throw ex;
        }
    }

    /**
     * A new queue pair, connected to the manager's through the control plane (which also tells the region's base
     * address and rkey, new if the manager restarted).
     */
    private void connect()
    {
        final QueuePair fresh = device.createQueuePair(QueuePair.MAX_CHAIN * 2);
        try
        {
            final RdmaEndpoint theirs = RdmaEndpoint.decode(context.rdmaConnect().apply(
                device.endpoint(fresh, 0, 0, 0).encode()));
            if (theirs == null)
            {
                throw new IllegalStateException("the manager's RDMA endpoint is malformed");
            }
            fresh.connect(theirs);
            qp = fresh;
            manager = theirs;
        }
        catch (final RuntimeException ex)
        {
            fresh.close();
            throw ex;
        }
    }

    /**
     * Replaces a failed queue pair.
     *
     * @return whether a working queue pair is in place.
     */
    private boolean ensureConnected()
    {
        if (!broken)
        {
            return true;
        }
        final QueuePair failed = qp;
        qp = null;
        if (failed != null)
        {
            failed.close();
        }
        try
        {
            connect();
            broken = false;
            return true;
        }
        catch (final RuntimeException ex)
        {
            // The manager is unreachable or refused: this transfer fails; the next one tries again.
            LOG.log(System.Logger.Level.WARNING, "could not replace the failed RDMA queue pair: " + ex.getMessage());
            return false;
        }
    }

    @Override
    public String name()
    {
        return "rdma";
    }

    @Override
    public CompletableFuture<TransferBatch> read(final TransferBatch batch)
    {
        return inTurn(batch, true);
    }

    /** A read or a write, once the threads that asked before this one have had theirs. */
    private CompletableFuture<TransferBatch> inTurn(final TransferBatch batch, final boolean read)
    {
        lock.lock();
        try
        {
            return read ? readLocked(batch) : writeLocked(batch);
        }
        finally
        {
            lock.unlock();
        }
    }

    private CompletableFuture<TransferBatch> readLocked(final TransferBatch batch)
    {
        ensureOpen();
        if (!ensureConnected())
        {
            batch.statusAll(Status.TRANSPORT_FAILED);
            return CompletableFuture.completedFuture(batch);
        }
        int first = 0;
        while (first < batch.size())
        {
            if (broken)
            {
                // An earlier chain of this batch failed: the queue pair is replaced before the next transfer.
                for (int i = first; i < batch.size(); i++)
                {
                    batch.status(i, inBlock(batch, i) ? Status.TRANSPORT_FAILED : Status.OUT_OF_RANGE);
                }
                break;
            }
            int end = first;
            while (end < batch.size() && qp.hasRoom(3))
            {
                if (inBlock(batch, end))
                {
                    final long stampAddress = manager.baseAddress() + geometry.blockEntryOffset(batch.blockIndex(end));
                    qp.add(Verbs.IBV_WR_RDMA_READ, stamp(end, 0), RdmaDevice.lkey(stampsMr), stampAddress,
                        manager.rkey());
                    final MemorySegment destination = batch.segment(end).asSlice(0, batch.length(end));
                    qp.add(Verbs.IBV_WR_RDMA_READ, destination, lkey(batch.segment(end)),
                        manager.baseAddress() + batch.regionOffset(end), manager.rkey());
                    qp.add(Verbs.IBV_WR_RDMA_READ, stamp(end, 1), RdmaDevice.lkey(stampsMr), stampAddress,
                        manager.rkey());
                }
                end++;
            }
            final boolean ok = qp.execute(TIMEOUT_NS);
            broken = !ok;
            for (int i = first; i < end; i++)
            {
                if (!inBlock(batch, i))
                {
                    batch.status(i, Status.OUT_OF_RANGE);
                    continue;
                }
                // The read protocol on the table words fetched before and after the bytes (same offsets as in the
                // region): SEALED with the generation both times, no writer intent after.
                final long stamp = BlockProtocol.beginRead(stamp(i, 0), 0, batch.generation(i));
                batch.status(i, !ok ? Status.TRANSPORT_FAILED :
                    BlockProtocol.endRead(stamp(i, 1), 0, stamp) ? Status.OK : Status.NOT_FOUND);
            }
            first = end;
        }
        return CompletableFuture.completedFuture(batch);
    }

    @Override
    public CompletableFuture<TransferBatch> write(final TransferBatch batch)
    {
        return inTurn(batch, false);
    }

    private CompletableFuture<TransferBatch> writeLocked(final TransferBatch batch)
    {
        ensureOpen();
        if (!ensureConnected())
        {
            batch.statusAll(Status.TRANSPORT_FAILED);
            return CompletableFuture.completedFuture(batch);
        }
        for (int i = 0; i < batch.size(); i++)
        {
            if (broken)
            {
                batch.status(i, Status.TRANSPORT_FAILED);
                continue;
            }
            if (!inBlock(batch, i))
            {
                batch.status(i, Status.OUT_OF_RANGE);
                continue;
            }
            qp.add(Verbs.IBV_WR_RDMA_READ, stamp(i, 0), RdmaDevice.lkey(stampsMr),
                manager.baseAddress() + geometry.blockEntryOffset(batch.blockIndex(i)), manager.rkey());
            if (!qp.execute(TIMEOUT_NS))
            {
                broken = true;
                batch.status(i, Status.TRANSPORT_FAILED);
                continue;
            }
            if (stamp(i, 0).get(ValueLayout.JAVA_LONG, 0) !=
                BlockTableDescriptor.stamp(batch.generation(i), BlockTableDescriptor.WRITING))
            {
                batch.status(i, Status.UNKNOWN_RESERVATION);
                continue;
            }
            qp.add(Verbs.IBV_WR_RDMA_WRITE, batch.segment(i).asSlice(0, batch.length(i)), lkey(batch.segment(i)),
                manager.baseAddress() + batch.regionOffset(i), manager.rkey());
            final boolean written = qp.execute(TIMEOUT_NS);
            broken |= !written;
            batch.status(i, written ? Status.OK : Status.TRANSPORT_FAILED);
        }
        return CompletableFuture.completedFuture(batch);
    }

    /**
     * @return whether the range lies in its block, computed from the session's geometry and block size.
     */
    private boolean inBlock(final TransferBatch batch, final int i)
    {
        final long block = batch.blockIndex(i);
        if (block < 0 || block >= geometry.blockTableEntries())
        {
            return false;
        }
        final long start = geometry.blockDataOffset(block, blockSizeBytes);
        return batch.regionOffset(i) >= start && batch.regionOffset(i) + batch.length(i) <= start + blockSizeBytes &&
            batch.regionOffset(i) + batch.length(i) <= manager.lengthBytes();
    }

    private MemorySegment stamp(final int entry, final int which)
    {
        return stamps.asSlice((2L * entry + which) * STAMP_BYTES, STAMP_BYTES);
    }

    /**
     * @return the local key of a client segment, registering it on first use.
     */
    private int lkey(final MemorySegment segment)
    {
        if (!segment.isNative())
        {
            throw new IllegalArgumentException("RDMA needs native memory; got a heap segment");
        }
        MemorySegment mr = registrations.get(segment.address());
        if (mr == null || RdmaDevice.registeredLength(mr) < segment.byteSize())
        {
            if (registrations.size() >= MAX_REGISTRATIONS)
            {
                registrations.values().forEach(device::deregister);
                registrations.clear();
            }
            mr = device.register(segment, Verbs.IBV_ACCESS_LOCAL_WRITE);
            registrations.put(segment.address(), mr);
        }
        return RdmaDevice.lkey(mr);
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the rdma transport is closed");
        }
    }

    @Override
    public void close()
    {
        lock.lock();
        try
        {
            closeLocked();
        }
        finally
        {
            lock.unlock();
        }
    }

    private void closeLocked()
    {
        if (!closed)
        {
            closed = true;
            registrations.values().forEach(device::deregister);
            registrations.clear();
            device.deregister(stampsMr);
            if (qp != null)
            {
                qp.close();
            }
            device.close();
        }
    }
}
