package io.kvpool.manager;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.kvpool.manager.internal.DataAgent;
import io.kvpool.manager.internal.KeyedReadNotices;
import io.kvpool.protocol.wire.DataEncoder;
import io.kvpool.protocol.wire.Streams;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A further Aeron data lane (context {@code data-lanes} above 1): a media driver of its own, a UDP port of its own
 * and a data agent of its own, so that remote clients that split their transfers across lanes do not send every
 * byte through one driver's sender and receiver threads. Serves only the data stream; sessions are the control
 * plane's (a lane's agent serves a session only while the control agent has it published). Threads as the
 * manager's: SHARED one thread for the driver and the agent, DEDICATED a thread each.
 *
 * @param port   the UDP port the lane listens on.
 * @param driver its media driver.
 * @param aeron  its Aeron client.
 * @param runner its data agent's thread (the driver's too, threading SHARED).
 */
record DataLane(int port, MediaDriver driver, Aeron aeron, AgentRunner runner) implements AutoCloseable
{
    /**
     * Starts lane {@code lane} (from 1) beside a manager serving UDP at {@code udpEndpoint} (its port resolved), on
     * that port plus {@code lane}: fixed relative to the endpoint, so that a manager restarted on the same endpoint
     * serves its lanes where clients already know them.
     */
    static DataLane start(
        final ManagerContext context, final int lane, final String udpEndpoint, final PoolCore pool,
        final Map<Long, Integer> liveSessions, final KeyedReadNotices keyedReads, final ErrorHandler errors)
    {
        final int colon = udpEndpoint.lastIndexOf(':');
        final int port = Integer.parseInt(udpEndpoint.substring(colon + 1)) + lane;
        if (port > 65_535)
        {
            throw new IllegalArgumentException("data lane " + lane + " would need UDP port " + port);
        }
        final Path dir = context.embeddedAeronDir().resolveSibling(
            context.embeddedAeronDir().getFileName() + "-lane" + lane);
        final long driverTimeoutMs = context.aeronDriverTimeout().toMillis();
        MediaDriver driver = null;
        Aeron aeron = null;
        try
        {
            driver = AeronStart.launchDriver(dir, context, driverTimeoutMs);
            aeron = AeronStart.connectAeron(dir, driver, driverTimeoutMs);
            final DataAgent agent = new DataAgent(aeron, List.of(aeron.addSubscription("aeron:udp?endpoint=" +
                udpEndpoint.substring(0, colon) + ":" + port + DataEncoder.RECEIVE_PARAMS, Streams.DATA_STREAM_ID)),
                pool.region().segment(), pool.geometry(), liveSessions, pool.indexView(), keyedReads,
                context.dataLanes(), "kvpool-data-lane" + lane);
            final Agent work = context.threading() == ManagerContext.Threading.SHARED ?
                new CompositeAgent(new AeronStart.InvokedDriver(driver.sharedAgentInvoker()), agent) : agent;
            final AgentRunner runner = new AgentRunner(context.idleStrategy(), errors, null,
                work);
            AgentRunner.startOnThread(runner);
            return new DataLane(port, driver, aeron, runner);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(aeron, driver);
            throw ex;
        }
    }

    /**
     * Stops the agent first (it reads the region), then Aeron and the driver.
     */
    @Override
    public void close()
    {
        CloseHelper.quietCloseAll(runner, aeron, driver);
    }
}
