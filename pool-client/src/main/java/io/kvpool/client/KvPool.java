package io.kvpool.client;

import io.kvpool.client.internal.SourceChecksums;
import io.kvpool.gpu.GpuBridge;
import io.kvpool.gpu.PinnedMemory;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.BlockTransportProvider;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.protocol.wire.SessionDescriptor;
import io.kvpool.transport.cxl.MappedBlockTransport;
import io.kvpool.transport.cxl.Region;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's handle on a kvpool: connects to the manager and hands out {@link KvNamespace}s. Block bytes never
 * pass through the manager's control plane: they move on the best data path this host has, chosen by itself and
 * reported by {@link #transportChoice()}: load/store on its own mapping of the region (the manager's host, or any
 * host where the same region UUID is visible, e.g. a CXL-attached device), else one-sided RDMA, else Aeron.
 * <p>
 * Thread-safe: one KvPool is shared by all engine threads. Close it once at the end.
 */
public final class KvPool implements AutoCloseable
{
    private final KvPoolContext context;
    private final List<KvNamespace> namespaces = new ArrayList<>();
    private final List<BlockTransport> transports = new ArrayList<>();
    private MappedBlockTransport mapped;
    private String transportChoice = "none";
    private final PoolState state;
    private PinnedMemory pinned;

    private KvPool(final KvPoolContext context)
    {
        this.context = context;
        final AtomicInteger threads = new AtomicInteger();
        final ThreadFactory factory = runnable ->
        {
            final Thread thread = new Thread(runnable, "kvpool-async-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        this.state = new PoolState(Executors.newFixedThreadPool(context.asyncThreads(), factory),
            new SourceChecksums(context.checksumThreads()));
    }

    /**
     * Connects to a manager. Sessions are opened per namespace by {@link #namespace}.
     *
     * @param context configuration; concluded here.
     * @return the pool handle.
     * @throws io.kvpool.protocol.PoolException {@code CONFIG_INVALID} for a bad setting, before anything connects.
     */
    public static KvPool connect(final KvPoolContext context)
    {
        return new KvPool(context.conclude());
    }

    /**
     * Opens a namespace (one model / KV layout) with no token.
     *
     * @see #namespace(String, long, String)
     */
    public KvNamespace namespace(final String name, final long blockSizeBytes)
    {
        return namespace(name, blockSizeBytes, "");
    }

    /**
     * Opens a session for a namespace and checks that its block size is the one the engine expects.
     *
     * @param name           namespace name.
     * @param blockSizeBytes the engine's block size; must equal the namespace's.
     * @param token          the namespace's token.
     * @return the namespace handle.
     * @throws IllegalArgumentException when the block size differs from the namespace's.
     * @throws PoolException            {@code REQUEST_REFUSED} (wrong token, unknown namespace),
     *                                  {@code MANAGER_UNREACHABLE}, or {@code REGION_MAP_FAILED} when this host
     *                                  cannot map the region.
     */
    public synchronized KvNamespace namespace(final String name, final long blockSizeBytes, final String token)
    {
        ensureOpen();
        final ManagerClient control = ManagerClient.connect(context.managerClientContext(name, token));
        try
        {
            final SessionDescriptor session = control.session();
            if (session.blockSizeBytes() != blockSizeBytes)
            {
                throw new IllegalArgumentException("namespace '" + name + "' has blockSizeBytes=" +
                    session.blockSizeBytes() + ", not " + blockSizeBytes + ": use the namespace's block size, or a " +
                    "namespace made for this layout");
            }
            final BlockTransport transport = transportFor(control);
            final KvNamespace namespace = new KvNamespace(state, control, transport, blockSizeBytes, context);
            namespaces.add(namespace);
            return namespace;
        }
        catch (final RuntimeException ex)
        {
            control.close();
            throw ex;
        }
    }

    /**
     * @return the mapped region when a namespace uses the CXL (load/store) path, else {@code null}.
     */
    public synchronized Region region()
    {
        return mapped == null ? null : mapped.region();
    }

    /**
     * Registers the mapped region with a GPU as pinned, device-mapped memory, so that namespaces can move blocks
     * to and from device memory by DMA ({@link KvNamespace#getToDevice}, {@link KvNamespace#putFromDevice}).
     *
     * @param bridge the GPU; the caller keeps owning it and closes it after this pool.
     * @throws IllegalStateException when no namespace maps the region (remote data paths have nothing to register).
     */
    public synchronized void registerWith(final GpuBridge bridge)
    {
        registerWith(bridge, GpuBridge.Method.AUTO);
    }

    /**
     * {@link #registerWith(io.kvpool.gpu.GpuBridge)}, with the way blocks move: {@code RESIDENT} for streams of
     * small batches (16 KiB blocks at 91-92 % of the contiguous rate where one launch per batch gives 88-89 %; see
     * {@code GpuBridge.Method.RESIDENT} for what its kernel holds while it runs), {@code AUTO} otherwise.
     *
     * @param method how {@link KvNamespace#getToDevice} and {@link KvNamespace#putFromDevice} move blocks.
     * @throws IllegalArgumentException when the GPU cannot use {@code method}.
     */
    public synchronized void registerWith(
        final GpuBridge bridge, final GpuBridge.Method method)
    {
        ensureOpen();
        java.util.Objects.requireNonNull(method, "method");
        if (mapped == null)
        {
            throw new IllegalStateException("no mapped region to register: open a namespace on the cxl data path " +
                "first (this host's path is " + transportChoice + ")");
        }
        if (!bridge.available(method))
        {
            throw new IllegalArgumentException("method=" + method + " is not available on this GPU and driver " +
                "(RESIDENT needs compute capability 9.0, BATCH a CUDA 12.8 driver); use AUTO");
        }
        if (pinned != null)
        {
            pinned.close();
        }
        pinned = bridge.register(mapped.region().segment());
        state.gpu(new PoolState.GpuRegistration(bridge, method));
    }

    void ensureOpen()
    {
        state.ensureOpen();
    }

    boolean isClosed()
    {
        return state.isClosed();
    }

    /**
     * Picks the data path for a session: the highest-priority transport whose provider says this host can use it
     * (or the one the context forces), and records why the others were passed over.
     */
    private BlockTransport transportFor(final ManagerClient control)
    {
        final TransportContext transportContext = new TransportContext(control.session(),
            () -> control.session().sessionId(), context.managerEndpoint(), context.responseHost(),
            context.aeronDirectory(), context.embeddedDriverDirectory() == null ? null :
            context.embeddedDriverDirectory().resolve("transport"), context.regionPath(),
            control::rdmaConnect, context.aeronIdle(), context.dataLanes(), context.tcpPuts());
        final List<String> passedOver = new ArrayList<>();
        for (final BlockTransportProvider provider : BlockTransportProvider.all())
        {
            if (context.transport() != null && !context.transport().equals(provider.name()))
            {
                passedOver.add(provider.name() + ": not the forced transport " + context.transport());
                continue;
            }
            if (provider.name().equals("cxl") && mapped != null)
            {
                return mapped;
            }
            final String reason = provider.unavailableReason(transportContext);
            if (reason != null)
            {
                passedOver.add(provider.name() + ": " + reason);
                continue;
            }
            final BlockTransport transport;
            try
            {
                transport = provider.open(transportContext);
            }
            catch (final RuntimeException ex)
            {
                // Usable here but not with this manager (e.g. it has no RDMA device): fall back to the next path.
                passedOver.add(provider.name() + ": " + ex.getMessage());
                continue;
            }
            if (transport instanceof MappedBlockTransport mappedTransport)
            {
                mapped = mappedTransport;
                if (context.prefault())
                {
                    mappedTransport.region().prefault();
                }
            }
            transports.add(transport);
            transportChoice = provider.name() + (passedOver.isEmpty() ? "" : " (passed over: " +
                String.join("; ", passedOver) + ")");
            return transport;
        }
        throw new PoolException(ErrorCode.REGION_MAP_FAILED, "no data path to region " +
            control.session().regionUuid() + ": " + String.join("; ", passedOver));
    }

    /**
     * @return which data path the last opened namespace uses and why the better ones were passed over, e.g.
     *         "aeron (passed over: cxl: this host cannot map region ...; rdma: no RDMA device ...)".
     */
    public synchronized String transportChoice()
    {
        return transportChoice;
    }

    /**
     * Waits for write-back commits, closes every namespace's session and unmaps the region. Idempotent.
     */
    @Override
    public void close()
    {
        final List<KvNamespace> open;
        synchronized (this)
        {
            if (state.isClosed())
            {
                return;
            }
            open = List.copyOf(namespaces);
        }
        final ExecutorService executor = state.executor();
        executor.shutdown();
        try
        {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        synchronized (this)
        {
            state.close();
            open.forEach(KvNamespace::closeSession);
            if (pinned != null)
            {
                pinned.close();
            }
            transports.forEach(BlockTransport::close);
        }
    }
}
