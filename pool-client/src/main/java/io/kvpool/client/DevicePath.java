package io.kvpool.client;

import io.kvpool.client.internal.LocationCache;
import io.kvpool.gpu.GpuBridge;
import io.kvpool.gpu.PageList;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockProtocol;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Blocks between the pool and GPU memory by DMA from the registered region: one gather/scatter launch per batch,
 * no staging copy. Gets validate each block's stamp after the DMA (a block evicted or reused meanwhile is a miss);
 * puts reserve, DMA into the reserved blocks, checksum them and commit. Thread-safe as KvNamespace is.
 */
final class DevicePath
{
    private final MemorySegment region;
    private final RegionGeometry geometry;
    private final ManagerClient control;

    DevicePath(final MemorySegment region, final RegionGeometry geometry, final ManagerClient control)
    {
        this.region = region;
        this.geometry = geometry;
        this.control = control;
    }

    CompletableFuture<BatchResult> get(
        final GpuBridge gpu, final GpuBridge.Method method, final BlockKeys keys,
        final LocationCache.Location[] locations, final long[] devicePointers)
    {
        final PageList pages = new PageList();
        final long[] stamps = new long[keys.size()];
        for (int i = 0; i < keys.size(); i++)
        {
            final LocationCache.Location location = locations[i];
            if (location == null)
            {
                continue;
            }
            final long entry = geometry.blockEntryOffset(location.blockIndex());
            stamps[i] = BlockProtocol.beginRead(region, entry, location.generation());
            if (stamps[i] != -1)
            {
                pages.add(region.address() + location.offset(), devicePointers[i], location.length());
            }
            else
            {
                locations[i] = null;
            }
        }
        return gpu.copy(pages, method).thenApply(ignored ->
        {
            final int[] statuses = new int[keys.size()];
            final int[] lengths = new int[keys.size()];
            for (int i = 0; i < keys.size(); i++)
            {
                final LocationCache.Location location = locations[i];
                final boolean ok = location != null && BlockProtocol.endRead(region,
                    geometry.blockEntryOffset(location.blockIndex()), stamps[i]);
                statuses[i] = ok ? Status.OK : Status.NOT_FOUND;
                lengths[i] = ok ? location.length() : 0;
            }
            return new BatchResult(statuses, lengths);
        });
    }

    /**
     * @return the reservations, filled by DMA; the caller commits.
     */
    CompletableFuture<BlockBatch> put(
        final GpuBridge gpu, final GpuBridge.Method method, final BlockKeys keys, final long[] devicePointers,
        final int[] lengths)
    {
        final BlockBatch batch = new BlockBatch();
        keys.addTo(batch);
        control.reserve(batch);
        final PageList pages = new PageList();
        for (int i = 0; i < keys.size(); i++)
        {
            if (batch.status(i) == Status.OK)
            {
                // The DMA stores on the writer's behalf: the intent is taken before it starts and withdrawn after
                // it is waited for, as a load/store writer does around its copy.
                final int status = BlockProtocol.beginWrite(region, geometry.blockEntryOffset(batch.blockIndex(i)),
                    batch.generation(i));
                if (status == Status.OK)
                {
                    pages.add(devicePointers[i], region.address() + batch.offset(i), lengths[i]);
                }
                else
                {
                    batch.status(i, Status.LEASE_EXPIRED);
                }
            }
        }
        return gpu.copy(pages, method).handle((ignored, failure) ->
        {
            for (int i = 0; i < keys.size(); i++)
            {
                if (batch.status(i) == Status.OK)
                {
                    BlockProtocol.endWrite(region, geometry.blockEntryOffset(batch.blockIndex(i)));
                    batch.length(i, lengths[i]);
                    batch.checksum(i, Checksums.crc32c(region.asSlice(batch.offset(i), lengths[i])));
                }
            }
            if (failure != null)
            {
                throw failure instanceof CompletionException completion ? completion :
                    new CompletionException(failure);
            }
            return batch;
        });
    }
}
