package io.kvpool.manager;

/**
 * What attaching to a region found and repaired.
 *
 * @param formatted              whether the region was formatted by this open.
 * @param cleanShutdown          whether the previous manager exited cleanly.
 * @param managerEpoch           epoch of this manager (previous + 1).
 * @param sealedBlocks           committed blocks found.
 * @param reclaimedWritingBlocks WRITING blocks whose writers died with the manager, freed.
 * @param clearedPins            pin counts left by the previous manager, reset.
 * @param restoredIndexEntries   sealed blocks missing from the index, re-inserted.
 * @param removedIndexEntries    index entries naming no sealed block (or the wrong one), removed.
 * @param duplicateBlocks        sealed blocks whose key the index maps elsewhere, freed.
 * @param elapsedNanos           time the attach took.
 */
public record RecoveryReport(
    boolean formatted,
    boolean cleanShutdown,
    long managerEpoch,
    long sealedBlocks,
    long reclaimedWritingBlocks,
    long clearedPins,
    long restoredIndexEntries,
    long removedIndexEntries,
    long duplicateBlocks,
    long elapsedNanos)
{
    /**
     * @return whether anything had to be repaired.
     */
    public boolean repaired()
    {
        return reclaimedWritingBlocks + clearedPins + restoredIndexEntries + removedIndexEntries + duplicateBlocks > 0;
    }
}
