package io.kvpool.client.transport;

import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.protocol.wire.DataEncoder;
import org.agrona.CloseHelper;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Aeron data path over several lanes, for managers that serve more than one ({@code data-lanes}): one
 * {@link AeronBlockTransport} per lane, each to its own manager port through its own media driver (where the client
 * embeds them), and every transfer split across them so that each lane's driver threads carry a share of the bytes.
 * The batch's chunks (entries cut at {@link DataEncoder#CHUNK_BYTES}) are dealt out in contiguous, near-equal
 * spans, so a lane carries at most one part of any entry and a single 256 KiB block still uses every lane it can.
 * An entry is OK only when every part of it is; a lane that fails fails the entries it carried.
 * <p>
 * Each transfer starts dealing one lane further on than the one before it in this process, so that transfers with
 * fewer chunks than there are lanes (a 16 KiB block has one) spread over all of them instead of queueing on one.
 * (Dealing a transfer over only a share of the lanes when others are in flight, to save each lane's request, reply
 * and wake-ups, was slower: bench/RESULTS-remote.txt.) A write's chunks are offered lane after lane as each lane's
 * publication takes them, so every lane's window fills at once (offering one lane's whole span before the next
 * lane's first chunk kept 256 KiB puts at one lane's speed: bench/RESULTS-shapes.txt, session 17).
 * Thread-safe: transfers are serialized, in the order their threads asked (a fair lock, as
 * {@link AeronBlockTransport}'s); the lanes' requests of one transfer are in flight together.
 */
final class AeronLanesTransport implements BlockTransport
{
    /** Where the next transfer of this process starts dealing its chunks out (modulo its lanes). */
    private static final AtomicInteger NEXT_LANE = new AtomicInteger();

    private final AeronBlockTransport[] lanes;
    private final TransferBatch[] parts;
    private final int[][] partEntry;
    private final IdleStrategy idle;
    private final ReentrantLock lock = new ReentrantLock(true);
    /** Where puts send their bytes over TCP ({@link TcpWrites}), or {@code null}: over Aeron. */
    private final TcpWrites tcpWrites;

    /**
     * @param context the session's context; its manager endpoint is lane 0, and the session's data lane ports
     *                on the same host are the others, as many as {@link TransportContext#dataLanes()} allows.
     */
    AeronLanesTransport(final TransportContext context)
    {
        final List<Integer> ports = context.session().dataLanePorts();
        final String endpoint = context.managerEndpoint();
        final String host = endpoint.substring(0, endpoint.lastIndexOf(':'));
        lanes = new AeronBlockTransport[context.dataLanes()];
        parts = new TransferBatch[lanes.length];
        partEntry = new int[lanes.length][TransferBatch.MAX_ENTRIES];
        lanes[0] = new AeronBlockTransport(context, false);
        for (int k = 1; k < lanes.length; k++)
        {
            final Path driverDir = context.embeddedDriverDir();
            lanes[k] = new AeronBlockTransport(new TransportContext(context.session(), context.sessionId(),
                host + ":" + ports.get(k - 1), context.responseHost(), context.aeronDir(),
                driverDir == null ? null : driverDir.resolveSibling(driverDir.getFileName() + "-lane" + k),
                context.regionPath(), context.rdmaConnect(), context.aeronIdle(), context.maxDataLanes(),
                context.tcpPuts()), false);
        }
        for (int k = 0; k < lanes.length; k++)
        {
            parts[k] = new TransferBatch();
        }
        idle = context.aeronIdle().strategy(50_000);
        tcpWrites = context.tcpPutsOn(lanes.length) ? new TcpWrites(context, lanes.length) : null;
    }

    @Override
    public String name()
    {
        return "aeron";
    }

    @Override
    public CompletableFuture<TransferBatch> read(final TransferBatch batch)
    {
        return transfer(batch, true);
    }

    @Override
    public CompletableFuture<TransferBatch> write(final TransferBatch batch)
    {
        return transfer(batch, false);
    }

    private CompletableFuture<TransferBatch> transfer(final TransferBatch batch, final boolean read)
    {
        lock.lock();
        try
        {
            return transferLocked(batch, read);
        }
        finally
        {
            lock.unlock();
        }
    }

    private CompletableFuture<TransferBatch> transferLocked(final TransferBatch batch, final boolean read)
    {
        if (!read && tcpWrites != null && tcpWrites.write(batch))
        {
            return CompletableFuture.completedFuture(batch);
        }
        split(batch, parts, partEntry, Math.floorMod(NEXT_LANE.getAndIncrement(), lanes.length));
        for (int k = 0; k < lanes.length; k++)
        {
            if (parts[k].size() > 0)
            {
                if (read)
                {
                    lanes[k].beginRead(parts[k]);
                }
                else
                {
                    lanes[k].beginWriteInSteps(parts[k]);
                }
            }
        }
        idle.reset();
        boolean pending = true;
        while (pending)
        {
            pending = false;
            int work = 0;
            for (final AeronBlockTransport lane : lanes)
            {
                // A write's chunks go out lane by lane as each lane's window takes them: every lane busy at once.
                if (lane.sending())
                {
                    work += lane.sendSome();
                    pending |= lane.inFlight();
                }
                else if (lane.inFlight())
                {
                    work += lane.pollTransfer();
                    pending |= lane.inFlight();
                }
            }
            idle.idle(work);
        }
        merge(batch, parts, partEntry);
        return CompletableFuture.completedFuture(batch);
    }

    /**
     * Deals a batch's chunks out to the lanes, from lane {@code first} on (wrapping), in contiguous, near-equal
     * spans; a batch with fewer chunks than lanes gives one chunk to each lane from the first on.
     *
     * @param parts     one batch per lane, filled here (cleared first): ranges of the batch's entries.
     * @param partEntry per lane, the batch entry each part belongs to.
     * @param first     the lane that gets the first span.
     */
    static void split(final TransferBatch batch, final TransferBatch[] parts, final int[][] partEntry, final int first)
    {
        long total = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            total += chunks(batch.length(i));
        }
        for (final TransferBatch part : parts)
        {
            part.clear();
        }
        final long used = Math.max(1, Math.min(parts.length, total));
        long firstChunk = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final long chunks = chunks(batch.length(i));
            for (int n = 0; n < used; n++)
            {
                final long from = Math.max(firstChunk, total * n / used);
                final long to = Math.min(firstChunk + chunks, total * (n + 1) / used);
                if (from < to)
                {
                    final int k = (int)((first + n) % parts.length);
                    final long start = (from - firstChunk) * DataEncoder.CHUNK_BYTES;
                    final long end = Math.min(batch.length(i), (to - firstChunk) * DataEncoder.CHUNK_BYTES);
                    final int j = parts[k].add(batch.blockIndex(i), batch.generation(i), batch.regionOffset(i) + start,
                        (int)(end - start), batch.segment(i).asSlice(start, end - start));
                    partEntry[k][j] = i;
                }
            }
            firstChunk += chunks;
        }
    }

    /**
     * Sets each entry's status from its parts': OK when all are, else the first other status met.
     */
    static void merge(final TransferBatch batch, final TransferBatch[] parts, final int[][] partEntry)
    {
        batch.statusAll(Status.OK);
        for (int k = 0; k < parts.length; k++)
        {
            for (int j = 0; j < parts[k].size(); j++)
            {
                final int entry = partEntry[k][j];
                if (parts[k].status(j) != Status.OK && batch.status(entry) == Status.OK)
                {
                    batch.status(entry, parts[k].status(j));
                }
            }
        }
    }

    private static long chunks(final int length)
    {
        return (length + DataEncoder.CHUNK_BYTES - 1) / DataEncoder.CHUNK_BYTES;
    }

    @Override
    public void close()
    {
        lock.lock();
        try
        {
            CloseHelper.quietClose(tcpWrites);
            CloseHelper.quietCloseAll(lanes);
        }
        finally
        {
            lock.unlock();
        }
    }
}
