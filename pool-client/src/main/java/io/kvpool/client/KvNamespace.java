package io.kvpool.client;

import io.kvpool.client.internal.LocationCache;
import io.kvpool.gpu.GpuBridge;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockProtocol;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.SuperblockDescriptor;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransferBatch;

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
 * Thread-safe: shared by all engine threads. Requests to the manager are serialized per namespace; copies run in
 * the calling threads in parallel.
 */
public final class KvNamespace
{
    private final KvPool pool;
    private final ManagerClient control;
    private final BlockTransport transport;
    /** The mapped region when the transport is load/store; {@code null} for remote transports. */
    private final MemorySegment region;
    private final RegionGeometry geometry;
    private final long blockSizeBytes;
    private final int namespaceId;
    private final boolean verifyChecksums;
    private final LocationCache cache;
    private final RemotePath remote;
    private final LeasedWriter writer;
    private final DevicePath devicePath;

    KvNamespace(
        final KvPool pool, final ManagerClient control, final BlockTransport transport, final long blockSizeBytes,
        final KvPoolContext context)
    {
        this.pool = pool;
        this.control = control;
        this.transport = transport;
        this.region = transport.mappedRegion();
        this.geometry = region != null ? SuperblockDescriptor.read(region) : control.session().geometry();
        this.blockSizeBytes = blockSizeBytes;
        this.namespaceId = control.session().namespaceId();
        this.verifyChecksums = context.verifyChecksums();
        this.cache = new LocationCache((int)Math.min(context.locationCacheEntries(), geometry.blockTableEntries()));
        this.remote = new RemotePath(control, transport, cache, verifyChecksums);
        this.writer = new LeasedWriter(control, transport, System::nanoTime);
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
        while (region != null && local < keys.size() && validLocation(keys, local) != null)
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
        final LocationCache.Location[] locations = locate(keys);
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
        final BlockBatch batch = reserveAndCopy(keys, sources);
        return commit(keys, batch);
    }

    /**
     * Write-back put: returns once the caller's memory has been copied into the pool (the caller may reuse it at
     * once); the commit runs in the background.
     *
     * @return completes with the put's result when the blocks are committed.
     */
    public CompletableFuture<BatchResult> putWriteBack(final BlockKeys keys, final MemorySegment[] sources)
    {
        final BlockBatch batch = reserveAndCopy(keys, sources);
        return CompletableFuture.supplyAsync(() -> commit(keys, batch), pool.executor());
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
        final GpuBridge gpu = checkDevice(keys, devicePointers);
        return devicePath.get(gpu, pool.gpuMethod(), keys, locate(keys), devicePointers);
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
                throw new IllegalArgumentException("lengths[" + i + "]=" + lengths[i] + " must be 1 to " + blockSizeBytes);
            }
        }
        final GpuBridge gpu = checkDevice(keys, devicePointers);
        return devicePath.put(gpu, pool.gpuMethod(), keys, devicePointers, lengths).thenApply(batch ->
            commit(keys, batch));
    }

    private GpuBridge checkDevice(final BlockKeys keys, final long[] devicePointers)
    {
        checkKeys(keys);
        if (devicePointers == null || devicePointers.length != keys.size())
        {
            throw new IllegalArgumentException("devicePointers must hold one address per key (" + keys.size() + ")");
        }
        final GpuBridge gpu = pool.gpu();
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
        control.close();
    }

    private BlockBatch reserveAndCopy(final BlockKeys keys, final MemorySegment[] sources)
    {
        checkKeys(keys);
        checkSegments(sources, keys.size(), false);
        final BlockBatch batch = new BlockBatch();
        keys.addTo(batch);
        control.reserve(batch);
        try
        {
            final TransferBatch transfers = new TransferBatch(keys.size());
            for (int i = 0; i < keys.size(); i++)
            {
                if (batch.status(i) == Status.OK)
                {
                    final MemorySegment source = sources[i];
                    transfers.add(batch.blockIndex(i), batch.generation(i), batch.offset(i), (int)source.byteSize(),
                        source);
                }
            }
            if (transfers.size() > 0)
            {
                remote.failWhereTransferFailed(batch, writer.write(batch, transfers));
            }
        }
        catch (final RuntimeException ex)
        {
            control.abort(batch);
            throw ex;
        }
        return batch;
    }

    private BatchResult commit(final BlockKeys keys, final BlockBatch reserved)
    {
        final int[] statuses = new int[keys.size()];
        final int[] lengths = new int[keys.size()];
        final BlockBatch commits = new BlockBatch();
        final int[] positions = new int[keys.size()];
        for (int i = 0; i < keys.size(); i++)
        {
            statuses[i] = reserved.status(i);
            if (reserved.status(i) == Status.OK)
            {
                positions[commits.size()] = i;
                final int c = commits.addKey(reserved.keyArray(), i * BlockKeys.KEY_BYTES);
                commits.blockIndex(c, reserved.blockIndex(i));
                commits.generation(c, reserved.generation(i));
                commits.length(c, reserved.length(i));
                commits.checksum(c, reserved.checksum(i));
            }
        }
        if (commits.size() > 0)
        {
            control.commit(commits);
        }
        for (int c = 0; c < commits.size(); c++)
        {
            final int i = positions[c];
            statuses[i] = commits.status(c);
            lengths[i] = commits.status(c) == Status.OK ? commits.length(c) : 0;
            if (commits.status(c) == Status.OK)
            {
                cache.put(keys.packed(), i * BlockKeys.KEY_BYTES, new LocationCache.Location(commits.blockIndex(c),
                    commits.generation(c), reserved.offset(i), commits.length(c), commits.checksum(c)));
            }
        }
        return new BatchResult(statuses, lengths);
    }

    /**
     * Locations of every key: validated cached ones, the rest from one LOOKUP.
     */
    private LocationCache.Location[] locate(final BlockKeys keys)
    {
        final LocationCache.Location[] locations = new LocationCache.Location[keys.size()];
        final BlockBatch misses = new BlockBatch();
        final int[] positions = new int[keys.size()];
        for (int i = 0; i < keys.size(); i++)
        {
            locations[i] = validLocation(keys, i);
            if (locations[i] == null)
            {
                positions[misses.size()] = i;
                misses.addKey(keys.packed(), i * BlockKeys.KEY_BYTES);
            }
            else
            {
                touch(locations[i].blockIndex());
            }
        }
        if (misses.size() > 0)
        {
            control.lookup(misses);
            for (int m = 0; m < misses.size(); m++)
            {
                if (misses.status(m) == Status.OK)
                {
                    final int i = positions[m];
                    locations[i] = LocationCache.Location.of(misses, m);
                    cache.put(keys.packed(), i * BlockKeys.KEY_BYTES, locations[i]);
                }
            }
        }
        return locations;
    }


    /**
     * @return the cached location of key {@code i} if the block table still says it is that key's sealed block (a
     *         cheap check before any copy; the transfer validates the copy itself).
     */
    private LocationCache.Location validLocation(final BlockKeys keys, final int i)
    {
        final LocationCache.Location location = cache.get(keys.packed(), i * BlockKeys.KEY_BYTES);
        if (location == null)
        {
            return null;
        }
        final long entry = geometry.blockEntryOffset(location.blockIndex());
        if (BlockProtocol.beginRead(region, entry, location.generation()) == -1 ||
            BlockTableDescriptor.namespaceId(region, entry) != namespaceId || !sameKey(keys, i, entry))
        {
            cache.remove(keys.packed(), i * BlockKeys.KEY_BYTES);
            return null;
        }
        return location;
    }

    private boolean sameKey(final BlockKeys keys, final int i, final long entry)
    {
        return MemorySegment.mismatch(region, entry + BlockTableDescriptor.KEY_OFFSET,
            entry + BlockTableDescriptor.KEY_OFFSET + BlockKeys.KEY_BYTES, MemorySegment.ofArray(keys.packed()),
            (long)i * BlockKeys.KEY_BYTES, (long)(i + 1) * BlockKeys.KEY_BYTES) == -1;
    }

    /**
     * Records a hit the manager did not see, so eviction treats the block as referenced: a tick newer than both
     * the block's and the manager's published clock. A plain store; a lost race only ages a hint.
     */
    private void touch(final long blockIndex)
    {
        final long entry = geometry.blockEntryOffset(blockIndex);
        final long tick = Math.max(SuperblockDescriptor.accessTick(region),
            BlockTableDescriptor.lastAccessTick(region, entry) + 1);
        BlockTableDescriptor.lastAccessTick(region, entry, tick);
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
