package io.kvpool.client;

import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.transport.DataLanes;
import io.kvpool.protocol.transport.TcpPuts;
import io.kvpool.protocol.wire.HelloOkEncoder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of a {@link KvPool}: how to reach the manager and how the client behaves. Set fluently before
 * {@link KvPool#connect(KvPoolContext)}; not thread-safe; not to be changed afterwards.
 */
public final class KvPoolContext
{
    private Path aeronDir = Path.of("/dev/shm/kvpool-aeron");
    private Path embeddedDriverDir;
    private String managerEndpoint;
    private String responseHost = "127.0.0.1";
    private String clientName = "kvpool-engine-" + ProcessHandle.current().pid();
    private Duration requestTimeout = Duration.ofSeconds(2);
    private Duration connectTimeout = Duration.ofSeconds(15);
    private boolean verifyChecksums;
    private int locationCacheEntries = 1 << 20;
    private int asyncThreads = 2;
    private int checksumThreads = Math.min(2, Runtime.getRuntime().availableProcessors() - 1);
    private Path regionPath;
    private boolean prefault = true;
    private String transport;
    private AeronIdle aeronIdle = AeronIdle.BACKOFF;
    private TcpPuts tcpPuts = TcpPuts.fromSystemProperty();
    private int dataLanes = DataLanes.AUTO;

    /**
     * @param aeronDir the media driver directory on this host (the manager's embedded one by default).
     */
    public KvPoolContext aeronDir(final Path aeronDir)
    {
        this.aeronDir = aeronDir;
        return this;
    }

    /**
     * @param dir run media drivers inside the client (hosts with no driver of their own), under this directory:
     *            one for the control sessions and one per data lane. Every pool of this process that names the
     *            same directory shares them (as an engine's threads should, a pool each: a driver is a thread).
     */
    public KvPoolContext embeddedDriverDir(final Path dir)
    {
        this.embeddedDriverDir = dir;
        return this;
    }

    /**
     * @param endpoint the manager's UDP {@code host:port}; {@code null} (default) for IPC on the manager's host.
     */
    public KvPoolContext managerEndpoint(final String endpoint)
    {
        this.managerEndpoint = endpoint;
        return this;
    }

    /**
     * @param host this host's address as the manager reaches it (UDP responses).
     */
    public KvPoolContext responseHost(final String host)
    {
        this.responseHost = host;
        return this;
    }

    /**
     * @param clientName how this engine names itself to the manager (logs, stats; default kvpool-engine-PID).
     * @return this.
     */
    public KvPoolContext clientName(final String clientName)
    {
        this.clientName = clientName;
        return this;
    }

    /**
     * @param timeout how long a control request waits for its answer (default 2 s).
     * @return this.
     */
    public KvPoolContext requestTimeout(final Duration timeout)
    {
        this.requestTimeout = timeout;
        return this;
    }

    /**
     * @param timeout how long connecting (or reconnecting) to the manager may take (default 15 s).
     * @return this.
     */
    public KvPoolContext connectTimeout(final Duration timeout)
    {
        this.connectTimeout = timeout;
        return this;
    }

    /**
     * @param verify whether every get also checks the CRC32C of the copied bytes against the block table (costs a
     *               pass over the bytes; catches stale cache lines on a non-coherent multi-host pool).
     */
    public KvPoolContext verifyChecksums(final boolean verify)
    {
        this.verifyChecksums = verify;
        return this;
    }

    public boolean verifyChecksums()
    {
        return verifyChecksums;
    }

    /**
     * @param entries how many blocks' locations each namespace handle remembers (default 1,048,576, at most one
     *                per block of the region; rounded up to a power of two): a get of a remembered key checks the
     *                shared block table and asks the manager nothing. The handle sets aside a slot table of 8 bytes
     *                per entry when it opens (12 on heaps without compressed pointers; 8 MiB by default). 0 remembers
     *                none: every get is a first get (its block found in the region's key directory, else asked of the
     *                manager; over the network, always asked).
     * @return this.
     */
    public KvPoolContext locationCacheEntries(final int entries)
    {
        if (entries < 0)
        {
            throw new IllegalArgumentException("locationCacheEntries=" + entries + " must be 0 or more");
        }
        this.locationCacheEntries = entries;
        return this;
    }

    public int locationCacheEntries()
    {
        return locationCacheEntries;
    }

    /**
     * @param threads threads running async operations, prefetches and write-back commits.
     */
    public KvPoolContext asyncThreads(final int threads)
    {
        if (threads < 1)
        {
            throw new IllegalArgumentException("asyncThreads=" + threads + " must be at least 1");
        }
        this.asyncThreads = threads;
        return this;
    }

    public int asyncThreads()
    {
        return asyncThreads;
    }

    /**
     * @param threads helper threads of a put of 256 KiB and more: on a mapped region they store blocks beside the
     *                putting thread, each checksumming and storing its own blocks a piece at a time (runs of 1 MiB
     *                and more); over the network they compute the CRC32C checksums while the putting thread sends.
     *                0 leaves each put to its own thread. Default: 2, or one fewer than the host's cores when that
     *                is less.
     */
    public KvPoolContext checksumThreads(final int threads)
    {
        if (threads < 0)
        {
            throw new IllegalArgumentException("checksumThreads=" + threads + " must be 0 or more");
        }
        this.checksumThreads = threads;
        return this;
    }

    public int checksumThreads()
    {
        return checksumThreads;
    }

    /**
     * @param path where this host sees the region (e.g. its own name for a shared CXL device); default: the
     *             manager's path hint, else any {@code /dev/dax*} device whose superblock has the region's UUID.
     */
    public KvPoolContext regionPath(final Path path)
    {
        this.regionPath = path;
        return this;
    }

    public Path regionPath()
    {
        return regionPath;
    }

    /**
     * @param prefault whether to populate this process's page tables for the whole region when it is mapped, so
     *                 that first-touch faults never land on a get or put (costs a fraction of a second per GiB).
     */
    public KvPoolContext prefault(final boolean prefault)
    {
        this.prefault = prefault;
        return this;
    }

    public boolean prefault()
    {
        return prefault;
    }

    /**
     * @param name force a data path ("cxl", "rdma" or "aeron"); {@code null} (default) picks the best one this host
     *             can use: map the region, else RDMA, else Aeron.
     */
    public KvPoolContext transport(final String name)
    {
        this.transport = name;
        return this;
    }

    public String transport()
    {
        return transport;
    }

    /**
     * @param idle how the Aeron data path waits on this side: a transfer waiting for the manager, and the client's
     *             embedded media driver if it runs one (default {@link AeronIdle#BACKOFF}; {@link AeronIdle#SPIN}
     *             is the fastest, at a core per waiting thread).
     */
    public KvPoolContext aeronIdle(final AeronIdle idle)
    {
        this.aeronIdle = idle;
        return this;
    }

    public AeronIdle aeronIdle()
    {
        return aeronIdle;
    }

    /**
     * @param tcpPuts where this client's puts send their bytes when the manager takes them over TCP as well as over
     *                Aeron ({@code tcp-puts} in {@code client.properties}). Default {@link TcpPuts#AUTO} (TCP with
     *                one data lane, Aeron with several), or what {@code -Dkvpool.tcpPuts} says.
     * @return this.
     */
    public KvPoolContext tcpPuts(final TcpPuts tcpPuts)
    {
        this.tcpPuts = Objects.requireNonNull(tcpPuts, "tcpPuts");
        return this;
    }

    /**
     * @return where puts send their bytes when the manager takes them over TCP too ({@link #tcpPuts(TcpPuts)}).
     */
    public TcpPuts tcpPuts()
    {
        return tcpPuts;
    }

    /**
     * @param lanes the most Aeron data lanes this client opens to a manager that serves several over UDP ({@code
     *              data-lanes} on the manager), 1 to {@link HelloOkEncoder#MAX_LANES} + 1: each transfer is split
     *              across them, each lane through a media driver of its own where the client embeds them (a thread).
     *              Default: {@link #dataLanesAuto()}.
     */
    public KvPoolContext dataLanes(final int lanes)
    {
        if (lanes < 1 || lanes > HelloOkEncoder.MAX_LANES + 1)
        {
            throw new IllegalArgumentException("dataLanes=" + lanes + " must be 1.." + (HelloOkEncoder.MAX_LANES + 1));
        }
        this.dataLanes = lanes;
        return this;
    }

    /**
     * Data lanes fitted to this host (the default): at most {@link DataLanes#forThisHost()}, one per four cores, 1
     * to 4, of those the manager serves; a host of two cores opens one.
     */
    public KvPoolContext dataLanesAuto()
    {
        this.dataLanes = DataLanes.AUTO;
        return this;
    }

    /**
     * @return whether the data lanes are fitted to the host ({@link #dataLanesAuto()}) rather than set.
     */
    public boolean dataLanesAutomatic()
    {
        return dataLanes == DataLanes.AUTO;
    }

    /**
     * @return the most data lanes this client opens: those set, or those {@link #dataLanesAuto()} fits to this host.
     */
    public int dataLanes()
    {
        return dataLanes == DataLanes.AUTO ? DataLanes.forThisHost() : dataLanes;
    }

    /**
     * @return the manager endpoint ({@code null} for IPC).
     */
    String managerEndpoint()
    {
        return managerEndpoint;
    }

    String responseHost()
    {
        return responseHost;
    }

    Path aeronDirectory()
    {
        return aeronDir;
    }

    Path embeddedDriverDirectory()
    {
        return embeddedDriverDir;
    }

    /**
     * Validates the configuration once, before anything connects (the control sessions' settings as
     * {@link ManagerClientContext#conclude()} checks them, and the transport's name).
     *
     * @return this, validated.
     * @throws PoolException {@code CONFIG_INVALID} naming the value.
     */
    public KvPoolContext conclude()
    {
        managerClientContext("", "").conclude();
        if (transport != null && transport.isBlank())
        {
            throw new PoolException(ErrorCode.CONFIG_INVALID, "transport is blank: name a data path (cxl, rdma, " +
                "aeron, or a list of them) or leave it unset to let the client choose");
        }
        return this;
    }

    /**
     * @return a manager-client configuration for one namespace.
     */
    ManagerClientContext managerClientContext(final String namespace, final String token)
    {
        final ManagerClientContext context = new ManagerClientContext().aeronDir(aeronDir)
            .managerEndpoint(managerEndpoint).responseHost(responseHost).namespace(namespace).token(token)
            .clientName(clientName).requestTimeout(requestTimeout).connectTimeout(connectTimeout);
        if (embeddedDriverDir != null)
        {
            context.embeddedDriverDir(embeddedDriverDir.resolve("control"));
        }
        return context;
    }
}
