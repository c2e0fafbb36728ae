package io.kvpool.manager;

import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.test.LogCapture;
import io.kvpool.transport.cxl.RegionSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A child JVM streams commits and is killed with SIGKILL mid-stream, twice; on reopen every acknowledged commit is
 * present with a matching checksum, and no WRITING block or reservation leaks.
 */
class CrashRecoveryTest
{
    private final PoolFixture fixture = new PoolFixture();
    private final Path journal = fixture.directory.resolve("journal");

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldKeepEveryAcknowledgedCommitAcrossSigkill() throws Exception
    {
        killMidStream(0, 600);
        final RecoveryReport first = verifyJournal(8);
        assertFalse(first.cleanShutdown(), "the killed manager never marked the region clean");
        assertTrue(first.reclaimedWritingBlocks() >= 2, "open reservations were reclaimed: " + first);

        killMidStream(1, 1200);
        final RecoveryReport second = verifyJournal(16);
        assertFalse(second.cleanShutdown());
        assertTrue(second.reclaimedWritingBlocks() >= 2, "open reservations were reclaimed: " + second);
        assertTrue(second.managerEpoch() >= 4, "four attaches so far: " + second);
    }

    private void killMidStream(final int run, final int minimumJournaled) throws Exception
    {
        final int before = journalEntries().size();
        final Process child = new ProcessBuilder(javaCommand(run))
            .redirectErrorStream(true)
            .redirectOutput(fixture.directory.resolve("child-" + run + ".log").toFile())
            .start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (journalEntries().size() < before + minimumJournaled)
        {
            if (!child.isAlive())
            {
                fail("child exited early with " + child.exitValue() + ":\n" +
                    Files.readString(fixture.directory.resolve("child-" + run + ".log")));
            }
            if (System.nanoTime() > deadline)
            {
                child.destroyForcibly();
                fail("child journaled only " + (journalEntries().size() - before) + " commits in 60 s");
            }
            Thread.sleep(5);
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(128 + 9, child.exitValue(), "killed by SIGKILL");
    }

    /**
     * @param maxUnacknowledged sealed blocks allowed beyond the journal: a batch per kill may have been committed
     *                          but not yet journaled when the kill landed.
     */
    private RecoveryReport verifyJournal(final int maxUnacknowledged) throws IOException
    {
        final List<long[]> entries = journalEntries();
        // Recovery after a kill repairs on purpose and says so: the test asserts on what it says.
        try (LogCapture log = LogCapture.start();
            PoolCore pool = PoolCore.open(new PoolContext()
            .regionSource(RegionSource.file(fixture.regionFile, 0))))
        {
            final RecoveryReport report = pool.recoveryReport();
            assertTrue(log.count("was WRITING: its writer's lease died with the previous manager; freed") >=
                Math.min(report.reclaimedWritingBlocks(), 20), "each reclaimed block logged (up to 20): " +
                log.warnings());
            assertEquals(1, log.count("attached TMPFS_FILE"), "one attach line with the report: " + log.warnings());
            assertTrue(log.count("Recovery operation needs exclusive access") >= 1,
                "Chronicle Map's notice for an index not closed cleanly: " + log.warnings());
            final int ns = pool.namespace("crash").id();
            final BlockBatch batch = new BlockBatch();
            for (int start = 0; start < entries.size(); start += BlockBatch.MAX_KEYS)
            {
                batch.clear();
                final int end = Math.min(entries.size(), start + BlockBatch.MAX_KEYS);
                for (int i = start; i < end; i++)
                {
                    batch.addKey(PoolFixture.key(entries.get(i)[0]));
                }
                assertEquals(end - start, pool.lookup(ns, batch), "every acknowledged commit is present");
                for (int i = start; i < end; i++)
                {
                    final long[] entry = entries.get(i);
                    assertEquals(Status.OK, batch.status(i - start));
                    assertEquals((int)entry[1], batch.checksum(i - start), "recorded checksum of key " + entry[0]);
                    assertEquals((int)entry[2], batch.length(i - start));
                    final int actual = PoolFixture.crc(pool.region().segment().asSlice(batch.offset(i - start),
                        batch.length(i - start)));
                    assertEquals((int)entry[1], actual, "bytes of key " + entry[0]);
                }
            }
            final PoolStats stats = pool.stats();
            final PoolStats.Namespace namespace = stats.namespaces().getFirst();
            assertEquals(0, namespace.writingBlocks(), "no WRITING block survives");
            assertEquals(0, stats.openReservations());
            assertTrue(namespace.sealedBlocks() >= entries.size() &&
                namespace.sealedBlocks() <= entries.size() + maxUnacknowledged,
                "sealed=" + namespace.sealedBlocks() + " acknowledged=" + entries.size());
            assertEquals(namespace.sealedBlocks(), stats.indexEntries());
            assertEquals(namespace.capacityBlocks(), namespace.freeBlocks() + namespace.sealedBlocks());
            assertEquals(0, countWriting(pool), "no WRITING entry left in the block table");
            return report;
        }
    }

    private static long countWriting(final PoolCore pool)
    {
        final RegionGeometry geometry = pool.geometry();
        long writing = 0;
        for (long block = 0; block < geometry.blockTableEntries(); block++)
        {
            final long stamp = BlockTableDescriptor.stampAcquire(pool.region().segment(),
                geometry.blockEntryOffset(block));
            writing += BlockTableDescriptor.state(stamp) == BlockTableDescriptor.WRITING ? 1 : 0;
        }
        return writing;
    }

    private List<long[]> journalEntries() throws IOException
    {
        final List<long[]> entries = new ArrayList<>();
        if (!Files.exists(journal))
        {
            return entries;
        }
        final String text = Files.readString(journal);
        // Only complete lines are acknowledged commits; a line cut by the kill is not.
        final String complete = text.substring(0, text.lastIndexOf('\n') + 1);
        for (final String line : complete.lines().toList())
        {
            final String[] fields = line.split(" ");
            entries.add(new long[]{Long.parseLong(fields[0]), Long.parseLong(fields[1]), Long.parseLong(fields[2])});
        }
        return entries;
    }

    private List<String> javaCommand(final int run)
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("@" + System.getProperty("kvpool.jvm.options"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CommitStreamer.class.getName());
        command.add(fixture.regionFile.toString());
        command.add(journal.toString());
        command.add(Integer.toString(run));
        command.add("1500");
        return command;
    }
}
