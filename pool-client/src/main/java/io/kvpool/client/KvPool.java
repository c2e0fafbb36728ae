package io.kvpool.client;

import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.SuperblockDescriptor;
import io.kvpool.protocol.wire.SessionDescriptor;
import io.kvpool.transport.cxl.Region;
import io.kvpool.transport.cxl.RegionSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The engine's handle on a kvpool: connects to the manager, maps the pool region itself (on the manager's host, or
 * on any host where the same region UUID is visible, e.g. a CXL-attached device), and hands out
 * {@link KvNamespace}s through which block bytes move by plain load/store, never through the manager.
 * <p>
 * Thread-safe: one KvPool is shared by all engine threads. Close it once at the end.
 */
public final class KvPool implements AutoCloseable
{
    private final KvPoolContext context;
    private final ExecutorService executor;
    private final List<KvNamespace> namespaces = new ArrayList<>();
    private Region region;
    private boolean closed;

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
        this.executor = Executors.newFixedThreadPool(context.asyncThreads(), factory);
    }

    /**
     * Connects to a manager. Sessions are opened per namespace by {@link #namespace}.
     *
     * @param context configuration.
     * @return the pool handle.
     */
    public static KvPool connect(final KvPoolContext context)
    {
        return new KvPool(context);
    }

    /**
     * Opens a namespace (one model / KV layout) with no token.
     *
     * @see #namespace(String, long, String)
     */
    public KvNamespace namespace(final String name, final long blockBytes)
    {
        return namespace(name, blockBytes, "");
    }

    /**
     * Opens a session for a namespace and checks that its block size is the one the engine expects.
     *
     * @param name       namespace name.
     * @param blockBytes the engine's block size; must equal the namespace's.
     * @param token      the namespace's token.
     * @return the namespace handle.
     * @throws IllegalArgumentException when the block size differs from the namespace's.
     * @throws PoolException            {@code REQUEST_REFUSED} (wrong token, unknown namespace),
     *                                  {@code MANAGER_UNREACHABLE}, or {@code REGION_MAP_FAILED} when this host
     *                                  cannot map the region.
     */
    public synchronized KvNamespace namespace(final String name, final long blockBytes, final String token)
    {
        ensureOpen();
        final ManagerClient control = ManagerClient.connect(context.managerClientContext(name, token));
        try
        {
            final SessionDescriptor session = control.session();
            if (session.blockSizeBytes() != blockBytes)
            {
                throw new IllegalArgumentException("namespace '" + name + "' has blockSizeBytes=" +
                    session.blockSizeBytes() + ", not " + blockBytes + ": use the namespace's block size, or a " +
                    "namespace made for this layout");
            }
            if (region == null)
            {
                region = mapRegion(session);
                if (context.prefault())
                {
                    region.prefault();
                }
            }
            final KvNamespace namespace = new KvNamespace(this, control, region, blockBytes, context);
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
     * @return the mapped region (after the first namespace is opened), or {@code null}.
     */
    public synchronized Region region()
    {
        return region;
    }

    ExecutorService executor()
    {
        return executor;
    }

    void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the KvPool is closed");
        }
    }

    boolean isClosed()
    {
        return closed;
    }

    private Region mapRegion(final SessionDescriptor session)
    {
        final List<Path> candidates = new ArrayList<>();
        if (context.regionPath() != null)
        {
            candidates.add(context.regionPath());
        }
        candidates.add(Path.of(session.pathHint()));
        try (Stream<Path> devices = Files.list(Path.of("/dev")))
        {
            devices.filter(p -> p.getFileName().toString().matches("dax\\d+\\.\\d+")).sorted()
                .forEach(candidates::add);
        }
        catch (final IOException ex)
        {
            // No /dev listing: only the hints are tried.
        }
        final UUID wanted = session.regionUuid();
        final List<String> tried = new ArrayList<>();
        for (final Path candidate : candidates)
        {
            if (!Files.exists(candidate))
            {
                tried.add(candidate + " (absent)");
                continue;
            }
            try
            {
                final Region mapped = Region.map(RegionSource.forPath(candidate, 0, false));
                final UUID found = SuperblockDescriptor.uuid(mapped.segment());
                if (wanted.equals(found) && SuperblockDescriptor.read(mapped.segment()).dataOffset() ==
                    session.geometry().dataOffset())
                {
                    return mapped;
                }
                mapped.close();
                tried.add(candidate + " (uuid " + found + ")");
            }
            catch (final PoolException ex)
            {
                tried.add(candidate + " (" + ex.getMessage() + ")");
            }
        }
        throw new PoolException(ErrorCode.REGION_MAP_FAILED, "this host cannot map region " + wanted + "; tried " +
            tried + ". Engines off the CXL fabric need a remote data path (RDMA or Aeron), which is not " +
            "available in this version; or name the region's local path with KvPoolContext.regionPath");
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
            if (closed)
            {
                return;
            }
            open = List.copyOf(namespaces);
        }
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
            closed = true;
            open.forEach(KvNamespace::closeSession);
            if (region != null)
            {
                region.close();
            }
        }
    }
}
