package io.kvpool.client;

import io.kvpool.client.internal.LocationCache;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.SuperblockDescriptor;
import io.kvpool.protocol.transport.BlockTransport;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * One namespace of the pool (one model or KV layout), as an engine uses it: batch put, get, exists, contains and
 * remove on chained block keys, async variants, prefetch, write-back, token filtering and in-place views.
 * <p>
 * Bytes move by plain load/store between the caller's memory and the mapped region, exactly once each way, with no
 * intermediate buffer. A get validates each block's generation after its copy (a block evicted or reused while
 * being copied is reported as a miss, never returned as data) and, with {@link KvPoolContext#verifyChecksums},
 * its CRC32C. Hits on locations this client has seen cost no request to the manager: the location is validated
 * against the shared block table instead.
 * <p>
 * Thread-safe: shared by all engine threads. Their requests to the manager are in flight together (one session,
 * answers matched by correlation id); copies run in the calling threads in parallel.
 */
public final class KvNamespace
{
    private final PoolState pool;
    private final ManagerClient control;
    private final BlockTransport transport;
    /** The mapped region when the transport is load/store; {@code null} for remote transports. */
    private final MemorySegment region;
    private final long blockSizeBytes;
    private final LocationCache cache;
    /** Where keys are on the load/store path; {@code null} for remote transports. */
    private final Locator locator;
    private final RemotePath remote;
    private final PutPath puts;
    private final GrantStock grants;
    private final DevicePath devicePath;

    KvNamespace(
        final PoolState pool, final ManagerClient control, final BlockTransport transport, final long blockSizeBytes,
        final KvPoolContext context)
    {
        this.pool = pool;
        this.control = control;
        this.transport = transport;
        this.region = transport.mappedRegion();
        final RegionGeometry geometry = region != null ? SuperblockDescriptor.read(region) :
            control.session().geometry();
        this.blockSizeBytes = blockSizeBytes;
        this.cache = new LocationCache((int)Math.min(context.locationCacheEntries(), geometry.blockTableEntries()));
        this.locator = region == null ? null :
            new Locator(region, geometry, control.session().namespaceId(), blockSizeBytes, cache, control);
        this.remote = new RemotePath(control, transport, cache, context.verifyChecksums());
        this.grants = new GrantStock(control, blockSizeBytes, System::nanoTime);
        // A mapped put's keys are found by a later get in the region's key directory, which the manager fills at
        // each commit (and the get remembers what it finds): remembering them at the put too cost 32 x 64 KiB
        // mapped puts ~5 % of their time on a 2-core host, a cache miss or two per key.
        final LocationCache putLocations = locator != null && locator.hasDirectory() ? new LocationCache(0) : cache;
        this.puts = new PutPath(control, new LeasedWriter(control, transport, pool.checksums(), System::nanoTime),
            remote, putLocations, grants);
        this.devicePath = region == null ? null : new DevicePath(region, geometry, control);
    }

    /**
     * @return the namespace's block size: every get destination must hold this many bytes, and no put source may
     *         exceed it.
     */
    public long blockSizeBytes()
    {
        return blockSizeBytes;
    }

    /**
     * @return the data path this namespace's bytes take: "cxl" (load/store), "rdma" or "aeron".
     */
    public String transport()
    {
        return transport.name();
    }

    /**
     * Counts the leading keys present (HiCache's {@code batch_exists}). A probe: renews and touches nothing.
     *
     * @return number of leading keys present.
     */
    public int exists(final BlockKeys keys)
    {
        checkKeys(keys);
        int local = 0;
        while (locator != null && local < keys.size() && locator.validLocation(keys, local) != null)
        {
            local++;
        }
        if (local == keys.size())
        {
            return local;
        }
        final BlockBatch batch = new BlockBatch();
        keys.suffix(local).addTo(batch);
        return local + control.longestPrefix(batch);
    }

    /**
     * Reports per key whether it is present. A probe: renews and touches nothing.
     *
     * @return presence of each key, in order.
     */
    public boolean[] contains(final BlockKeys keys)
    {
        checkKeys(keys);
        final BlockBatch batch = new BlockBatch();
        keys.addTo(batch);
        control.contains(batch);
        final boolean[] present = new boolean[keys.size()];
        for (int i = 0; i < present.length; i++)
        {
            present[i] = batch.status(i) == Status.OK;
        }
        return present;
    }

    /**
     * Copies blocks from the pool into the caller's memory, each exactly once.
     *
     * @param keys         blocks to get.
     * @param destinations one per key, each at least {@link #blockSizeBytes()} long and writable.
     * @return per key {@link Status#OK} with the payload length, or {@link Status#NOT_FOUND}.
     * @throws IllegalArgumentException when a destination is missing, short or read-only.
     */
    public BatchResult get(final BlockKeys keys, final MemorySegment[] destinations)
    {
        checkKeys(keys);
        checkSegments(destinations, keys.size(), true);
        if (region == null)
        {
            return remote.getRemote(keys, destinations);
        }
        final LocationCache.Location[] locations = locator.locate(keys);
        final BlockBatch found = new BlockBatch(keys.size());
        keys.addTo(found);
        for (int i = 0; i < keys.size(); i++)
        {
            found.status(i, locations[i] == null ? Status.NOT_FOUND : Status.OK);
            if (locations[i] != null)
            {
                found.blockIndex(i, locations[i].blockIndex());
                found.generation(i, locations[i].generation());
                found.offset(i, locations[i].offset());
                found.length(i, locations[i].length());
                found.checksum(i, locations[i].checksum());
            }
        }
        // The transport carries out the read protocol (BlockProtocol): a block evicted, reused or written into
        // during its copy comes back NOT_FOUND.
        return remote.readLocated(keys, found, destinations);
    }

    /**
     * Copies blocks from the caller's memory into the pool, each exactly once, and commits them.
     *
     * @param keys    blocks to put.
     * @param sources one per key, 1 to {@link #blockSizeBytes()} bytes each.
     * @return per key {@link Status#OK}, {@link Status#ALREADY_EXISTS}, {@link Status#WRITE_IN_PROGRESS} or
     *         {@link Status#INSUFFICIENT_CAPACITY}.
     * @throws IllegalArgumentException when a source is missing, empty or longer than a block.
     */
    public BatchResult put(final BlockKeys keys, final MemorySegment[] sources)
    {
        return puts.finish(start(keys, sources, true));
    }

    /**
     * Write-back put: returns once the caller's memory has been copied into the pool (the caller may reuse it at
     * once); the commit runs in the background.
     *
     * @return completes with the put's result when the blocks are committed.
     */
    public CompletableFuture<BatchResult> putWriteBack(final BlockKeys keys, final MemorySegment[] sources)
    {
        final PutPath.Started put = start(keys, sources, false);
        return CompletableFuture.supplyAsync(() -> puts.finish(put), pool.executor());
    }

    /**
     * {@link #get} on the client's async threads.
     */
    public CompletableFuture<BatchResult> getAsync(final BlockKeys keys, final MemorySegment[] destinations)
    {
        checkKeys(keys);
        checkSegments(destinations, keys.size(), true);
        return CompletableFuture.supplyAsync(() -> get(keys, destinations), pool.executor());
    }

    /**
     * {@link #put} on the client's async threads. The sources must stay untouched until the future completes.
     */
    public CompletableFuture<BatchResult> putAsync(final BlockKeys keys, final MemorySegment[] sources)
    {
        checkKeys(keys);
        checkSegments(sources, keys.size(), false);
        return CompletableFuture.supplyAsync(() -> put(keys, sources), pool.executor());
    }

    /**
     * Pins blocks now (so they cannot be evicted before they are needed) and copies them into the destinations in
     * the background, releasing the pins after.
     *
     * @return completes with the copies' result.
     */
    public CompletableFuture<BatchResult> prefetch(final BlockKeys keys, final MemorySegment[] destinations)
    {
        checkKeys(keys);
        checkSegments(destinations, keys.size(), true);
        final BlockBatch pins = new BlockBatch();
        keys.addTo(pins);
        control.pin(pins);
        return CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return remote.readLocated(keys, pins, destinations);
            }
            finally
            {
                control.unpin(pins);
            }
        }, pool.executor());
    }

    /**
     * Copies blocks from the pool straight into GPU memory by DMA (one gather launch for the batch, or one batch
     * for the resident kernel where the pool was registered with that method), validating each block after the
     * copy. Needs the region registered with a GPU ({@link KvPool#registerWith}).
     *
     * @param devicePointers one per key: 16-byte aligned device addresses, each with room for a whole block.
     * @return completes with per key {@link Status#OK} (and the length) or {@link Status#NOT_FOUND}.
     */
    public CompletableFuture<BatchResult> getToDevice(final BlockKeys keys, final long[] devicePointers)
    {
        final PoolState.GpuRegistration gpu = checkDevice(keys, devicePointers);
        return devicePath.get(gpu.bridge(), gpu.method(), keys, locator.locate(keys), devicePointers);
    }

    /**
     * Copies blocks from GPU memory into the pool by DMA (one scatter launch) and commits them.
     *
     * @param devicePointers one per key: 16-byte aligned device addresses.
     * @param lengths        bytes of each block, 1 to {@link #blockSizeBytes()}.
     * @return completes with per key {@link Status#OK}, {@link Status#ALREADY_EXISTS},
     *         {@link Status#WRITE_IN_PROGRESS} or {@link Status#INSUFFICIENT_CAPACITY}.
     */
    public CompletableFuture<BatchResult> putFromDevice(
        final BlockKeys keys, final long[] devicePointers, final int[] lengths)
    {
        checkKeys(keys);
        if (lengths == null || lengths.length != keys.size())
        {
            throw new IllegalArgumentException("lengths must hold one length per key (" + keys.size() + ")");
        }
        for (int i = 0; i < lengths.length; i++)
        {
            if (lengths[i] <= 0 || lengths[i] > blockSizeBytes)
            {
                throw new IllegalArgumentException("lengths[" + i + "]=" + lengths[i] + " must be 1 to " +
                    blockSizeBytes);
            }
        }
        final PoolState.GpuRegistration gpu = checkDevice(keys, devicePointers);
        return devicePath.put(gpu.bridge(), gpu.method(), keys, devicePointers, lengths).thenApply(batch ->
            puts.commit(keys, batch));
    }

    private PoolState.GpuRegistration checkDevice(final BlockKeys keys, final long[] devicePointers)
    {
        checkKeys(keys);
        if (devicePointers == null || devicePointers.length != keys.size())
        {
            throw new IllegalArgumentException("devicePointers must hold one address per key (" + keys.size() + ")");
        }
        final PoolState.GpuRegistration gpu = pool.gpu();
        if (region == null || gpu == null)
        {
            throw new IllegalStateException("the region is not registered with a GPU: call KvPool.registerWith" +
                "(GpuBridge) on a host that maps the region (data path: " + transport.name() + ")");
        }
        return gpu;
    }

    /**
     * Pins one block and returns a read-only view of it in the pool, for reading in place.
     *
     * @return the view, or {@code null} when the key is not in the pool.
     */
    public BlockView view(final byte[] key)
    {
        final BlockKeys keys = BlockKeys.of(key);
        checkKeys(keys);
        final BlockBatch batch = new BlockBatch();
        keys.addTo(batch);
        if (region == null)
        {
            throw new UnsupportedOperationException("a view reads the block in place, which needs the region " +
                "mapped; this host's data path is " + transport.name() + ": use get");
        }
        control.pin(batch);
        if (batch.status(0) != Status.OK)
        {
            return null;
        }
        final MemorySegment payload = region.asSlice(batch.offset(0), batch.length(0)).asReadOnly();
        return new BlockView(this, payload, batch.pinId(0), keys.key(0));
    }

    /**
     * Removes keys from the pool.
     *
     * @return per key {@link Status#OK}, {@link Status#NOT_FOUND}, {@link Status#PINNED} or
     *         {@link Status#WRITE_IN_PROGRESS}.
     */
    public BatchResult remove(final BlockKeys keys)
    {
        checkKeys(keys);
        final BlockBatch batch = new BlockBatch();
        keys.addTo(batch);
        control.remove(batch);
        final int[] statuses = new int[keys.size()];
        for (int i = 0; i < statuses.length; i++)
        {
            statuses[i] = batch.status(i);
            cache.remove(keys.packed(), i * BlockKeys.KEY_BYTES);
        }
        return new BatchResult(statuses, new int[keys.size()]);
    }

    /**
     * Token filtering: chains keys over the sequence's full blocks and reports how many leading blocks the pool
     * holds, so the engine transfers those and computes only the rest. A probe: touches nothing.
     *
     * @param tokens      the prompt's token ids.
     * @param blockTokens tokens per block.
     * @param parent      key of the block before the first token, or {@code null}.
     */
    public TokenFilter filter(final int[] tokens, final int blockTokens, final byte[] parent)
    {
        final BlockKeys keys = BlockKeys.chain(tokens, blockTokens, parent);
        return new TokenFilter(keys, blockTokens, keys.size() == 0 ? 0 : exists(keys), tokens.length);
    }

    ManagerClient control()
    {
        pool.ensureOpen();
        return control;
    }

    void closeSession()
    {
        try
        {
            grants.close();
        }
        finally
        {
            control.close();
        }
    }

    /**
     * @param sourcesKept whether the caller's sources stay unchanged until the put's finish returns.
     */
    private PutPath.Started start(final BlockKeys keys, final MemorySegment[] sources, final boolean sourcesKept)
    {
        checkKeys(keys);
        checkSegments(sources, keys.size(), false);
        return puts.start(keys, sources, sourcesKept, true);
    }

    private void checkKeys(final BlockKeys keys)
    {
        pool.ensureOpen();
        if (keys == null)
        {
            throw new IllegalArgumentException("keys is null");
        }
    }

    private void checkSegments(final MemorySegment[] segments, final int count, final boolean destination)
    {
        final String role = destination ? "destinations" : "sources";
        if (segments == null || segments.length != count)
        {
            throw new IllegalArgumentException(role + ".length=" + (segments == null ? "null" : segments.length) +
                " must equal keys=" + count);
        }
        for (int i = 0; i < count; i++)
        {
            final MemorySegment segment = segments[i];
            if (segment == null)
            {
                throw new IllegalArgumentException(role + "[" + i + "] is null");
            }
            if (destination && (segment.byteSize() < blockSizeBytes || segment.isReadOnly()))
            {
                throw new IllegalArgumentException("destinations[" + i + "] is " + segment.byteSize() + " bytes" +
                    (segment.isReadOnly() ? " and read-only" : "") + "; it must be writable and hold a whole block (" +
                    blockSizeBytes + " bytes)");
            }
            if (!destination && (segment.byteSize() == 0 || segment.byteSize() > blockSizeBytes))
            {
                throw new IllegalArgumentException("sources[" + i + "] is " + segment.byteSize() + " bytes; it " +
                    "must be 1 to " + blockSizeBytes + " bytes (the namespace's block size)");
            }
        }
    }
}
