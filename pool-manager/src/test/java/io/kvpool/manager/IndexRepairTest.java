package io.kvpool.manager;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.test.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.kvpool.manager.PoolFixture.MIB;
import static io.kvpool.manager.PoolFixture.batchOf;
import static io.kvpool.manager.PoolFixture.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The block table is the authority: an index that is lost, or that disagrees with the table, is repaired from it
 * on attach, and the repair is counted.
 */
class IndexRepairTest
{
    private final PoolFixture fixture = new PoolFixture();
    private final Path indexFile = Path.of(fixture.regionFile + ".index");

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldRebuildLostIndexFromBlockTable() throws IOException
    {
        final int[] checksums = new int[20];
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 4).id();
            for (int key = 0; key < checksums.length; key++)
            {
                checksums[key] = put(pool, ns, key, 1000 + key);
            }
        }
        Files.delete(indexFile);
        try (LogCapture log = LogCapture.start(); PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            assertEquals(checksums.length, log.count("was sealed but missing from the index; re-indexed"),
                "every re-indexed block logged: " + log.warnings());
            assertEquals(checksums.length, pool.recoveryReport().restoredIndexEntries());
            assertTrue(pool.recoveryReport().repaired());
            final BlockBatch batch = new BlockBatch();
            for (int key = 0; key < checksums.length; key++)
            {
                batch.addKey(PoolFixture.key(key));
            }
            assertEquals(checksums.length, pool.lookup(pool.namespace("m").id(), batch));
            for (int key = 0; key < checksums.length; key++)
            {
                assertEquals(checksums[key], batch.checksum(key));
                assertEquals(1000 + key, batch.length(key));
            }
        }
    }

    @Test
    void shouldDropIndexEntryWhoseBlockIsNoLongerSealed()
    {
        final long block;
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 4).id();
            put(pool, ns, 1, 100);
            put(pool, ns, 2, 100);
            final BlockBatch batch = batchOf(1);
            pool.lookup(ns, batch);
            block = batch.blockIndex(0);
            // A table that moved on without the index: the block was freed, the index entry stayed.
            final long entry = pool.geometry().blockEntryOffset(block);
            final long stamp = BlockTableDescriptor.stampAcquire(pool.region().segment(), entry);
            BlockTableDescriptor.stampRelease(pool.region().segment(), entry,
                BlockTableDescriptor.stamp(BlockTableDescriptor.generation(stamp), BlockTableDescriptor.FREE));
        }
        try (LogCapture log = LogCapture.start(); PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            assertEquals(1, log.count("named no sealed block with its key and generation; removed"), log.warnings()
                .toString());
            assertEquals(1, pool.recoveryReport().removedIndexEntries());
            assertEquals(1, pool.recoveryReport().sealedBlocks());
            final int ns = pool.namespace("m").id();
            final BlockBatch batch = batchOf(1, 2);
            assertEquals(1, pool.lookup(ns, batch));
            assertEquals(Status.NOT_FOUND, batch.status(0));
            assertEquals(Status.OK, batch.status(1));
            assertEquals(1, pool.stats().indexEntries());
        }
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            assertFalse(pool.recoveryReport().repaired(), "a repaired region needs no second repair");
        }
    }
}
