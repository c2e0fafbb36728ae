package io.kvpool.client;

import io.kvpool.client.internal.LocationCache;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockProtocol;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.KeyDirectory;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.SuperblockDescriptor;

import java.lang.foreign.MemorySegment;

/**
 * Where a namespace's keys are, for the load/store path: a remembered location checked against the shared block
 * table, else the region's key directory (the manager's hint of the key's block, checked the same way), else one
 * LOOKUP for every key found neither way. A hit without a LOOKUP is recorded in the block's access tick, since the
 * manager never saw it. Thread-safe (the cache is; the region is read and the tick written with plain accesses, as
 * region-format.md allows for hints).
 */
final class Locator
{
    private final MemorySegment region;
    private final RegionGeometry geometry;
    private final int namespaceId;
    private final long blockSizeBytes;
    private final LocationCache cache;
    private final ManagerClient control;
    /** {@code null} where the region keeps none (format before 1.2, or no room). */
    private final KeyDirectory directory;

    /**
     * @param region         the mapped region.
     * @param geometry       its layout.
     * @param namespaceId    the namespace whose blocks a remembered location must name.
     * @param blockSizeBytes the namespace's block size.
     * @param cache          the namespace handle's remembered locations.
     * @param control        the handle's manager session, for LOOKUPs.
     */
    Locator(
        final MemorySegment region, final RegionGeometry geometry, final int namespaceId, final long blockSizeBytes,
        final LocationCache cache, final ManagerClient control)
    {
        this.region = region;
        this.geometry = geometry;
        this.namespaceId = namespaceId;
        this.blockSizeBytes = blockSizeBytes;
        this.cache = cache;
        this.control = control;
        this.directory = KeyDirectory.attach(region, geometry);
    }

    /** @return whether the region keeps a key directory, where every key committed is found. */
    boolean hasDirectory()
    {
        return directory != null;
    }

    /**
     * Locations of every key: validated cached ones, the rest from one LOOKUP.
     */
    LocationCache.Location[] locate(final BlockKeys keys)
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
     * @return key {@code i}'s location if the block table says it is that key's sealed block, found without a
     *         request: remembered, else through the key directory (then remembered). A cheap check before any copy;
     *         the transfer validates the copy itself.
     */
    LocationCache.Location validLocation(final BlockKeys keys, final int i)
    {
        final int keyOffset = i * BlockKeys.KEY_BYTES;
        final MemorySegment packed = MemorySegment.ofArray(keys.packed());
        final LocationCache.Location location = cache.get(keys.packed(), keyOffset);
        if (location != null)
        {
            final long entry = geometry.blockEntryOffset(location.blockIndex());
            if (BlockProtocol.beginRead(region, entry, location.generation()) != -1 &&
                BlockTableDescriptor.namespaceId(region, entry) == namespaceId &&
                BlockTableDescriptor.hasKey(region, entry, packed, keyOffset))
            {
                return location;
            }
            cache.remove(keys.packed(), keyOffset);
        }
        final KeyDirectory.Hit hit = directory == null ? null : directory.find(namespaceId, packed, keyOffset);
        if (hit == null)
        {
            return null;
        }
        final LocationCache.Location found = new LocationCache.Location(hit.blockIndex(), hit.generation(),
            geometry.blockDataOffset(hit.blockIndex(), blockSizeBytes), hit.payloadLengthBytes(), hit.checksum());
        cache.put(keys.packed(), keyOffset, found);
        return found;
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
}
