package io.kvpool.protocol;

import java.util.List;

/**
 * A snapshot of the pool's figures.
 *
 * @param regionLengthBytes length of the region.
 * @param slabSizeBytes     slab size.
 * @param slabCount         slabs in the data area.
 * @param freeSlabs         slabs owned by no namespace.
 * @param openReservations  blocks WRITING under a lease.
 * @param activePins        read pins held.
 * @param indexEntries      entries in the persistent index.
 * @param accessTick        the logical access clock.
 * @param namespaces        per-namespace figures.
 */
public record PoolStats(
    long regionLengthBytes,
    long slabSizeBytes,
    int slabCount,
    int freeSlabs,
    int openReservations,
    int activePins,
    long indexEntries,
    long accessTick,
    List<Namespace> namespaces)
{
    /**
     * Figures of one namespace.
     *
     * @param info               identity and quota.
     * @param slabs              slabs held now.
     * @param capacityBlocks     blocks in those slabs.
     * @param freeBlocks         FREE blocks in those slabs.
     * @param writingBlocks      blocks reserved by writers.
     * @param sealedBlocks       committed blocks.
     * @param hits               keys found by lookup and pin.
     * @param misses             keys not found by lookup and pin.
     * @param evictions          blocks evicted.
     * @param leaseExpiries      reservations and pins that lapsed.
     * @param capacityRejections reservations refused for want of capacity.
     * @param slabsAcquired      slabs taken (free or from other namespaces).
     * @param slabsSurrendered   slabs given up to other namespaces.
     * @param quarantinedBlocks  FREE blocks kept from reuse while a writer may still store into them
     *                           ({@link BlockProtocol}); counted in {@code freeBlocks} too.
     */
    public record Namespace(
        NamespaceInfo info,
        int slabs,
        long capacityBlocks,
        long freeBlocks,
        long writingBlocks,
        long sealedBlocks,
        long hits,
        long misses,
        long evictions,
        long leaseExpiries,
        long capacityRejections,
        long slabsAcquired,
        long slabsSurrendered,
        int quarantinedBlocks)
    {
    }
}
