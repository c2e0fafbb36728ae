package io.kvpool.manager.internal;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.kvpool.manager.PoolCore;
import org.agrona.concurrent.Agent;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The manager's one duty cycle: poll requests from every subscription (IPC, UDP) and the stream control sockets,
 * and dispatch them, retry responses a session's channel had to queue, count what the data agents served by key
 * ({@link KeyedReadNotices}), and on a timer reclaim lapsed leases, close lost sessions and publish figures for the
 * metrics endpoint. Everything that touches the pool happens here, on one thread, without locks. Exceptions never
 * escape: the dispatcher answers them, and anything else goes to Aeron's error handler and counter.
 */
public final class ManagerAgent implements Agent
{
    private static final long HOUSEKEEPING_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long SNAPSHOT_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final int FRAGMENT_LIMIT = 32;

    private final PoolCore pool;
    private final List<Subscription> subscriptions;
    private final RequestDispatcher dispatcher;
    private final SessionRegistry sessions;
    private final ManagerMetrics metrics;
    private final LongSupplier nanoClock;
    private final FragmentAssembler assembler;
    private final StreamControlServer streamServer;
    private final KeyedReadNotices keyedReads;
    private final KeyedReadNotices.Handler noteKeyedRead;
    private long nextHousekeepingNs;
    private long nextSnapshotNs;

    public ManagerAgent(
        final PoolCore pool, final List<Subscription> subscriptions, final RequestDispatcher dispatcher,
        final SessionRegistry sessions, final ManagerMetrics metrics, final LongSupplier nanoClock,
        final StreamControlServer streamServer, final KeyedReadNotices keyedReads)
    {
        this.keyedReads = keyedReads;
        this.noteKeyedRead = pool::noteKeyedRead;
        this.streamServer = streamServer;
        this.pool = pool;
        this.subscriptions = subscriptions;
        this.dispatcher = dispatcher;
        this.sessions = sessions;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
        this.assembler = new FragmentAssembler((buffer, offset, length, header) ->
            dispatcher.onMessage(buffer, offset, length));
    }

    @Override
    public void onStart()
    {
        metrics.publish(dispatcher.snapshot(null));
    }

    @Override
    public int doWork()
    {
        int work = 0;
        for (int i = 0; i < subscriptions.size(); i++)
        {
            work += subscriptions.get(i).poll(assembler, FRAGMENT_LIMIT);
        }
        work += sessions.flushQueued();
        work += keyedReads.drain(noteKeyedRead);
        final long nowNs = nanoClock.getAsLong();
        if (streamServer != null)
        {
            work += streamServer.poll(nowNs);
        }
        if (nowNs - nextHousekeepingNs >= 0)
        {
            nextHousekeepingNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
            work += pool.reapExpired();
            pool.publishAccessTick();
            work += sessions.poll(nowNs);
        }
        if (nowNs - nextSnapshotNs >= 0)
        {
            nextSnapshotNs = nowNs + SNAPSHOT_INTERVAL_NS;
            metrics.publish(dispatcher.snapshot(null));
        }
        return work;
    }

    /**
     * Finishes in-flight requests (everything already received), refuses later ones, sends what is queued, then
     * closes the pool: flushed, marked clean, unmapped.
     */
    @Override
    public void onClose()
    {
        int drained;
        do
        {
            drained = 0;
            for (final Subscription subscription : subscriptions)
            {
                drained += subscription.poll(assembler, Integer.MAX_VALUE);
            }
        }
        while (drained > 0);
        dispatcher.shutDown();
        final long deadlineNs = nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(500);
        while (nanoClock.getAsLong() - deadlineNs < 0 && sessions.poll(nanoClock.getAsLong()) > 0)
        {
            Thread.onSpinWait();
        }
        sessions.closeAll();
        if (streamServer != null)
        {
            streamServer.close();
        }
        dispatcher.closeRdma();
        pool.close();
    }

    @Override
    public String roleName()
    {
        return "kvpool-manager";
    }
}
