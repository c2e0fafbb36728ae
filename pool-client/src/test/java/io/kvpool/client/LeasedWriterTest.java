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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A put whose copies take longer than the reservation lease: every reservation of the batch — those already written
 * and waiting for the commit as much as those still to write, in the runs reserved at the start and written last —
 * stays alive, so every block commits with its CRC32C. Through a mapped transport (four runs, slices of 1 MiB, or,
 * with helpers, blocks shared between the threads and stored 256 KiB at a time) and a remote one (one run, slices
 * of 16 MiB, each a round trip), with checksums by the putting thread and by helpers (on a remote put, before each
 * slice is sent or beside the sends).
 */
class LeasedWriterTest
{
    private static final int BLOCK = 1 << 20;

    @ParameterizedTest(name = "remote={0} checksum threads={1} beside sends={2}")
    @CsvSource({"false,0,false", "false,2,false", "true,0,false", "true,2,false", "true,2,true"})
    void shouldKeepEveryReservationOfABatchLongerThanTheLeaseAlive(
        final boolean remote, final int helpers, final boolean besideSends) throws Exception
    {
        // Mapped: six slices (24 pieces with helpers), each stored 250 ms late; remote: a slice of 16 blocks and
        // one of 4, each 400 ms late.
        final int blocks = remote ? 20 : 6;
        final long lateMs = remote ? 400 : 250;
        final Path directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-lease-");
        final ManagerContext context = new ManagerContext().pool(new PoolContext()
                .regionFile(directory.resolve("region")).regionSizeBytes(64L << 20).slabSizeBytes(8L << 20)
                .prefault(false).reservationLeaseNs(Duration.ofMillis(600).toNanos()))
            .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1).adminToken("admin")
            .addNamespace(new ManagerContext.NamespaceSpec("lease", BLOCK, 0, 0, "lease-token"));
        try (PoolManager manager = PoolManager.launch(context);
            ManagerClient control = ManagerClient.connect(new ManagerClientContext()
                .aeronDir(directory.resolve("aeron")).namespace("lease").token("lease-token")
                .connectTimeout(Duration.ofSeconds(20)));
            MappedBlockTransport mapped = new MappedBlockTransport(
                Region.map(new RegionSource.SharedFile(directory.resolve("region"), 64L << 20, false)), true);
            Arena arena = Arena.ofShared();
            SourceChecksums checksums = new SourceChecksums(helpers))
        {
            final byte[][] keys = new byte[blocks][];
            final MemorySegment[] sources = new MemorySegment[blocks];
            for (int i = 0; i < blocks; i++)
            {
                keys[i] = new byte[BlockBatch.KEY_BYTES];
                keys[i][0] = (byte)(i + 1);
                sources[i] = arena.allocate(BLOCK);
                Payloads.fill(sources[i], i);
            }
            final AtomicInteger writes = new AtomicInteger();
            final BlockTransport slow = new BlockTransport()
            {
                public MemorySegment mappedRegion()
                {
                    return remote ? null : mapped.mappedRegion();
                }

                public String name()
                {
                    return "slow-" + mapped.name();
                }

                public CompletableFuture<TransferBatch> read(final TransferBatch reads)
                {
                    return mapped.read(reads);
                }

                public CompletableFuture<TransferBatch> write(final TransferBatch slice)
                {
                    writes.incrementAndGet();
                    try
                    {
                        Thread.sleep(lateMs);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                    return mapped.write(slice);
                }

                public void close()
                {
                }
            };
            final LocationCache cache = new LocationCache(64);
            final PutPath puts = new PutPath(control, new LeasedWriter(control, slow, checksums, System::nanoTime,
                besideSends),
                new RemotePath(control, slow, cache, true), cache, GrantStock.none(control));
            final BatchResult result = puts.finish(puts.start(BlockKeys.of(keys), sources));
            // Remote: two slices; mapped: six slices of a block each, or, shared with helpers, each block's four
            // pieces stored on their own (SharedWrite), so the put lasts twice to four times the lease.
            assertEquals(remote ? 2 : helpers > 0 ? blocks * (int)(BLOCK / SourceChecksums.PIECE_BYTES) : blocks,
                writes.get(), "stores");
            for (int i = 0; i < blocks; i++)
            {
                assertEquals(Status.OK, result.status(i), "block " + i + " committed");
                assertEquals(BLOCK, result.length(i));
                final BlockBatch found = new BlockBatch();
                found.addKey(keys[i]);
                assertEquals(1, control.lookup(found));
                assertEquals(Checksums.crc32c(sources[i]), found.checksum(0), "block " + i + "'s CRC32C");
            }
        }
        finally
        {
            FileTrees.delete(directory);
        }
    }
}
