package io.kvpool.client.internal;

import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.transport.TransferBatch;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;

/**
 * The CRC32C of a put's sources, computed by helper threads while the caller copies the same bytes into the pool.
 * A pass of CRC32C over memory runs at about the speed of a copy, so a put that checksummed every source before its
 * copy took about twice a copy; with the checksums beside the copy it takes about one.
 * <p>
 * A job cuts the sources into pieces of at most {@link #PIECE_BYTES}. Helpers claim pieces in order from the first;
 * the caller, before it copies a slice of the put, claims the slice's pieces no helper has taken ({@link
 * Job#computeUpTo}), so that it copies them from its cache, and after its copy waits for those in a helper's hands;
 * the pieces of a block are folded into its CRC with {@link Checksums#crc32cCombine}. (A put over the network, on a
 * host with cores to spare, sends at once and claims nothing before: its bytes need no CRC, only its commit does, so
 * the helpers work beside the send and the caller finishes what they have not, {@link Job#finishUpTo}.) The caller
 * never depends on a helper: with every helper late or busy elsewhere it computes each piece itself, as a pool with
 * no helpers does. Small puts, and sources no other thread may read (memory of a confined arena), are the caller's
 * alone.
 * <p>
 * Thread-safe: one instance serves every put of a pool; each job belongs to one put.
 */
public final class SourceChecksums implements AutoCloseable
{
    /** The most one piece holds: small enough that helpers share a 2 MiB block, large enough to cost nothing. */
    public static final long PIECE_BYTES = 256 * 1024;
    /** Puts smaller than this are checksummed by the caller alone: a helper's wake-up costs more than it saves. */
    public static final long PARALLEL_MIN_BYTES = 256 * 1024;
    /** A thread that owns no confined arena: a source it may not read is confined to the caller. */
    private static final Thread NO_OWNER = Thread.ofVirtual().unstarted(() -> { });

    private final ExecutorService helpers;
    private final int helperCount;

    /**
     * @param helperCount threads that checksum beside the caller's copy; 0 for none (the caller checksums each
     *                    slice before copying it).
     */
    public SourceChecksums(final int helperCount)
    {
        if (helperCount < 0)
        {
            throw new IllegalArgumentException("helperCount=" + helperCount + " must be 0 or more");
        }
        this.helperCount = helperCount;
        this.helpers = helperCount == 0 ? null : Executors.newFixedThreadPool(helperCount, Thread.ofPlatform()
            .daemon(true).name("kvpool-checksum-", 0).factory());
    }

    /**
     * Starts checksumming a put's sources on the helpers, when that pays.
     *
     * @param sources the put's sources, whole.
     * @return the job, or {@code null} where the caller should checksum alone.
     */
    public Job start(final MemorySegment[] sources)
    {
        if (helpers == null || !parallelizable(sources.length, i -> sources[i], i -> sources[i].byteSize()))
        {
            return null;
        }
        final Job job = new Job(sources);
        lend(job::help, job.pieces - 1);
        return job;
    }

    /**
     * @return whether helpers could share work on these transfers: there are helpers, the transfers' bytes reach
     *         {@link #PARALLEL_MIN_BYTES}, and every source may be read by other threads.
     */
    public boolean shareable(final TransferBatch transfers)
    {
        return helpers != null && parallelizable(transfers.size(), transfers::segment, transfers::length);
    }

    /**
     * Hands a task to up to {@code wanted} helpers (each runs it once); none where there are no helpers or they
     * are closed. The task must leave the work it does not get to for the caller.
     */
    public void lend(final Runnable task, final int wanted)
    {
        if (helpers == null)
        {
            return;
        }
        try
        {
            for (int h = 0; h < Math.min(helperCount, wanted); h++)
            {
                helpers.execute(task);
            }
        }
        catch (final RejectedExecutionException ex)
        {
            // Closed pool: the caller does what no helper took.
        }
    }

    /**
     * @param count   sources.
     * @param segment each source's memory (or memory holding it).
     * @param bytes   each source's bytes.
     * @return whether every source may be read by other threads and they reach {@link #PARALLEL_MIN_BYTES}.
     */
    private static boolean parallelizable(
        final int count, final IntFunction<MemorySegment> segment, final IntToLongFunction bytes)
    {
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            if (!segment.apply(i).isAccessibleBy(NO_OWNER))
            {
                return false;
            }
            total += bytes.applyAsLong(i);
        }
        return total >= PARALLEL_MIN_BYTES;
    }

    @Override
    public void close()
    {
        if (helpers != null)
        {
            helpers.shutdownNow();
        }
    }

    /**
     * One put's checksums. The caller calls {@link #finishUpTo} after copying sources (or {@link #finish()} after
     * the last), then reads their {@link #checksum(int)}; on any path out of the put it calls {@link #close()}, which
     * returns only once no helper reads the sources.
     */
    public static final class Job implements AutoCloseable
    {
        private static final int NEXT = 0;
        private static final int DONE = 16;

        private final MemorySegment[] sources;
        private final int pieces;
        private final int[] pieceEntry;
        /** Per source, its first piece. */
        private final int[] firstPiece;
        private final long[] pieceOffset;
        private final int[] pieceCrc;
        private final boolean[] pieceFailed;
        /** Per piece, 1 once its CRC (or its failure) is written: set with release, read with acquire. */
        private final AtomicIntegerArray pieceDone;
        private final int[] entryCrc;
        /** The pieces folded into their entries' CRCs so far (the caller's). */
        private int folded;
        /**
         * The next piece to claim (at {@link #NEXT}) and the pieces finished (at {@link #DONE}): every claimer
         * bumps the first and every finisher the second, on different threads, so they sit on cache lines of
         * their own (64 bytes apart).
         */
        private final AtomicIntegerArray counters = new AtomicIntegerArray(DONE + 16);

        Job(final MemorySegment[] sources)
        {
            this.sources = sources;
            int count = 0;
            for (final MemorySegment source : sources)
            {
                count += piecesOf(source.byteSize());
            }
            this.pieces = count;
            this.pieceEntry = new int[count];
            this.pieceOffset = new long[count];
            this.pieceCrc = new int[count];
            this.pieceFailed = new boolean[count];
            this.pieceDone = new AtomicIntegerArray(count);
            this.entryCrc = new int[sources.length];
            this.firstPiece = new int[sources.length];
            int p = 0;
            for (int t = 0; t < sources.length; t++)
            {
                firstPiece[t] = p;
                for (int k = 0; k < piecesOf(sources[t].byteSize()); k++, p++)
                {
                    pieceEntry[p] = t;
                    pieceOffset[p] = k * PIECE_BYTES;
                }
            }
        }

        private static int piecesOf(final long length)
        {
            return Math.max(1, (int)((length + PIECE_BYTES - 1) / PIECE_BYTES));
        }

        /** A helper's loop: claims pieces until none is left. */
        void help()
        {
            int p;
            while ((p = counters.getAndIncrement(NEXT)) < pieces)
            {
                try
                {
                    pieceCrc[p] = crcOf(p);
                }
                catch (final RuntimeException ex)
                {
                    // The source went away under the helper (or may not be read here): the caller computes it.
                    pieceFailed[p] = true;
                }
                finally
                {
                    pieceDone.setRelease(p, 1);
                    counters.incrementAndGet(DONE);
                }
            }
        }

        /**
         * The caller's part before it copies the sources up to {@code end}: computes each of their pieces no
         * helper has claimed.
         *
         * @param end the source after the last one the caller is about to copy.
         */
        public void computeUpTo(final int end)
        {
            final int limit = end < firstPiece.length ? firstPiece[end] : pieces;
            int p;
            while ((p = counters.get(NEXT)) < limit)
            {
                if (counters.compareAndSet(NEXT, p, p + 1))
                {
                    try
                    {
                        pieceCrc[p] = crcOf(p);
                    }
                    finally
                    {
                        // Counted even when it throws (a source freed under the put): close() must not wait for it.
                        pieceDone.setRelease(p, 1);
                        counters.incrementAndGet(DONE);
                    }
                }
            }
        }

        /**
         * The caller's part after its copy: computes the pieces no helper claimed, waits for those claimed, and
         * folds each source's pieces into its CRC.
         */
        public void finish()
        {
            finishUpTo(firstPiece.length);
        }

        /**
         * {@link #finish()} for the sources up to {@code end}: a put that commits in runs checksums each run's
         * sources when it has copied them.
         *
         * @param end the source after the last one whose CRC32C is wanted now.
         */
        public void finishUpTo(final int end)
        {
            computeUpTo(end);
            final int limit = end < firstPiece.length ? firstPiece[end] : pieces;
            for (int q = folded; q < limit; q++)
            {
                // At most one piece per helper is in flight: a quarter megabyte's CRC, some tens of microseconds.
                while (pieceDone.getAcquire(q) == 0)
                {
                    Thread.onSpinWait();
                    Thread.yield();
                }
                if (pieceFailed[q])
                {
                    pieceCrc[q] = crcOf(q);
                }
                final int entry = pieceEntry[q];
                entryCrc[entry] = pieceOffset[q] == 0 ? pieceCrc[q] :
                    Checksums.crc32cCombine(entryCrc[entry], pieceCrc[q], pieceLength(q));
            }
            folded = Math.max(folded, limit);
        }

        /**
         * @param entry a source of the job.
         * @return its CRC32C, once {@link #finishUpTo} past it (or {@link #finish()}) returned.
         */
        public int checksum(final int entry)
        {
            return entryCrc[entry];
        }

        /**
         * Stops the helpers from claiming more and waits for the pieces they hold: after this, no helper reads the
         * caller's sources (which the caller may then free).
         */
        @Override
        public void close()
        {
            awaitDone(Math.min(counters.getAndSet(NEXT, pieces), pieces));
        }

        private void awaitDone(final int claimed)
        {
            // At most one piece per helper is in flight: a quarter megabyte's CRC, some tens of microseconds.
            while (counters.get(DONE) < claimed)
            {
                Thread.onSpinWait();
                Thread.yield();
            }
        }

        private int crcOf(final int piece)
        {
            final MemorySegment source = sources[pieceEntry[piece]];
            return Checksums.crc32c(source.asSlice(pieceOffset[piece], pieceLength(piece)));
        }

        private long pieceLength(final int piece)
        {
            return Math.min(PIECE_BYTES, sources[pieceEntry[piece]].byteSize() - pieceOffset[piece]);
        }
    }
}
