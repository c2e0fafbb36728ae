package io.kvpool.client;

import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.kvpool.client.ManagerFixture.filled;
import static io.kvpool.client.ManagerFixture.keys;
import static io.kvpool.client.ManagerFixture.segments;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A client off the fabric (Aeron over UDP) that knows no locations gets keys in one exchange on the data path
 * (DATA_READ_KEYS: the data agent looks them up itself) — every byte right, misses exactly where keys are absent or
 * were removed, and each hit and miss counted by the manager as a lookup would have counted it.
 */
class KeyedReadsTest
{
    private static final int BLOCK_BYTES = 64 * 1024;
    private static ManagerFixture fixture;

    @BeforeAll
    static void start()
    {
        fixture = new ManagerFixture(64L << 20);
    }

    @AfterAll
    static void stop()
    {
        fixture.close();
    }

    private static KvPoolContext remoteContext()
    {
        return fixture.poolContext().transport("aeron").managerEndpoint(fixture.manager.udpEndpoint())
            .responseHost("127.0.0.1").embeddedDriverDir(fixture.directory.resolve("remote-host"))
            .locationCacheEntries(0);
    }

    private static PoolStats.Namespace figures(final String namespace)
    {
        return fixture.stats().pool().namespaces().stream().filter(ns -> ns.info().name().equals(namespace))
            .findFirst().orElseThrow();
    }

    @Test
    void shouldGetEveryByteAndEveryMissByKeyAndCountThemAsLookupsWould() throws InterruptedException
    {
        fixture.createNamespace("keyed", BLOCK_BYTES, 0, "");
        try (Arena arena = Arena.ofConfined();
             KvPool local = KvPool.connect(fixture.poolContext());
             KvPool remote = KvPool.connect(remoteContext()))
        {
            final MemorySegment[] sources = filled(arena, 24, BLOCK_BYTES, 700);
            final KvNamespace writer = local.namespace("keyed", BLOCK_BYTES);
            assertEquals(24, writer.put(keys(1, 24), sources).okCount());
            assertEquals(3, writer.remove(keys(5, 3)).okCount(), "keys 5, 6 and 7 go");
            final PoolStats.Namespace before = figures("keyed");

            // Keys 1..32: 1-4 and 8-24 stored, 5-7 removed, 25-32 never stored.
            final KvNamespace reader = remote.namespace("keyed", BLOCK_BYTES);
            final MemorySegment[] destinations = segments(arena, 32, BLOCK_BYTES);
            final BatchResult got = reader.get(keys(1, 32), destinations);
            for (int i = 0; i < 32; i++)
            {
                final boolean stored = i < 4 || (i >= 7 && i < 24);
                assertEquals(stored ? Status.OK : Status.NOT_FOUND, got.status(i), "key " + (i + 1));
                if (stored)
                {
                    assertEquals(BLOCK_BYTES, got.length(i));
                    assertEquals(-1, destinations[i].mismatch(sources[i]), "key " + (i + 1));
                }
            }
            assertEquals(21, got.okCount());

            // The data agent reports what it served; the control agent counts it on its next duty cycle.
            PoolStats.Namespace after = figures("keyed");
            final long deadlineNs = System.nanoTime() + 5_000_000_000L;
            while (after.hits() - before.hits() < 21 && System.nanoTime() < deadlineNs)
            {
                Thread.sleep(10);
                after = figures("keyed");
            }
            assertEquals(21, after.hits() - before.hits());
            assertEquals(11, after.misses() - before.misses());
        }
    }

    @Test
    void shouldReadBlocksShorterThanTheirSlotWholeAndNoMore()
    {
        fixture.createNamespace("keyed-short", BLOCK_BYTES, 0, "");
        try (Arena arena = Arena.ofConfined();
             KvPool local = KvPool.connect(fixture.poolContext());
             KvPool remote = KvPool.connect(remoteContext()))
        {
            final int[] lengths = {1, 4096, 60 * 1024 - 128, 60 * 1024, BLOCK_BYTES - 1};
            final MemorySegment[] sources = new MemorySegment[lengths.length];
            for (int i = 0; i < lengths.length; i++)
            {
                sources[i] = arena.allocate(lengths[i]);
                Payloads.fill(sources[i], 40 + i);
            }
            assertEquals(lengths.length, local.namespace("keyed-short", BLOCK_BYTES).put(keys(100, lengths.length),
                sources).okCount());
            final MemorySegment[] destinations = segments(arena, lengths.length, BLOCK_BYTES);
            for (final MemorySegment destination : destinations)
            {
                destination.fill((byte)0x5a);
            }
            final BatchResult got = remote.namespace("keyed-short", BLOCK_BYTES).get(keys(100, lengths.length),
                destinations);
            for (int i = 0; i < lengths.length; i++)
            {
                assertEquals(Status.OK, got.status(i), "block " + i);
                assertEquals(lengths[i], got.length(i), "block " + i);
                assertEquals(-1, destinations[i].asSlice(0, lengths[i]).mismatch(sources[i]), "block " + i);
                assertEquals((byte)0x5a, destinations[i].get(ValueLayout.JAVA_BYTE, lengths[i]),
                    "nothing written past block " + i + "'s bytes");
            }
        }
    }

    @Test
    void shouldServeKeyedGetsAgainOnceARestartedManagerIsBack()
    {
        fixture.createNamespace("keyed-restart", BLOCK_BYTES, 0, "");
        try (Arena arena = Arena.ofConfined();
             KvPool remote = KvPool.connect(remoteContext()))
        {
            final MemorySegment[] sources = filled(arena, 8, BLOCK_BYTES, 900);
            try (KvPool local = KvPool.connect(fixture.poolContext()))
            {
                assertEquals(8, local.namespace("keyed-restart", BLOCK_BYTES).put(keys(300, 8), sources).okCount());
            }
            final KvNamespace reader = remote.namespace("keyed-restart", BLOCK_BYTES);
            final MemorySegment[] destinations = segments(arena, 8, BLOCK_BYTES);
            assertEquals(8, reader.get(keys(300, 8), destinations).okCount(), "before the restart");

            // The manager goes and comes back on the same region and endpoint: the data session this client had
            // is gone, and the client learns of its new control session only by asking the control plane.
            fixture.manager.close();
            fixture.relaunch();
            for (final MemorySegment destination : destinations)
            {
                destination.fill((byte)0);
            }
            final BatchResult got = reader.get(keys(300, 8), destinations);
            assertEquals(8, got.okCount(), "after the restart: " + got);
            for (int i = 0; i < 8; i++)
            {
                assertEquals(-1, destinations[i].mismatch(sources[i]), "block " + i);
            }
            assertEquals(8, reader.get(keys(300, 8), destinations).okCount(), "and by key again after that");
        }
    }
}
