package io.kvpool.client;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.Status;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * Blocks one namespace handle holds granted ahead of its puts' keys (RESERVE of kind GRANT), so that a put copies
 * at once and asks the manager only for its keyed COMMIT: one round trip per put instead of two. The stock is
 * refilled by a grant sent while a put is under way and collected by a later put; grants older than a third of
 * the reservation lease are given back rather than used (a put must finish well inside the lease its grants
 * began). A handle holds at most {@link #MAX_BYTES} of blocks this way, given back when it closes (without
 * waiting) and lapsing (freed by the manager) if its process dies or the ABORT does not arrive.
 * <p>
 * Thread-safe: puts of several threads take from it one at a time.
 */
final class GrantStock
{
    /** The most bytes of blocks a handle keeps granted ahead. */
    static final long MAX_BYTES = 64L << 20;
    /** How long a closing handle waits for a refill in flight, to give its grants back too. */
    static final long CLOSE_WAIT_NS = 200_000_000L;

    private final ManagerClient control;
    private final LongSupplier nanoClock;
    private final long maxAgeNs;
    private final int maxBlocks;
    private final ArrayDeque<Grant> stock = new ArrayDeque<>(); // oldest first
    private ManagerClient.Pending refill;
    private BlockBatch refillBatch;
    private long refillSentNs;
    private boolean closed;

    /** One granted block. */
    private record Grant(long blockIndex, long generation, long offset, int length, long grantedAtNs)
    {
    }

    GrantStock(final ManagerClient control, final long blockSizeBytes, final LongSupplier nanoClock)
    {
        this.control = control;
        this.nanoClock = nanoClock;
        this.maxAgeNs = control.session().reservationLeaseNs() / 3;
        this.maxBlocks = (int)Math.clamp(MAX_BYTES / Math.max(1, blockSizeBytes), 1, BlockBatch.MAX_KEYS);
    }

    /**
     * @return a stock that never holds anything: puts reserve as they did before grants (tests of that path).
     */
    static GrantStock none(final ManagerClient control)
    {
        final GrantStock none = new GrantStock(control, 1, System::nanoTime);
        none.closed = true;
        return none;
    }

    /**
     * Takes one granted block per key for a put of {@code keys}, and asks for more when the stock runs low.
     *
     * @return the keys with their blocks (status OK, block index, generation, offset, length), or {@code null}
     *         when the stock cannot serve them all (the caller reserves as before; the refill asked for now serves
     *         a later put).
     */
    synchronized BlockBatch take(final BlockKeys keys)
    {
        if (closed || !control.session().grants() || keys.size() > maxBlocks)
        {
            return null;
        }
        collect(-1);
        giveBackOld();
        BlockBatch taken = null;
        if (stock.size() >= keys.size())
        {
            taken = new BlockBatch(keys.size());
            for (int i = 0; i < keys.size(); i++)
            {
                final Grant grant = stock.pollFirst(); // the oldest (still young enough) first: none ages out
                taken.addKey(keys.packed(), i * BlockKeys.KEY_BYTES);
                taken.status(i, Status.OK);
                taken.blockIndex(i, grant.blockIndex());
                taken.generation(i, grant.generation());
                taken.offset(i, grant.offset());
                taken.length(i, grant.length());
            }
        }
        final int wanted = Math.min(maxBlocks, 2 * keys.size());
        if (refill == null && stock.size() < wanted)
        {
            ask(wanted - stock.size());
        }
        return taken;
    }

    /**
     * Forgets every grant held without giving it back: after a keyed commit was refused (the manager restarted,
     * or a grant lapsed) the others are suspect; those that still exist lapse on the manager's side.
     */
    synchronized void discard()
    {
        stock.clear();
    }

    /**
     * Gives back every grant held (the handle closes), without waiting for the answer; a refill in flight is
     * waited for {@link #CLOSE_WAIT_NS} at most, so that a close never hangs on a manager that is gone. Grants whose
     * ABORT does not arrive lapse.
     */
    synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        collect(CLOSE_WAIT_NS);
        if (stock.isEmpty())
        {
            return;
        }
        try
        {
            control.abortAsync(drain(stock.size()));
        }
        catch (final PoolException ex)
        {
            // They lapse.
        }
    }

    /**
     * Collects the refill in flight, if any: its grants join the stock.
     *
     * @param withinNs the longest to wait for its answer, or -1 for the request's own timeout.
     */
    private void collect(final long withinNs)
    {
        if (refill == null)
        {
            return;
        }
        final ManagerClient.Pending pending = refill;
        refill = null;
        try
        {
            if (withinNs < 0)
            {
                pending.join();
            }
            else
            {
                pending.join(withinNs);
            }
        }
        catch (final PoolException ex)
        {
            return; // not granted, or not known to be: puts go on without (a grant that exists lapses)
        }
        for (int i = 0; i < refillBatch.size(); i++)
        {
            if (refillBatch.status(i) == Status.OK)
            {
                stock.addLast(new Grant(refillBatch.blockIndex(i), refillBatch.generation(i), refillBatch.offset(i),
                    refillBatch.length(i), refillSentNs));
            }
        }
    }

    /** Gives back the grants old enough that a put begun now might outlive their lease. */
    private void giveBackOld()
    {
        final long nowNs = nanoClock.getAsLong();
        int old = 0;
        for (final Grant grant : stock)
        {
            if (nowNs - grant.grantedAtNs() <= maxAgeNs)
            {
                break;
            }
            old++;
        }
        giveBack(old);
    }

    /** Aborts the {@code count} oldest grants (they lapse where the abort fails). */
    private void giveBack(final int count)
    {
        if (count == 0)
        {
            return;
        }
        try
        {
            control.abort(drain(count));
        }
        catch (final PoolException ex)
        {
            // The manager frees them when their lease lapses.
        }
    }

    /** @return the {@code count} oldest grants, taken out of the stock, as an ABORT batch. */
    private BlockBatch drain(final int count)
    {
        final BlockBatch grants = new BlockBatch(count);
        for (int i = 0; i < count; i++)
        {
            final Grant grant = stock.pollFirst();
            grants.addZeroKey();
            grants.blockIndex(i, grant.blockIndex());
            grants.generation(i, grant.generation());
        }
        return grants;
    }

    private void ask(final int count)
    {
        refillBatch = new BlockBatch(count);
        for (int i = 0; i < count; i++)
        {
            refillBatch.addZeroKey();
        }
        refillSentNs = nanoClock.getAsLong();
        try
        {
            refill = control.grantAsync(refillBatch);
        }
        catch (final PoolException ex)
        {
            refill = null; // the put that asked goes on; a later one asks again
        }
    }
}
