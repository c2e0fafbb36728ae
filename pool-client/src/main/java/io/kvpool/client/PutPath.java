package io.kvpool.client;

import io.kvpool.client.internal.LocationCache;
import io.kvpool.client.internal.SourceChecksums;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.TransferBatch;

import java.lang.foreign.MemorySegment;

/**
 * A namespace handle's puts: RESERVE, the bytes written under the reservations' leases ({@link LeasedWriter}),
 * COMMIT; a failure before the commit aborts what was reserved. A committed block's location is remembered in
 * the cache the handle gives (one that remembers nothing where the region's key directory finds the keys).
 * <p>
 * A mapped put of a batch goes in runs (up to {@link #MAX_RUNS}, each its own RESERVE and COMMIT), pipelined: every
 * run's RESERVE is sent at once, the first run is written as soon as its answer is in while the manager reserves
 * the next, and each run's COMMIT is sent as soon as it is written, the next run's copy hiding its round trip. Only
 * the first run's RESERVE (about a third of the keys) and the last run's COMMIT (a short run) are waited for. Each
 * block is checksummed as it is stored, a piece at a time, by the thread that stores it: the putting thread, and the
 * checksum helpers where a run is large enough to share ({@link LeasedWriter}). Each run is a put of its own to the
 * manager, so the guarantees are those of separate puts: a block is acknowledged only once its run's COMMIT is
 * answered, and a client that dies leaves only reservations, which lapse. A put that fails part way has committed its
 * earlier runs (their keys then answer ALREADY_EXISTS to a repeat) and aborted the rest.
 * <p>
 * Where the handle holds blocks granted ahead ({@link GrantStock}), a put needs no RESERVE: it copies into granted
 * blocks at once, run by run as above, and each run sends a keyed COMMIT naming each block's key (a key already
 * stored frees its block: ALREADY_EXISTS, as a RESERVE would have answered). Keys whose grant is refused at the
 * commit (lapsed, or lost with a restarted manager) are put again the usual way from the caller's sources before
 * the put returns — where the caller keeps them until then (a write-back put does not: those keys answer
 * LEASE_EXPIRED or UNKNOWN_RESERVATION).
 * <p>
 * Thread-safe (each call works on its own batches).
 */
final class PutPath
{
    /** The most runs one put is cut into. */
    static final int MAX_RUNS = 4;
    /**
     * The least a run of a mapped put holds: its copy must outlast a round trip for the next run's answer to be in
     * when it ends (a 256 KiB copy takes some tens of microseconds, a round trip about as long).
     */
    static final long MIN_RUN_BYTES = 256L << 10;

    private final ManagerClient control;
    private final LeasedWriter writer;
    private final RemotePath remote;
    private final LocationCache cache;
    private final GrantStock grants;

    PutPath(
        final ManagerClient control, final LeasedWriter writer, final RemotePath remote, final LocationCache cache,
        final GrantStock grants)
    {
        this.grants = grants;
        this.control = control;
        this.writer = writer;
        this.remote = remote;
        this.cache = cache;
    }

    /**
     * Reserves the keys, writes each reserved block's bytes and sends the commits (the caller checked the
     * arguments); {@link #finish} collects the commits' answers.
     *
     * @return the put, its bytes written (the caller may reuse its sources).
     */
    Started start(final BlockKeys keys, final MemorySegment[] sources)
    {
        return start(keys, sources, true, true);
    }

    /**
     * @param sourcesKept  whether the caller leaves its sources unchanged until {@link #finish} returns (a
     *                     synchronous put), so that keys whose grant was refused can be put again from them.
     * @param mayUseGrants whether the put may write into granted blocks.
     */
    Started start(
        final BlockKeys keys, final MemorySegment[] sources, final boolean sourcesKept, final boolean mayUseGrants)
    {
        final BlockBatch granted = mayUseGrants ? grants.take(keys) : null;
        final Run[] runs = cut(keys, sources, granted);
        final LeasedWriter.Leases leases = writer.leases();
        try
        {
            for (final Run run : runs)
            {
                run.reserve = run.granted ? null : control.reserveAsync(run.reserved);
                leases.expect(run.reserve, run.reserved);
            }
            try (SourceChecksums.Job sums = writer.startChecksums(sources))
            {
                for (int r = 0; r < runs.length; r++)
                {
                    leases.awaitReserved(r);
                    write(runs[r], sources, sums, leases);
                    runs[r].sendCommit(control);
                }
            }
        }
        catch (final RuntimeException ex)
        {
            for (final Run run : runs)
            {
                settleQuietly(run, ex);
            }
            throw ex;
        }
        return new Started(keys, runs, granted != null, sourcesKept ? sources : null);
    }

    /**
     * Waits for a started put's commits; keys whose grant its commit refused are put again the usual way.
     *
     * @return per key, its status and length.
     */
    BatchResult finish(final Started put)
    {
        final BatchResult result = finishRuns(put);
        if (!put.granted)
        {
            return result;
        }
        final int[] again = new int[put.keys.size()];
        int count = 0;
        for (int i = 0; i < put.keys.size(); i++)
        {
            if (result.status(i) == Status.LEASE_EXPIRED || result.status(i) == Status.UNKNOWN_RESERVATION)
            {
                again[count++] = i;
            }
        }
        if (count > 0)
        {
            grants.discard(); // the others are suspect too
        }
        if (count == 0 || put.sources == null)
        {
            return result;
        }
        final byte[][] keys = new byte[count][];
        final MemorySegment[] sources = new MemorySegment[count];
        for (int n = 0; n < count; n++)
        {
            keys[n] = put.keys.key(again[n]);
            sources[n] = put.sources[again[n]];
        }
        final BatchResult retried = finish(start(BlockKeys.of(keys), sources, true, false));
        final int[] statuses = new int[put.keys.size()];
        final int[] lengths = new int[put.keys.size()];
        for (int i = 0; i < put.keys.size(); i++)
        {
            statuses[i] = result.status(i);
            lengths[i] = result.length(i);
        }
        for (int n = 0; n < count; n++)
        {
            statuses[again[n]] = retried.status(n);
            lengths[again[n]] = retried.length(n);
        }
        return new BatchResult(statuses, lengths);
    }

    /**
     * Waits for a started put's commits.
     *
     * @return per key, its status and length.
     */
    private BatchResult finishRuns(final Started put)
    {
        final int[] statuses = new int[put.keys.size()];
        final int[] lengths = new int[put.keys.size()];
        RuntimeException failure = null;
        for (final Run run : put.runs)
        {
            if (failure == null)
            {
                try
                {
                    run.joinCommit();
                    run.record(put.keys, statuses, lengths, cache);
                }
                catch (final RuntimeException ex)
                {
                    failure = ex;
                }
            }
            else
            {
                run.joinCommitQuietly(failure);
            }
        }
        if (failure != null)
        {
            throw failure;
        }
        return new BatchResult(statuses, lengths);
    }

    /**
     * Commits blocks reserved and written elsewhere (the device path), as one run.
     *
     * @return per key, its status and length.
     */
    BatchResult commit(final BlockKeys keys, final BlockBatch reserved)
    {
        final Run run = new Run(0, reserved, false);
        run.sendCommit(control);
        return finish(new Started(keys, new Run[] {run}, false, null));
    }

    private void write(
        final Run run, final MemorySegment[] sources, final SourceChecksums.Job sums, final LeasedWriter.Leases leases)
    {
        final BlockBatch batch = run.reserved;
        final TransferBatch transfers = new TransferBatch(batch.size());
        for (int j = 0; j < batch.size(); j++)
        {
            if (batch.status(j) == Status.OK)
            {
                final MemorySegment source = sources[run.from + j];
                transfers.add(batch.blockIndex(j), batch.generation(j), batch.offset(j), (int)source.byteSize(),
                    source);
            }
        }
        if (transfers.size() > 0)
        {
            remote.failWhereTransferFailed(batch, writer.write(batch, transfers, sums, run.from, leases));
        }
    }

    /**
     * Cuts a put into runs: one for a single key, for a put smaller than two runs' {@link #MIN_RUN_BYTES} and on
     * remote transports (where each run's bytes would cost a round trip of their own); else as many as the bytes
     * allow, up to {@link #MAX_RUNS}, the last one short ({@link #lastRunKeys}) and the others of near-equal key
     * counts. With {@code granted} (per key a granted block), each run's entries are those grants, already reserved.
     */
    private Run[] cut(final BlockKeys keys, final MemorySegment[] sources, final BlockBatch granted)
    {
        long bytes = 0;
        for (final MemorySegment source : sources)
        {
            bytes += source.byteSize();
        }
        final int count = writer.mapped() ?
            (int)Math.max(1, Math.min(Math.min(MAX_RUNS, keys.size()), bytes / MIN_RUN_BYTES)) : 1;
        final int head = keys.size() - lastRunKeys(keys.size(), count); // the keys of the runs before the last
        final int headRuns = count - 1;
        final Run[] runs = new Run[count];
        for (int r = 0; r < count; r++)
        {
            final int from = r < headRuns ? (int)((long)head * r / headRuns) : head;
            final int to = r < headRuns ? (int)((long)head * (r + 1) / headRuns) : keys.size();
            final BlockBatch reserved = new BlockBatch(to - from);
            for (int i = from; i < to; i++)
            {
                if (granted == null)
                {
                    reserved.addKey(keys.packed(), i * BlockKeys.KEY_BYTES);
                    continue;
                }
                final int j = reserved.addReservation(granted, i); // the key and its granted block
                reserved.status(j, Status.OK);
                reserved.offset(j, granted.offset(i));
                reserved.length(j, granted.length(i));
            }
            runs[r] = new Run(from, reserved, granted != null);
        }
        return runs;
    }

    /**
     * The keys of a put's last run: all of them in a put of one run; else a quarter of an equal share, at least
     * one, and the other runs share the rest equally. The last run's COMMIT is the one the put waits for, and a
     * commit's work at the manager grows with its keys, while the earlier runs' commits are served as the later runs
     * are copied. Measured on a 2-core VM, 32 x 64 KiB mapped puts (runs of 10, 10, 10 and 2 keys against four of
     * 8): 0.76x of a copy into cold memory against 0.71x, means of four alternating rounds
     * (bench/RESULTS-shapes.txt, session 24).
     */
    static int lastRunKeys(final int keys, final int runs)
    {
        return runs == 1 ? keys : Math.max(1, keys / runs / 4);
    }

    /**
     * After a failed put, leaves none of a run's reservations behind: a COMMIT sent is collected (its outcome
     * stands), reservations not committed are given back (a RESERVE in flight is collected first). What fails here
     * is added to {@code failure}, which the caller throws.
     */
    private void settleQuietly(final Run run, final RuntimeException failure)
    {
        try
        {
            if (run.commit != null)
            {
                run.joinCommit();
                return;
            }
            if (run.reserve != null && !run.reserve.joined())
            {
                run.reserve.join();
            }
            if (run.granted || (run.reserve != null && run.reserve.answered()))
            {
                control.abort(run.reserved);
            }
        }
        catch (final PoolException ex)
        {
            failure.addSuppressed(ex);
        }
    }

    /** A put whose bytes are written and whose commits are in flight. */
    static final class Started
    {
        private final BlockKeys keys;
        private final Run[] runs;
        private final boolean granted; // into granted blocks
        private final MemorySegment[] sources; // the caller's, kept until finish returns; else null

        private Started(
            final BlockKeys keys, final Run[] runs, final boolean granted, final MemorySegment[] sources)
        {
            this.keys = keys;
            this.runs = runs;
            this.granted = granted;
            this.sources = sources;
        }
    }

    /** One run of a put: the keys from {@code from} on, their reservations and their commit. */
    private static final class Run
    {
        final int from;
        final BlockBatch reserved;
        final boolean granted;
        private final BlockBatch commits;
        private int[] positions;
        private ManagerClient.Pending reserve;
        private ManagerClient.Pending commit;

        Run(final int from, final BlockBatch reserved, final boolean granted)
        {
            this.from = from;
            this.reserved = reserved;
            this.granted = granted;
            this.commits = new BlockBatch(reserved.size());
        }

        /** Sends the COMMIT of the run's blocks that were reserved and written (nothing when there are none). */
        void sendCommit(final ManagerClient control)
        {
            positions = new int[reserved.size()];
            for (int j = 0; j < reserved.size(); j++)
            {
                if (reserved.status(j) == Status.OK)
                {
                    positions[commits.size()] = j;
                    final int c = commits.addReservation(reserved, j);
                    commits.length(c, reserved.length(j));
                    commits.checksum(c, reserved.checksum(j));
                }
            }
            if (commits.size() > 0)
            {
                commit = granted ? control.commitKeyedAsync(commits) : control.commitAsync(commits);
            }
        }

        void joinCommit()
        {
            if (commit != null && !commit.joined())
            {
                commit.join();
            }
        }

        void joinCommitQuietly(final RuntimeException failure)
        {
            try
            {
                joinCommit();
            }
            catch (final PoolException ex)
            {
                failure.addSuppressed(ex);
            }
        }

        /** Records each key's outcome (the commit joined) and remembers the committed blocks' locations. */
        void record(final BlockKeys keys, final int[] statuses, final int[] lengths, final LocationCache cache)
        {
            for (int j = 0; j < reserved.size(); j++)
            {
                statuses[from + j] = reserved.status(j);
            }
            for (int c = 0; c < commits.size(); c++)
            {
                final int j = positions[c];
                final int i = from + j;
                statuses[i] = commits.status(c);
                if (commits.status(c) == Status.OK)
                {
                    lengths[i] = commits.length(c);
                    cache.put(keys.packed(), i * BlockKeys.KEY_BYTES, new LocationCache.Location(
                        commits.blockIndex(c), commits.generation(c), reserved.offset(j), commits.length(c),
                        commits.checksum(c)));
                }
            }
        }
    }
}
