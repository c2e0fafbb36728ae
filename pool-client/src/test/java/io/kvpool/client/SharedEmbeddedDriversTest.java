package io.kvpool.client;

import io.kvpool.client.internal.EmbeddedDrivers;
import io.kvpool.manager.ManagerContext;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.Payloads;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two pools of one process (an engine's threads, a pool each) that name one embedded driver directory: they share
 * its drivers (one for control, one per data lane) and both move correct bytes at once, and one closing leaves the
 * other working.
 */
class SharedEmbeddedDriversTest
{
    private static final int BLOCK_BYTES = 256 * 1024;
    private static final int BLOCKS = 6;

    @Test
    void shouldShareEmbeddedDriversBetweenPoolsThatNameOneDirectory() throws Exception
    {
        try (ManagerFixture fixture = new ManagerFixture(64L << 20, 4L << 20, ManagerContext.Threading.SHARED,
            AeronIdle.BACKOFF, new ManagerContext().aeronDriverTimeout(), 2);
             Arena arena = Arena.ofShared())
        {
            fixture.createNamespace("shared", BLOCK_BYTES, 0, "");
            final MemorySegment[] sources = ManagerFixture.segments(arena, BLOCKS, BLOCK_BYTES);
            for (int i = 0; i < BLOCKS; i++)
            {
                Payloads.fill(sources[i], 70 + i);
            }
            try (KvPool local = KvPool.connect(fixture.poolContext()))
            {
                assertEquals(BLOCKS, local.namespace("shared", BLOCK_BYTES).put(ManagerFixture.keys(1, BLOCKS),
                    sources).okCount());
            }
            final int before = EmbeddedDrivers.running();
            final Path drivers = fixture.directory.resolve("engine");
            final KvPool first = KvPool.connect(remote(fixture, drivers));
            try (KvPool second = KvPool.connect(remote(fixture, drivers)))
            {
                final CompletableFuture<Void> a = CompletableFuture.runAsync(() -> assertGets(first, arena, sources));
                final CompletableFuture<Void> b = CompletableFuture.runAsync(() -> assertGets(second, arena, sources));
                a.get(60, TimeUnit.SECONDS);
                b.get(60, TimeUnit.SECONDS);
                assertEquals(before + 3, EmbeddedDrivers.running(), "control, lane 0 and lane 1: three drivers");

                first.close();
                assertGets(second, arena, sources);
            }
            assertEquals(before, EmbeddedDrivers.running(), "the last pool closed the drivers");
        }
    }

    private static KvPoolContext remote(final ManagerFixture fixture, final Path drivers)
    {
        return fixture.poolContext().transport("aeron").managerEndpoint(fixture.manager.udpEndpoint())
            .responseHost("127.0.0.1").embeddedDriverDir(drivers).dataLanes(2);
    }

    private static void assertGets(final KvPool pool, final Arena arena, final MemorySegment[] sources)
    {
        final KvNamespace ns = pool.namespace("shared", BLOCK_BYTES);
        final MemorySegment[] destinations = ManagerFixture.segments(arena, BLOCKS, BLOCK_BYTES);
        for (int round = 0; round < 20; round++)
        {
            for (final MemorySegment destination : destinations)
            {
                destination.fill((byte)0);
            }
            assertEquals(BLOCKS, ns.get(ManagerFixture.keys(1, BLOCKS), destinations).okCount());
            for (int i = 0; i < BLOCKS; i++)
            {
                assertEquals(-1, destinations[i].mismatch(sources[i]), "round " + round + ", block " + i);
            }
        }
    }
}
