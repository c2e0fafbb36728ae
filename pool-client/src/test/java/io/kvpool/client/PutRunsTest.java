package io.kvpool.client;

import io.kvpool.client.internal.LocationCache;
import io.kvpool.client.internal.SourceChecksums;
import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.transport.cxl.MappedBlockTransport;
import io.kvpool.transport.cxl.Region;
import io.kvpool.transport.cxl.RegionSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A mapped put cut into runs (PutPath): four runs of 10, 10, 10 and 2 64 KiB blocks, each its own RESERVE and
 * COMMIT, in flight together. Every key's outcome is its own (committed, already there, reserved twice in one batch),
 * and a put whose third run fails to write has committed the two before it and left no reservation of the others
 * behind.
 */
class PutRunsTest
{
    private static final int BLOCK = 64 * 1024;
    private static final int KEYS = 32;

    private Path directory;
    private PoolManager manager;
    private ManagerClient control;
    private MappedBlockTransport mapped;
    private SourceChecksums checksums;
    private Arena arena;
    private MemorySegment[] sources;

    @BeforeEach
    void setUp() throws Exception
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-runs-");
        manager = PoolManager.launch(new ManagerContext().pool(new PoolContext()
                .regionFile(directory.resolve("region")).regionSizeBytes(64L << 20).slabSizeBytes(8L << 20)
                .prefault(false))
            .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1).adminToken("admin")
            .addNamespace(new ManagerContext.NamespaceSpec("runs", BLOCK, 0, 0, "runs-token")));
        control = ManagerClient.connect(new ManagerClientContext().aeronDir(directory.resolve("aeron"))
            .namespace("runs").token("runs-token").connectTimeout(Duration.ofSeconds(20)));
        mapped = new MappedBlockTransport(
            Region.map(new RegionSource.SharedFile(directory.resolve("region"), 64L << 20, false)), true);
        checksums = new SourceChecksums(2);
        arena = Arena.ofShared();
        sources = new MemorySegment[KEYS];
        for (int i = 0; i < KEYS; i++)
        {
            sources[i] = arena.allocate(BLOCK - i);
            Payloads.fill(sources[i], i);
        }
    }

    @AfterEach
    void tearDown() throws Exception
    {
        checksums.close();
        arena.close();
        mapped.close();
        control.close();
        manager.close();
        FileTrees.delete(directory);
    }

    @Test
    void shouldGiveEachKeyOfEveryRunItsOwnOutcome()
    {
        final PutPath puts = puts(mapped);
        final byte[][] keys = keys(0);
        assertEquals(1, puts.finish(puts.start(BlockKeys.of(keys[20]), new MemorySegment[] {sources[20]})).okCount());
        keys[27] = keys[3]; // the same key in runs 0 and 2: the second finds it WRITING
        final BatchResult result = puts.finish(puts.start(BlockKeys.of(keys), sources));
        for (int i = 0; i < KEYS; i++)
        {
            final int expected = i == 20 ? Status.ALREADY_EXISTS : i == 27 ? Status.WRITE_IN_PROGRESS : Status.OK;
            assertEquals(expected, result.status(i), "key " + i);
            assertEquals(expected == Status.OK ? BLOCK - i : 0, result.length(i), "length of key " + i);
        }
        for (int i = 0; i < KEYS; i++)
        {
            if (i != 27)
            {
                final BlockBatch found = lookUp(keys[i]);
                assertEquals(Status.OK, found.status(0), "key " + i + " committed");
                assertEquals(Checksums.crc32c(sources[i]), found.checksum(0), "key " + i + "'s CRC32C");
            }
        }
    }

    @Test
    void shouldCommitTheRunsBeforeAFailedWriteAndAbortTheRest()
    {
        final AtomicInteger writes = new AtomicInteger();
        final RuntimeException broken = new IllegalStateException("the third run's store failed");
        final PutPath puts = puts(new Wrapped(mapped)
        {
            @Override
            public CompletableFuture<TransferBatch> write(final TransferBatch batch)
            {
                // Each block is stored on its own (a run under SharedWrite's 1 MiB is the putting thread's alone,
                // in order): the 21st store is the third run's first block.
                if (writes.incrementAndGet() == 21)
                {
                    throw broken;
                }
                return mapped.write(batch);
            }
        });
        final byte[][] keys = keys(100);
        assertSame(broken, assertThrows(IllegalStateException.class,
            () -> puts.start(BlockKeys.of(keys), sources)));
        assertEquals(21, writes.get(), "runs of 10 keys (640 KiB each), the third's first store failing");
        for (int i = 0; i < KEYS; i++)
        {
            // Runs 0 and 1 committed; runs 2 and 3 aborted: their keys are free to reserve at once.
            assertEquals(i < 20 ? Status.OK : Status.NOT_FOUND, lookUp(keys[i]).status(0), "key " + i);
        }
        final PutPath healthy = puts(mapped);
        final BatchResult again = healthy.finish(healthy.start(BlockKeys.of(keys), sources));
        for (int i = 0; i < KEYS; i++)
        {
            assertEquals(i < 20 ? Status.ALREADY_EXISTS : Status.OK, again.status(i), "key " + i + " put again");
        }
    }

    @Test
    void shouldCutTheLastRunShort()
    {
        assertEquals(2, PutPath.lastRunKeys(32, 4), "32 keys: runs of 10, 10, 10 and 2");
        assertEquals(1, PutPath.lastRunKeys(8, 2), "8 keys in two runs: 7 and 1");
        assertEquals(1, PutPath.lastRunKeys(3, 3));
        assertEquals(6, PutPath.lastRunKeys(100, 4));
        assertEquals(64, PutPath.lastRunKeys(1024, 4));
        assertEquals(5, PutPath.lastRunKeys(5, 1), "a put of one run: every key");
    }

    private PutPath puts(final BlockTransport transport)
    {
        final LocationCache cache = new LocationCache(64);
        return new PutPath(control, new LeasedWriter(control, transport, checksums, System::nanoTime),
            new RemotePath(control, transport, cache, true), cache, GrantStock.none(control));
    }

    private BlockBatch lookUp(final byte[] key)
    {
        final BlockBatch batch = new BlockBatch();
        batch.addKey(key);
        control.lookup(batch);
        return batch;
    }

    private static byte[][] keys(final int first)
    {
        final byte[][] keys = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++)
        {
            keys[i] = new byte[BlockBatch.KEY_BYTES];
            keys[i][0] = (byte)(first + i);
            keys[i][1] = 0x52;
        }
        return keys;
    }

    /** A transport passing everything to another (tests override what they break). */
    private static class Wrapped implements BlockTransport
    {
        private final BlockTransport inner;

        Wrapped(final BlockTransport inner)
        {
            this.inner = inner;
        }

        @Override
        public MemorySegment mappedRegion()
        {
            return inner.mappedRegion();
        }

        @Override
        public String name()
        {
            return inner.name();
        }

        @Override
        public CompletableFuture<TransferBatch> read(final TransferBatch batch)
        {
            return inner.read(batch);
        }

        @Override
        public CompletableFuture<TransferBatch> write(final TransferBatch batch)
        {
            return inner.write(batch);
        }

        @Override
        public void close()
        {
        }
    }
}
