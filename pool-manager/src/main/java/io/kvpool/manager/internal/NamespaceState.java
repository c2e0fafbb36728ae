package io.kvpool.manager.internal;

/**
 * The manager's in-memory view of one namespace: its geometry and quota, the slabs it owns, those with free
 * blocks, its CLOCK hand and counters. The persistent copy of the geometry and quota is the region's namespace
 * table. Not thread-safe: owned by the manager's thread.
 */
public final class NamespaceState
{
    final int id;
    final String name;
    final long blockSizeBytes;
    final int blocksPerSlab;
    final int minSlabs;
    final int maxSlabs;
    final IntList slabs = new IntList(8);
    final IntList partialSlabs = new IntList(8);
    int handSlabPosition;
    int handSlot;

    long sealedBlocks;
    long writingBlocks;
    long hits;
    long misses;
    long evictions;
    long leaseExpiries;
    long capacityRejections;
    long slabsAcquired;
    long slabsSurrendered;

    public NamespaceState(
        final int id, final String name, final long blockSizeBytes, final long slabSizeBytes, final int minSlabs,
        final int maxSlabs)
    {
        this.id = id;
        this.name = name;
        this.blockSizeBytes = blockSizeBytes;
        this.blocksPerSlab = (int)(slabSizeBytes / blockSizeBytes);
        this.minSlabs = minSlabs;
        this.maxSlabs = maxSlabs;
    }

    public int id()
    {
        return id;
    }

    public String name()
    {
        return name;
    }

    public long blockSizeBytes()
    {
        return blockSizeBytes;
    }

    public int blocksPerSlab()
    {
        return blocksPerSlab;
    }

    public int minSlabs()
    {
        return minSlabs;
    }

    public int maxSlabs()
    {
        return maxSlabs;
    }

    public int slabCount()
    {
        return slabs.size();
    }

    public long capacityBlocks()
    {
        return (long)slabs.size() * blocksPerSlab;
    }

    public long sealedBlocks()
    {
        return sealedBlocks;
    }

    public long writingBlocks()
    {
        return writingBlocks;
    }

    public long hits()
    {
        return hits;
    }

    public long misses()
    {
        return misses;
    }

    public long evictions()
    {
        return evictions;
    }

    public long leaseExpiries()
    {
        return leaseExpiries;
    }

    public long capacityRejections()
    {
        return capacityRejections;
    }

    public long slabsAcquired()
    {
        return slabsAcquired;
    }

    public long slabsSurrendered()
    {
        return slabsSurrendered;
    }

    public void recordHit()
    {
        hits++;
    }

    public void recordMiss()
    {
        misses++;
    }

    public void recordLeaseExpiry()
    {
        leaseExpiries++;
    }
}
