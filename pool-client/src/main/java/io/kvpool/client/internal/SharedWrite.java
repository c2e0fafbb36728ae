package io.kvpool.client.internal;

import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransferBatch;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A slice of a mapped put written by the putting thread and the checksum helpers together. Each thread claims whole
 * blocks in order and writes each a piece ({@link SourceChecksums#PIECE_BYTES}) at a time, through the transport's
 * {@link BlockTransport#writeChecksummed}: the mapped transport checksums each piece as it stores it, a few
 * kilobytes at a time. So every source byte is read from memory once, and the copy and the checksums are spread over
 * every thread that helps.
 * <p>
 * Measured on a 2-core VM, 32 blocks of 2 MiB out of a put's path (one thread copying while a helper checksummed
 * the same sources ahead, as puts did before): 0.68-0.74x of a plain copy; two threads each checksumming and copying
 * their own blocks piece by piece: 1.07-1.12x (bench/RESULTS-shapes.txt, session 19).
 * <p>
 * A block's pieces are written by the one thread that claimed it, in order, each under the write protocol of its
 * own store (a store into a block whose reservation lapsed is refused, and so is every later piece). The caller
 * never depends on a helper: it claims blocks until none is left, then waits only for the blocks helpers hold; a
 * block a helper could not write (its source freed, its store failing) is written again by the caller, whose
 * failure then stands. When {@link #write} returns, or throws, no helper touches the sources any more.
 */
public final class SharedWrite
{
    /**
     * The least a slice holds for helpers to share it on a host without cores to spare; a smaller one is written by
     * the caller alone, piece by piece all the same. Measured on a 2-core VM, 32 x 64 KiB mapped puts (runs of
     * 512 KiB): shared, 0.21-0.27x of a copy; the caller alone, 0.22-0.33x (the helper's wake-up, four times a put,
     * and the manager want the other core).
     */
    public static final long SHARE_MIN_BYTES = 1L << 20;

    private final BlockTransport transport;
    private final TransferBatch transfers;
    private final int[] checksums;
    private final boolean[] failed;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    private final Runnable between;

    private SharedWrite(
        final BlockTransport transport, final TransferBatch transfers, final int[] checksums, final Runnable between)
    {
        this.between = between;
        this.transport = transport;
        this.transfers = transfers;
        this.checksums = checksums;
        this.failed = new boolean[transfers.size()];
    }

    /**
     * Writes every transfer, sharing the blocks with up to {@code helpers}' threads (none where they cannot read
     * the sources, {@link SourceChecksums#shareable}, nor for slices under {@code shareMinBytes}).
     *
     * @param transport where the blocks are stored (a mapped region's: stores need no request of their own).
     * @param transfers the blocks; each one's status is set.
     * @param helpers   the pool's helper threads.
     * @param checksums filled with each transfer's CRC32C (of its {@code length} bytes).
     * @param between   what the caller does before each piece it stores and while it waits for the helpers (the
     *                  put renews its reservations there when the lease asks).
     * @param shareMinBytes the least the transfers hold for the helpers to share them ({@link #SHARE_MIN_BYTES} on
     *                      hosts without cores to spare).
     */
    public static void write(
        final BlockTransport transport, final TransferBatch transfers, final SourceChecksums helpers,
        final int[] checksums, final Runnable between, final long shareMinBytes)
    {
        final SharedWrite job = new SharedWrite(transport, transfers, checksums, between);
        if (transfers.size() > 1 && helpers.shareable(transfers) && bytesOf(transfers) >= shareMinBytes)
        {
            helpers.lend(job::help, transfers.size() - 1);
        }
        try
        {
            job.claimUntilNoneLeft(true);
        }
        catch (final RuntimeException | Error ex)
        {
            job.close(false); // the put has failed: nothing of the caller's runs meanwhile
            throw ex;
        }
        final RuntimeException late = job.close(true);
        if (late != null)
        {
            throw late;
        }
        TransferBatch piece = null; // made only for a block a helper failed on: this runs after every shared run
        for (int t = 0; t < transfers.size(); t++)
        {
            if (job.failed[t])
            {
                piece = piece == null ? new TransferBatch(1) : piece;
                writeBlock(transport, transfers, t, checksums, between, piece);
            }
        }
    }

    private static long bytesOf(final TransferBatch transfers)
    {
        long b = 0;
        for (int t = 0; t < transfers.size(); t++)
        {
            b += transfers.length(t);
        }
        return b;
    }

    /** A helper's part: claims blocks until none is left; a block it cannot write is left to the caller. */
    private void help()
    {
        claimUntilNoneLeft(false);
    }

    private void claimUntilNoneLeft(final boolean caller)
    {
        final TransferBatch piece = new TransferBatch(1);
        int t;
        while ((t = next.getAndIncrement()) < transfers.size())
        {
            try
            {
                writeBlock(transport, transfers, t, checksums, caller ? between : null, piece);
            }
            catch (final RuntimeException | Error ex)
            {
                if (caller)
                {
                    throw ex;
                }
                failed[t] = true; // whatever it was, the block's bytes and checksum are not to be trusted
            }
            finally
            {
                done.incrementAndGet(); // publishes the block's status, checksum and failure to the caller
            }
        }
    }

    /**
     * Stops further claims and waits for the blocks helpers hold (a piece or a few: microseconds).
     *
     * @param runBetween whether to run the caller's {@code between} meanwhile (until it fails).
     * @return what {@code between} threw, for the caller to throw once no helper holds a block; else null.
     */
    private RuntimeException close(final boolean runBetween)
    {
        final int claimed = Math.min(next.getAndSet(transfers.size()), transfers.size());
        RuntimeException failure = null;
        while (done.get() < claimed)
        {
            if (runBetween && failure == null)
            {
                try
                {
                    between.run();
                }
                catch (final RuntimeException ex)
                {
                    failure = ex;
                }
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        return failure;
    }

    /**
     * Checksums and stores one transfer piece by piece; sets its status (that of its first piece not stored, else
     * its last) and its CRC32C.
     *
     * @param between run before each piece; {@code null} on a helper.
     * @param piece   the calling thread's batch of one, reused for each piece.
     */
    private static void writeBlock(
        final BlockTransport transport, final TransferBatch transfers, final int t, final int[] checksums,
        final Runnable between, final TransferBatch piece)
    {
        final MemorySegment source = transfers.segment(t);
        final int length = transfers.length(t);
        int crc = 0;
        long offset = 0;
        do
        {
            if (between != null)
            {
                between.run();
            }
            final long bytes = Math.min(SourceChecksums.PIECE_BYTES, length - offset);
            piece.clear().add(transfers.blockIndex(t), transfers.generation(t), transfers.regionOffset(t) + offset,
                (int)bytes, source.asSlice(offset, bytes));
            transport.writeChecksummed(piece).join();
            crc = offset == 0 ? piece.checksum(0) : Checksums.crc32cCombine(crc, piece.checksum(0), bytes);
            transfers.status(t, piece.status(0));
            offset += bytes;
        }
        while (offset < length && transfers.status(t) == Status.OK);
        checksums[t] = crc;
    }
}
