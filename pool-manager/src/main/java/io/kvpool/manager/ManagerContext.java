package io.kvpool.manager;

import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.AeronTimeouts;
import io.kvpool.protocol.Choices;
import io.kvpool.manager.internal.SessionLimits;
import io.kvpool.protocol.Durations;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.transport.DataLanes;
import io.kvpool.protocol.wire.HelloOkEncoder;
import io.kvpool.protocol.wire.Streams;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Configuration of the manager service ({@link PoolManager}). Values come from a YAML file (keys as the command
 * line's long options without dashes, e.g. {@code region-file: /dev/shm/pool}) and from flags, which override the
 * file; {@link #conclude()} validates every value once and says what is wrong and how to fix it.
 * Not thread-safe; not to be changed after the service starts.
 */
public final class ManagerContext
{
    /** Where the embedded media driver lives unless told otherwise; clients on the host connect through it. */
    public static final Path DEFAULT_EMBEDDED_AERON_DIR = Path.of("/dev/shm/kvpool-aeron");
    /** Default region when none is named: a file in /dev/shm ({@link PoolContext#DEFAULT_REGION_SIZE_BYTES}). */
    public static final Path DEFAULT_REGION_FILE = Path.of("/dev/shm/kvpool-region");
    /** Stream on which the manager receives requests, on IPC and on UDP alike. */
    public static final int DEFAULT_REQUEST_STREAM_ID = Streams.REQUEST_STREAM_ID;
    public static final int DEFAULT_METRICS_PORT = 9470;
    /** The default {@link #idlePark(Duration)}. */
    public static final long DEFAULT_IDLE_PARK_NS = 200_000;

    private Path externalAeronDir;
    private Path embeddedAeronDir = DEFAULT_EMBEDDED_AERON_DIR;
    private String endpoint;
    private int requestStreamId = DEFAULT_REQUEST_STREAM_ID;
    private int metricsPort = DEFAULT_METRICS_PORT;
    private String metricsHost = "0.0.0.0";
    private String adminToken = "";
    private Duration sessionTimeout = Duration.ofSeconds(10);
    private String rdmaDevice = "auto";
    private Threading threading = Threading.SHARED;
    private AeronIdle idle = AeronIdle.BACKOFF;
    private Duration idlePark = Duration.ofNanos(DEFAULT_IDLE_PARK_NS);
    private int dataLanes = 1;
    private boolean dataLanesAuto = true;
    private boolean dataTcp = true;
    private int autoLaneCores = Runtime.getRuntime().availableProcessors();
    private int maxSessions = SessionLimits.DEFAULTS.maxSessions();
    private String controlSocket = "default";
    private String controlEndpoint;
    private int maxSessionsPerHost = SessionLimits.DEFAULTS.maxSessionsPerHost();
    private Duration aeronDriverTimeout = Duration.ofMillis(AeronTimeouts.driverTimeoutMs());
    private final List<NamespaceSpec> namespaces = new ArrayList<>();
    private PoolContext pool = new PoolContext();

    /**
     * How the manager's work maps onto threads. Aeron's agents poll; on a host with few cores every extra poller
     * steals cycles from the ones doing work, so the default runs them all on one thread.
     */
    public enum Threading
    {
        /** One thread runs the embedded media driver (when there is one), the control agent and the data agent. */
        SHARED,
        /**
         * The embedded media driver's conductor, sender and receiver, the control agent and the data agent each get
         * a thread: for hosts with cores to spare.
         */
        DEDICATED;

        /**
         * @param text "shared" or "dedicated", in any case.
         * @throws IllegalArgumentException for anything else.
         */
        public static Threading parse(final String text)
        {
            return Choices.parse(values(), text);
        }
    }

    /**
     * A namespace the manager creates at start if it does not exist.
     *
     * @param name           namespace name.
     * @param blockSizeBytes block size.
     * @param minSlabs       guaranteed slabs.
     * @param maxSlabs       slab ceiling (0 = every slab).
     * @param token          access token ("" for none).
     */
    public record NamespaceSpec(String name, long blockSizeBytes, int minSlabs, int maxSlabs, String token)
    {
    }

    /**
     * Reads a YAML configuration file.
     *
     * @param file the file.
     * @return a context with the file's values.
     * @throws PoolException {@link ErrorCode#CONFIG_INVALID} naming the file, the key and the problem.
     */
    public static ManagerContext fromYaml(final Path file)
    {
        return ManagerConfigFile.read(file, new ManagerContext());
    }

    /**
     * @param pool the pool itself: its region, geometry, index file, file group, leases and whether to format or
     *             prefault it (default: a fresh {@link PoolContext}; with no region given, {@link #conclude()} uses
     *             {@link #DEFAULT_REGION_FILE}).
     * @return this.
     */
    public ManagerContext pool(final PoolContext pool)
    {
        this.pool = pool;
        return this;
    }

    /**
     * @return the pool's configuration, concluded by {@link #conclude()}.
     */
    public PoolContext pool()
    {
        return pool;
    }

    /**
     * @param dir the directory of an external, already running media driver; the manager then embeds none.
     */
    public ManagerContext externalAeronDir(final Path dir)
    {
        this.externalAeronDir = dir;
        return this;
    }

    public Path externalAeronDir()
    {
        return externalAeronDir;
    }

    /**
     * @param dir where the embedded media driver puts its files (clients on this host connect there).
     */
    public ManagerContext embeddedAeronDir(final Path dir)
    {
        this.embeddedAeronDir = dir;
        return this;
    }

    public Path embeddedAeronDir()
    {
        return embeddedAeronDir;
    }

    /**
     * @return the Aeron directory in use: the external driver's, else the embedded one's.
     */
    public Path aeronDir()
    {
        return externalAeronDir != null ? externalAeronDir : embeddedAeronDir;
    }

    /**
     * @param endpoint {@code host:port} to receive requests over UDP (port 0: any free port), or {@code null} for
     *                 IPC only.
     */
    public ManagerContext endpoint(final String endpoint)
    {
        this.endpoint = endpoint;
        return this;
    }

    public String endpoint()
    {
        return endpoint;
    }

    /**
     * @param requestStreamId the Aeron stream control requests arrive on (default {@link #DEFAULT_REQUEST_STREAM_ID}).
     * @return this.
     */
    public ManagerContext requestStreamId(final int requestStreamId)
    {
        this.requestStreamId = requestStreamId;
        return this;
    }

    public int requestStreamId()
    {
        return requestStreamId;
    }

    /**
     * @param metricsPort Prometheus endpoint port; 0 picks a free one; -1 turns the endpoint off.
     */
    public ManagerContext metricsPort(final int metricsPort)
    {
        this.metricsPort = metricsPort;
        return this;
    }

    public int metricsPort()
    {
        return metricsPort;
    }

    /**
     * @param metricsHost the address the Prometheus endpoint binds (default 0.0.0.0).
     * @return this.
     */
    public ManagerContext metricsHost(final String metricsHost)
    {
        this.metricsHost = metricsHost;
        return this;
    }

    public String metricsHost()
    {
        return metricsHost;
    }

    /**
     * @param adminToken token an admin session (HELLO with no namespace) must present; "" lets any local client be
     *                   admin.
     */
    public ManagerContext adminToken(final String adminToken)
    {
        this.adminToken = adminToken == null ? "" : adminToken;
        return this;
    }

    public String adminToken()
    {
        return adminToken;
    }

    /**
     * @param sessionTimeout how long a session whose client is gone (its response channel disconnected) is kept
     *                       before the manager closes it (default 10 s).
     * @return this.
     */
    public ManagerContext sessionTimeout(final Duration sessionTimeout)
    {
        this.sessionTimeout = sessionTimeout;
        return this;
    }

    public Duration sessionTimeout()
    {
        return sessionTimeout;
    }

    /**
     * @param device "auto" (the first RDMA device, if any), "off", or a device name such as "mlx5_0" or "rxe0".
     */
    public ManagerContext rdmaDevice(final String device)
    {
        this.rdmaDevice = device;
        return this;
    }

    public String rdmaDevice()
    {
        return rdmaDevice;
    }

    /**
     * @param threading how the manager's work maps onto threads (default {@link Threading#SHARED}).
     */
    public ManagerContext threading(final Threading threading)
    {
        this.threading = threading;
        return this;
    }

    public Threading threading()
    {
        return threading;
    }

    /**
     * @param idle how the data path's threads (the data agent, the embedded driver's sender and receiver, or the
     *             one thread of {@link Threading#SHARED}) wait for work (default {@link AeronIdle#BACKOFF});
     *             {@link AeronIdle#SPIN} with {@link Threading#DEDICATED} is the fastest remote data path, at a
     *             core per thread.
     */
    public ManagerContext idle(final AeronIdle idle)
    {
        this.idle = idle;
        return this;
    }

    public AeronIdle idle()
    {
        return idle;
    }

    /**
     * @param park the longest an idle thread of the manager parks between looks for work, with
     *             {@link AeronIdle#BACKOFF} (default 200 us): the most an idle manager adds to a request's latency.
     *             Each look costs a few system calls; where CPUs are emulated or oversubscribed, a longer park
     *             (milliseconds) keeps an idle manager from taking a core.
     */
    public ManagerContext idlePark(final Duration park)
    {
        this.idlePark = park;
        return this;
    }

    public Duration idlePark()
    {
        return idlePark;
    }

    /**
     * @return a fresh strategy for one of the manager's threads: {@link #idle()}, parking at most
     *         {@link #idlePark()} when backing off.
     */
    IdleStrategy idleStrategy()
    {
        return idle.strategy(idlePark.toNanos());
    }

    /**
     * @param lanes independent Aeron data paths served over UDP, each with its own media driver, UDP port and data
     *              agent: remote clients split every transfer across them, so that no one driver's sender or
     *              receiver thread carries every byte. Lane k (from 1) listens on the UDP endpoint's port (as bound,
     *              when 0 was asked) plus k. At most {@link HelloOkEncoder#MAX_LANES} + 1; more than 1 needs a UDP
     *              endpoint and the embedded driver. Default: {@link #dataLanesAuto()}.
     * @return this.
     */
    public ManagerContext dataLanes(final int lanes)
    {
        this.dataLanes = lanes;
        this.dataLanesAuto = false;
        return this;
    }

    /**
     * Data lanes fitted to this host (the default, {@code data-lanes: auto}): {@link DataLanes#forThisHost()} (one
     * per four cores, at most four) where the manager has a UDP endpoint and its embedded media driver, else 1. A
     * lane that cannot start (its port taken) is then left out, with the ones after it, and logged, rather than
     * failing the start: the port of lane k is the endpoint's plus k, which nobody chose on purpose.
     *
     * @return this.
     */
    public ManagerContext dataLanesAuto()
    {
        return dataLanesAuto(Runtime.getRuntime().availableProcessors());
    }

    /**
     * Data lanes fitted as {@link #dataLanesAuto()} fits them, to a host of {@code cores} cores: where the manager
     * may use only some of its host's (and for tests of hosts other than the one they run on).
     *
     * @return this.
     */
    public ManagerContext dataLanesAuto(final int cores)
    {
        this.dataLanesAuto = true;
        this.autoLaneCores = cores;
        return this;
    }

    /**
     * @return whether the data lanes are fitted to the host ({@link #dataLanesAuto()}) rather than set.
     */
    public boolean dataLanesAutomatic()
    {
        return dataLanesAuto;
    }

    /**
     * @return the data lanes to serve: those set, or those {@link #dataLanesAuto()} fits to this host.
     */
    public int dataLanes()
    {
        if (!dataLanesAuto)
        {
            return dataLanes;
        }
        return endpoint == null || externalAeronDir != null ? 1 : DataLanes.forCores(autoLaneCores);
    }

    /**
     * @param on whether the manager also takes the bytes of remote puts over TCP, on the TCP port of each data lane's
     *           UDP port number ({@code data-tcp}, default true): a put's bytes then cross in one kernel copy, with a
     *           thread each side, rather than through Aeron's publication, sender, receiver and image. Clients use
     *           it where HELLO_OK says it is on; gets stay on Aeron. Needs a UDP endpoint; where a port is taken
     *           by another TCP socket, puts stay on Aeron (logged).
     * @return this.
     */
    public ManagerContext dataTcp(final boolean on)
    {
        this.dataTcp = on;
        return this;
    }

    /**
     * @return whether remote puts may send their bytes over TCP ({@link #dataTcp(boolean)}).
     */
    public boolean dataTcp()
    {
        return dataTcp;
    }

    /**
     * @param maxSessions sessions the manager serves at once, all hosts together; a HELLO beyond is refused
     *                    (LIMIT_REACHED) and counted.
     * @return this.
     */
    public ManagerContext maxSessions(final int maxSessions)
    {
        this.maxSessions = maxSessions;
        return this;
    }

    /**
     * @param maxSessionsPerHost sessions at once answering to one host over UDP.
     * @return this.
     */
    public ManagerContext maxSessionsPerHost(final int maxSessionsPerHost)
    {
        this.maxSessionsPerHost = maxSessionsPerHost;
        return this;
    }

    /**
     * @param controlSocket the Unix-domain socket that serves the control protocol to clients without Aeron (the
     *                      Python client): a path, "default" (the Aeron directory's path with {@code .sock}, e.g.
     *                      {@code /dev/shm/kvpool-aeron.sock}), or "off".
     * @return this.
     */
    public ManagerContext controlSocket(final String controlSocket)
    {
        this.controlSocket = controlSocket;
        return this;
    }

    /**
     * @return the Unix-domain control socket's path, or {@code null} for none.
     */
    public Path controlSocket()
    {
        if (controlSocket == null || "off".equals(controlSocket))
        {
            return null;
        }
        return "default".equals(controlSocket) ? Path.of(aeronDir() + ".sock") : Path.of(controlSocket);
    }

    /**
     * @param controlEndpoint host:port of a TCP endpoint serving the control protocol to other hosts of the fabric
     *                        (port 0: any free port), or {@code null} (default) for none.
     * @return this.
     */
    public ManagerContext controlEndpoint(final String controlEndpoint)
    {
        this.controlEndpoint = controlEndpoint;
        return this;
    }

    /**
     * @return the TCP control endpoint, or {@code null}.
     */
    public String controlEndpoint()
    {
        return controlEndpoint;
    }

    /**
     * @return the session limits, as validated by {@link #conclude()}.
     */
    SessionLimits sessionLimits()
    {
        return new SessionLimits(maxSessions, maxSessionsPerHost, SessionLimits.DEFAULTS.maxRefusalsInFlight());
    }

    /**
     * @param timeout how long the manager's Aeron client waits for its media driver's heartbeat (five times this),
     *                and (twice this) how long the embedded driver keeps a silent client (default: 2 s, or
     *                {@code -Dkvpool.aeron.driverTimeoutMs}; see {@link AeronTimeouts}).
     */
    public ManagerContext aeronDriverTimeout(final Duration timeout)
    {
        this.aeronDriverTimeout = timeout;
        return this;
    }

    public Duration aeronDriverTimeout()
    {
        return aeronDriverTimeout;
    }

    /**
     * @param spec a namespace to create at start (or find with the same layout and token).
     * @return this.
     */
    public ManagerContext addNamespace(final NamespaceSpec spec)
    {
        namespaces.add(spec);
        return this;
    }

    public List<NamespaceSpec> namespaces()
    {
        return List.copyOf(namespaces);
    }

    /**
     * Copies every value set in {@code flags} over this context's (command line over file).
     *
     * @param overrides values given on the command line.
     * @return this.
     */
    public ManagerContext override(final Map<String, Object> overrides)
    {
        overrides.forEach((key, value) ->
        {
            if (value != null)
            {
                ManagerConfigFile.set(this, key, value, "command line");
            }
        });
        return this;
    }

    /**
     * Validates every value and fills the defaults that depend on others, in place (as Aeron's contexts conclude),
     * the {@link #pool()}'s included.
     *
     * @return this, concluded.
     * @throws PoolException {@link ErrorCode#CONFIG_INVALID} naming the value, its allowed range and the fix.
     */
    public ManagerContext conclude()
    {
        requireHostPort("endpoint", endpoint, "0.0.0.0:40100 (port 0 picks one)");
        if (requestStreamId <= 0)
        {
            throw invalid("request-stream=" + requestStreamId + " must be positive");
        }
        if (metricsPort < -1 || metricsPort > 65535)
        {
            throw invalid("metrics-port=" + metricsPort + " must be 0..65535 (0 picks a free port) or -1 (off)");
        }
        if (sessionTimeout.toMillis() < 100)
        {
            throw invalid("session-timeout=" + Durations.format(sessionTimeout) + " must be at least 100ms");
        }
        if (aeronDriverTimeout.toMillis() < 100)
        {
            throw invalid("aeron driver timeout=" + Durations.format(aeronDriverTimeout) + " must be at least 100ms " +
                "(-D" + AeronTimeouts.DRIVER_TIMEOUT_PROPERTY + " is in milliseconds)");
        }
        if (idlePark.toNanos() < 1_000 || idlePark.toMillis() > 1_000)
        {
            throw invalid("idle-park=" + idlePark + " must be 1us..1s");
        }
        requireHostPort("control-endpoint", controlEndpoint, "0.0.0.0:40200");
        if (maxSessions < 1 || maxSessionsPerHost < 1)
        {
            throw invalid("max-sessions=" + maxSessions + " and max-sessions-per-host=" + maxSessionsPerHost +
                " must each be at least 1");
        }
        if (!dataLanesAuto && (dataLanes < 1 || dataLanes > HelloOkEncoder.MAX_LANES + 1))
        {
            throw invalid("data-lanes=" + dataLanes + " must be 1.." + (HelloOkEncoder.MAX_LANES + 1));
        }
        if (!dataLanesAuto && dataLanes > 1 && (endpoint == null || externalAeronDir != null))
        {
            throw invalid("data-lanes=" + dataLanes + " needs a UDP endpoint and the embedded media driver (lanes " +
                "are for remote clients, and each runs a driver of its own)");
        }
        if (pool.regionSource() == null && pool.regionPath() == null)
        {
            pool.regionFile(DEFAULT_REGION_FILE);
        }
        pool.conclude();
        return this;
    }

    private static void requireHostPort(final String key, final String endpoint, final String example)
    {
        if (endpoint != null && !endpoint.matches("[^:\\s]+:\\d{1,5}"))
        {
            throw invalid(key + "=" + endpoint + " must be host:port, e.g. " + example);
        }
    }

    static PoolException invalid(final String message)
    {
        return new PoolException(ErrorCode.CONFIG_INVALID, message);
    }
}
