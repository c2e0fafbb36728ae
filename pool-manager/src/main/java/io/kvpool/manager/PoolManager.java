package io.kvpool.manager;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.kvpool.manager.internal.AeronResponseChannel;
import io.kvpool.manager.internal.DataAgent;
import io.kvpool.manager.internal.FileModes;
import io.kvpool.manager.internal.KeyedReadNotices;
import io.kvpool.manager.internal.ManagerAgent;
import io.kvpool.manager.internal.ManagerMetrics;
import io.kvpool.manager.internal.RdmaAcceptor;
import io.kvpool.manager.internal.RequestDispatcher;
import io.kvpool.manager.internal.SessionRegistry;
import io.kvpool.manager.internal.StreamControlServer;
import io.kvpool.manager.internal.StreamDataServer;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.wire.DataEncoder;
import io.kvpool.protocol.wire.Streams;
import io.kvpool.transport.rdma.RdmaResponder;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The pool manager service: a {@link PoolCore} behind the kvpool wire protocol over Aeron (IPC for clients on
 * this host, UDP for the others), run by one agent thread, with a Prometheus endpoint. {@link #launch} recovers
 * the region and starts serving; {@link #close} finishes in-flight requests, flushes, marks the region clean and
 * stops. Thread-safe: launch and close may be called from any thread (close from a signal handler).
 */
public final class PoolManager implements AutoCloseable
{
    /** Stream of the data path (block bytes for hosts that cannot map the region), on IPC and UDP alike. */
    public static final int DATA_STREAM_ID = Streams.DATA_STREAM_ID;
    /** Channel on which clients of this host send requests. */
    public static final String IPC_CHANNEL = Streams.IPC_CHANNEL;

    private static final System.Logger LOG = System.getLogger("io.kvpool.manager");

    private final ManagerContext context;
    private final PoolCore pool;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final AgentRunner runner;
    private final AgentRunner dataRunner;
    private final List<DataLane> lanes;
    private final List<StreamDataServer> tcpData;
    private final HTTPServer metricsServer;
    private final String udpEndpoint;
    private final String rdmaState;
    private final StreamControlServer streamServer;
    private final ManagerMetrics metrics;
    private boolean closed;

    private PoolManager(
        final ManagerContext context, final PoolCore pool, final MediaDriver driver, final Aeron aeron,
        final AgentRunner runner, final AgentRunner dataRunner, final List<DataLane> lanes,
        final List<StreamDataServer> tcpData, final HTTPServer metricsServer, final String udpEndpoint,
        final String rdmaState, final StreamControlServer streamServer, final ManagerMetrics metrics)
    {
        this.metrics = metrics;
        this.streamServer = streamServer;
        this.lanes = lanes;
        this.tcpData = tcpData;
        this.rdmaState = rdmaState;
        this.dataRunner = dataRunner;
        this.context = context;
        this.pool = pool;
        this.driver = driver;
        this.aeron = aeron;
        this.runner = runner;
        this.metricsServer = metricsServer;
        this.udpEndpoint = udpEndpoint;
    }

    /**
     * Opens (recovering) the region, creates the configured namespaces and starts serving.
     *
     * @param context configuration; concluded here.
     * @return the running service.
     * @throws PoolException {@code CONFIG_INVALID}, region and index errors, or {@code SERVICE_START_FAILED}.
     */
    public static PoolManager launch(final ManagerContext context)
    {
        final PoolContext poolContext = context.conclude().pool();
        final PoolCore pool = PoolCore.open(poolContext);
        MediaDriver driver = null;
        Aeron aeron = null;
        HTTPServer metricsServer = null;
        final List<DataLane> lanes = new ArrayList<>();
        final List<StreamDataServer> tcpData = new ArrayList<>();
        try
        {
            createNamespaces(context, pool);
            final boolean shared = context.threading() == ManagerContext.Threading.SHARED;
            final long driverTimeoutMs = context.aeronDriverTimeout().toMillis();
            driver = context.externalAeronDir() == null ?
                AeronStart.launchDriver(context.embeddedAeronDir(), context, driverTimeoutMs) : null;
            if (driver != null)
            {
                // The driver's log buffers carry every request: the service's user and the engine group only.
                FileModes.restrict(context.embeddedAeronDir(), poolContext.fileGroup());
            }
            aeron = AeronStart.connectAeron(context.aeronDir(), driver, driverTimeoutMs);
            final List<Subscription> subscriptions = new ArrayList<>();
            final List<Subscription> dataSubscriptions = new ArrayList<>();
            subscriptions.add(aeron.addSubscription(IPC_CHANNEL, context.requestStreamId()));
            dataSubscriptions.add(aeron.addSubscription(IPC_CHANNEL, DATA_STREAM_ID));
            String udpEndpoint = null;
            if (context.endpoint() != null)
            {
                // One receive endpoint carries both streams, so both subscriptions name it identically; an ephemeral
                // port is chosen here rather than by the driver so that the second subscription can name it too.
                // The data stream's window and socket buffer are the endpoint's (puts arrive on it).
                final String channel = "aeron:udp?endpoint=" + AeronStart.concretePort(context.endpoint()) +
                    DataEncoder.RECEIVE_PARAMS;
                final Subscription udp = aeron.addSubscription(channel, context.requestStreamId());
                subscriptions.add(udp);
                dataSubscriptions.add(aeron.addSubscription(channel, DATA_STREAM_ID));
                udpEndpoint = AeronStart.awaitResolvedEndpoint(udp);
            }
            final ManagerMetrics metrics = new ManagerMetrics();
            if (context.metricsPort() >= 0)
            {
                metricsServer = HTTPServer.builder().hostname(context.metricsHost()).port(context.metricsPort())
                    .registry(metrics.registry()).buildAndStart();
            }
            final SessionRegistry sessions = new SessionRegistry(context.sessionTimeout().toNanos());
            final RequestDispatcher dispatcher = new RequestDispatcher(pool, sessions,
                AeronResponseChannel.factory(aeron), metrics, System::nanoTime, context.adminToken(),
                pool.region().path(), poolContext.reservationLeaseNs(), poolContext.pinLeaseNs());
            dispatcher.limits(context.sessionLimits());
            final String rdmaState = startRdma(context, pool, dispatcher);
            final StreamControlServer streamServer = context.controlSocket() == null &&
                context.controlEndpoint() == null ? null : StreamControlServer.open(dispatcher, sessions, metrics,
                context.controlSocket(), poolContext.fileGroup(), context.controlEndpoint(),
                context.sessionLimits().maxSessions());
            final KeyedReadNotices keyedReads = new KeyedReadNotices();
            final ManagerAgent agent = new ManagerAgent(pool, subscriptions, dispatcher, sessions, metrics,
                System::nanoTime, streamServer, keyedReads);
            final DataAgent dataAgent = new DataAgent(aeron, dataSubscriptions, pool.region().segment(),
                pool.geometry(), sessions.published(), pool.indexView(), keyedReads, context.dataLanes(),
                "kvpool-data");
            startLanes(context, udpEndpoint, pool, sessions, keyedReads, metrics, lanes);
            dispatcher.dataLanePorts(lanes.stream().map(DataLane::port).toList());
            startTcpData(context, udpEndpoint, pool, sessions, lanes, tcpData);
            dispatcher.tcpWrites(!tcpData.isEmpty());
            final AgentRunner runner;
            final AgentRunner dataRunner;
            if (shared)
            {
                runner = sharedRunner(context, driver, dataAgent, agent, metrics);
                dataRunner = null;
            }
            else
            {
                // The control agent always backs off: spinning is for the threads block bytes pass through.
                runner = new AgentRunner(AeronIdle.BACKOFF.strategy(context.idlePark().toNanos()),
                    errorHandler(metrics, "manager agent"), null, agent);
                dataRunner = new AgentRunner(context.idleStrategy(), errorHandler(metrics, "data agent"),
                    null, dataAgent);
            }
            final PoolManager manager = new PoolManager(context, pool, driver, aeron, runner, dataRunner,
                List.copyOf(lanes), List.copyOf(tcpData), metricsServer, udpEndpoint, rdmaState, streamServer,
                metrics);
            if (dataRunner != null)
            {
                AgentRunner.startOnThread(dataRunner);
            }
            AgentRunner.startOnThread(runner);
            return manager;
        }
        catch (final IOException | RuntimeException ex)
        {
            tcpData.forEach(CloseHelper::quietClose);
            lanes.forEach(CloseHelper::quietClose);
            CloseHelper.quietCloseAll(metricsServer == null ? null : (AutoCloseable)metricsServer::close, aeron,
                driver);
            pool.close();
            if (ex instanceof PoolException poolException)
            {
                throw poolException;
            }
            throw new PoolException(ErrorCode.SERVICE_START_FAILED, "cannot start the manager service: " + ex +
                " (is the metrics port or UDP endpoint in use? is another media driver active in " +
                context.aeronDir() + "?)", ex);
        }
    }

    private static void createNamespaces(final ManagerContext context, final PoolCore pool)
    {
        for (final ManagerContext.NamespaceSpec spec : context.namespaces())
        {
            pool.createNamespace(spec.name(), spec.blockSizeBytes(), spec.minSlabs(),
                spec.maxSlabs() == 0 ? pool.geometry().slabCount() : spec.maxSlabs(),
                spec.token().isEmpty() ? null : RequestDispatcher.sha256(spec.token()));
        }
    }

    /**
     * Threading SHARED: one thread for the embedded driver (when there is one), the data agent and the control agent,
     * closed in that order after the driver: the data agent first, as it reads the region the control agent unmaps.
     */
    private static AgentRunner sharedRunner(
        final ManagerContext context, final MediaDriver driver, final DataAgent dataAgent, final ManagerAgent agent,
        final ManagerMetrics metrics)
    {
        final List<Agent> agents = new ArrayList<>();
        if (driver != null)
        {
            agents.add(new AeronStart.InvokedDriver(driver.sharedAgentInvoker()));
        }
        agents.add(dataAgent);
        agents.add(agent);
        return new AgentRunner(context.idleStrategy(), errorHandler(metrics, "manager agents"), null,
            new CompositeAgent(agents));
    }

    /**
     * Serves one-sided RDMA where the context asks for it and a device answers.
     *
     * @return "RDMA on", or "RDMA off" with the reason.
     */
    private static String startRdma(
        final ManagerContext context, final PoolCore pool, final RequestDispatcher dispatcher)
    {
        final StringBuilder state = new StringBuilder("RDMA off");
        if ("off".equals(context.rdmaDevice()))
        {
            return state.toString();
        }
        RdmaResponder.open(pool.region().segment(), "auto".equals(context.rdmaDevice()) ? null : context.rdmaDevice(),
            why -> state.append(": ").append(why)).ifPresent(responder ->
            {
                state.setLength(0);
                state.append("RDMA on");
                dispatcher.rdma(new RdmaAcceptor()
                {
                    public byte[] accept(final long sessionId, final byte[] endpoint)
                    {
                        return responder.accept(sessionId, endpoint);
                    }

                    public void disconnect(final long sessionId)
                    {
                        responder.disconnect(sessionId);
                    }

                    public void close()
                    {
                        responder.close();
                    }
                });
            });
        return state.toString();
    }

    /**
     * Starts the data lanes beyond the first into {@code lanes}. Where they are fitted to the host
     * ({@link ManagerContext#dataLanesAuto()}), a lane that cannot start ends the list there, logged: its port (the
     * endpoint's plus k) was nobody's choice. Lanes that were asked for fail the start instead. (The data channels'
     * terms stay sized for the lanes fitted: {@link DataEncoder#termLength}.)
     */
    private static void startLanes(
        final ManagerContext context, final String udpEndpoint, final PoolCore pool, final SessionRegistry sessions,
        final KeyedReadNotices keyedReads, final ManagerMetrics metrics, final List<DataLane> lanes)
    {
        for (int lane = 1; lane < context.dataLanes(); lane++)
        {
            try
            {
                lanes.add(DataLane.start(context, lane, udpEndpoint, pool, sessions.published(), keyedReads,
                    errorHandler(metrics, "data lane " + lane)));
            }
            catch (final RuntimeException ex)
            {
                if (!context.dataLanesAutomatic())
                {
                    throw ex;
                }
                LOG.log(System.Logger.Level.WARNING, "data-lanes auto: serving " + lane + " of " +
                    context.dataLanes() + " lanes; lane " + lane + " did not start: " + ex.getMessage());
                return;
            }
        }
    }

    /**
     * Starts a TCP listener for the bytes of remote puts ({@link StreamDataServer}) on each Aeron data lane's port
     * number, on the UDP endpoint's host, into {@code servers}; none where UDP or {@link ManagerContext#dataTcp} is
     * off. All or none: where one cannot listen (its port taken by another TCP socket), none do, logged, and remote
     * puts stay on Aeron (clients learn which from HELLO_OK).
     */
    private static void startTcpData(
        final ManagerContext context, final String udpEndpoint, final PoolCore pool, final SessionRegistry sessions,
        final List<DataLane> lanes, final List<StreamDataServer> servers)
    {
        if (udpEndpoint == null || !context.dataTcp())
        {
            return;
        }
        final int colon = udpEndpoint.lastIndexOf(':');
        final List<Integer> ports = new ArrayList<>();
        ports.add(Integer.parseInt(udpEndpoint.substring(colon + 1)));
        lanes.forEach(lane -> ports.add(lane.port()));
        for (int k = 0; k < ports.size(); k++)
        {
            try
            {
                servers.add(StreamDataServer.open(udpEndpoint.substring(0, colon), ports.get(k),
                    pool.region().segment(), pool.geometry(), sessions.published(),
                    context.sessionLimits().maxSessions(), StreamDataServer.STALL_TIMEOUT_NS,
                    "kvpool-data-tcp" + k));
            }
            catch (final IOException | RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "remote puts stay on Aeron: cannot listen on TCP port " +
                    ports.get(k) + " (the data lane's UDP port number): " + ex);
                servers.forEach(CloseHelper::quietClose);
                servers.clear();
                return;
            }
        }
    }

    /**
     * An agent's error handler: logs the error and counts it in {@code kvpool_agent_errors}. It needs nothing but
     * the metrics, which exist before any agent starts (a data lane starts before the manager is built, and its
     * errors in that window were once an NPE in the handler).
     */
    static ErrorHandler errorHandler(final ManagerMetrics metrics, final String what)
    {
        return ex ->
        {
            metrics.agentError(what);
            LOG.log(System.Logger.Level.ERROR, what + ": " + ex, ex);
        };
    }

    /**
     * @return {@code host:port} the manager receives UDP requests on (the port resolved when 0 was asked), or
     *         {@code null} when UDP is off.
     */
    public String udpEndpoint()
    {
        return udpEndpoint;
    }

    /**
     * @return the Aeron data lanes served: the endpoint's, and one per further lane started
     *         ({@link ManagerContext#dataLanes()} of them, or fewer where fitted lanes could not all start).
     */
    public int dataLanes()
    {
        return lanes.size() + 1;
    }

    /**
     * @return the Prometheus endpoint's port, or -1 when it is off.
     */
    public int metricsPort()
    {
        return metricsServer == null ? -1 : metricsServer.getPort();
    }

    /**
     * @return the Aeron directory clients on this host connect through.
     */
    public Path aeronDir()
    {
        return context.aeronDir();
    }

    /**
     * @return what attaching the region found and repaired.
     */
    public RecoveryReport recoveryReport()
    {
        return pool.recoveryReport();
    }

    /**
     * @return one line: region, endpoints.
     */
    public String description()
    {
        return pool.region().description() + "; IPC stream " + context.requestStreamId() + " via " + aeronDir() +
            (udpEndpoint != null ? "; UDP " + udpEndpoint : "; UDP off") +
            (lanes.isEmpty() ? "" : " (further data lanes on ports " + lanes.stream().map(DataLane::port)
            .map(String::valueOf).collect(Collectors.joining(",")) + ")") +
            (tcpData.isEmpty() ? "; TCP puts off" : "; TCP puts on the lanes' port numbers") + "; " + rdmaState +
            (streamServer == null ? "; control socket off" : "; control socket " +
            (streamServer.socketPath() != null ? streamServer.socketPath() : "off") +
            (streamServer.tcpEndpoint() != null ? ", TCP " + streamServer.tcpEndpoint() : "")) +
            (metricsServer != null ? "; metrics http://" + context.metricsHost() + ":" + metricsPort() + "/metrics" :
            "; metrics off");
    }

    /**
     * @return the Unix-domain control socket's path, or {@code null} when there is none.
     */
    public Path controlSocket()
    {
        return streamServer == null ? null : streamServer.socketPath();
    }

    /**
     * @return the TCP control endpoint as bound (host:port), or {@code null} when there is none.
     */
    public String controlEndpoint()
    {
        return streamServer == null ? null : streamServer.tcpEndpoint();
    }

    /**
     * @return errors the agents reported (never thrown out of their duty cycles; also the metric
     *         {@code kvpool_agent_errors}).
     */
    public long agentErrors()
    {
        return metrics.agentErrors();
    }

    /**
     * Finishes in-flight requests, flushes the index, marks the region clean, and stops Aeron and the metrics
     * endpoint. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        // The data agent stops first: it reads the region, which the control agent unmaps when it closes the pool.
        CloseHelper.quietClose(dataRunner);
        tcpData.forEach(CloseHelper::quietClose);
        lanes.forEach(CloseHelper::quietClose);
        runner.close();
        if (metricsServer != null)
        {
            metricsServer.close();
        }
        CloseHelper.quietCloseAll(aeron, driver);
    }
}
