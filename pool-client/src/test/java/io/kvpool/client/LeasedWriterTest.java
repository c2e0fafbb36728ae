package io.kvpool.client;

import io.kvpool.client.internal.SourceChecksums;
import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.transport.cxl.MappedBlockTransport;
import io.kvpool.transport.cxl.Region;
import io.kvpool.transport.cxl.RegionSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A put whose copies take longer than the reservation lease: every reservation of the batch — those already written
 * and waiting for the commit as much as those still to write — stays alive, so every block commits.
 */
class LeasedWriterTest
{
    private static final int BLOCK = 1 << 20;
    private static final int BLOCKS = 6;

    @Test
    void shouldKeepEveryReservationOfABatchLongerThanTheLeaseAlive() throws Exception
    {
        final Path directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-lease-");
        final ManagerContext context = new ManagerContext().pool(new PoolContext()
                .regionFile(directory.resolve("region")).regionSizeBytes(32L << 20).slabSizeBytes(8L << 20)
                .prefault(false).reservationLeaseNs(Duration.ofMillis(600).toNanos()))
            .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1).adminToken("admin")
            .addNamespace(new ManagerContext.NamespaceSpec("lease", BLOCK, 0, 0, "lease-token"));
        try (PoolManager manager = PoolManager.launch(context);
            ManagerClient control = ManagerClient.connect(new ManagerClientContext()
                .aeronDir(directory.resolve("aeron")).namespace("lease").token("lease-token")
                .connectTimeout(Duration.ofSeconds(20)));
            MappedBlockTransport mapped = new MappedBlockTransport(
                Region.map(new RegionSource.SharedFile(directory.resolve("region"), 32L << 20, false)), true);
            Arena arena = Arena.ofConfined())
        {
            final BlockBatch batch = new BlockBatch();
            for (int i = 0; i < BLOCKS; i++)
            {
                final byte[] key = new byte[BlockBatch.KEY_BYTES];
                key[0] = (byte)(i + 1);
                batch.addKey(key);
            }
            assertEquals(BLOCKS, control.reserve(batch));
            final TransferBatch transfers = new TransferBatch(BLOCKS);
            for (int i = 0; i < BLOCKS; i++)
            {
                final MemorySegment source = arena.allocate(BLOCK);
                Payloads.fill(source, i);
                transfers.add(batch.blockIndex(i), batch.generation(i), batch.offset(i), BLOCK, source);
            }
            // One block a slice (1 MiB), each written 250 ms late: 1.5 s of copying under a 600 ms lease.
            final BlockTransport slow = new BlockTransport()
            {
                public String name()
                {
                    return "slow-" + mapped.name();
                }

                public CompletableFuture<TransferBatch> read(final TransferBatch reads)
                {
                    return mapped.read(reads);
                }

                public CompletableFuture<TransferBatch> write(final TransferBatch writes)
                {
                    try
                    {
                        Thread.sleep(250);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                    return mapped.write(writes);
                }

                public void close()
                {
                }
            };
            new LeasedWriter(control, slow, new SourceChecksums(0), System::nanoTime).write(batch, transfers);
            for (int i = 0; i < BLOCKS; i++)
            {
                assertEquals(Status.OK, transfers.status(i), "block " + i + " written");
            }
            assertEquals(BLOCKS, control.commit(batch), "every reservation outlived the copies of the others");
        }
        finally
        {
            FileTrees.delete(directory);
        }
    }
}
