package io.kvpool.protocol;

/**
 * A namespace as created: one model or KV layout, with one block size and a slab quota.
 *
 * @param id             namespace id, 1-based, stable for the life of the region.
 * @param name           name given at creation.
 * @param blockSizeBytes size of every block.
 * @param blocksPerSlab  blocks one slab holds.
 * @param minSlabs       slabs guaranteed to the namespace (never taken by others).
 * @param maxSlabs       most slabs the namespace may hold.
 */
public record NamespaceInfo(int id, String name, long blockSizeBytes, int blocksPerSlab, int minSlabs, int maxSlabs)
{
}
