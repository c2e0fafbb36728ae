package io.kvpool.client;

import io.kvpool.protocol.KeyDirectory;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.kvpool.client.ManagerFixture.filled;
import static io.kvpool.client.ManagerFixture.keys;
import static io.kvpool.client.ManagerFixture.segments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A load/store client that remembers no location finds keys other clients put through the region's key directory:
 * every byte right, and the manager asked only about keys the directory does not hold — its LOOKUP hit count does
 * not move, its miss count moves by exactly the absent and removed keys. Removed, replaced and restarted-manager
 * cases are read as the manager's LOOKUP would answer them.
 */
class KeyDirectoryGetsTest
{
    private static final int BLOCK_BYTES = 64 * 1024;
    /** 2 MiB slabs and one spare MiB past them: the region's tail holds a key directory. */
    private static final long REGION_BYTES = (64L << 20) + (1L << 20);
    private static ManagerFixture fixture;

    @BeforeAll
    static void start()
    {
        fixture = new ManagerFixture(REGION_BYTES);
    }

    @AfterAll
    static void stop()
    {
        fixture.close();
    }

    private static KvPoolContext forgetfulContext()
    {
        return fixture.poolContext().locationCacheEntries(0);
    }

    private static PoolStats.Namespace figures(final String namespace)
    {
        return fixture.stats().pool().namespaces().stream().filter(ns -> ns.info().name().equals(namespace))
            .findFirst().orElseThrow();
    }

    @Test
    void shouldGetKeysOthersPutWithoutAskingTheManager()
    {
        final PoolStats pool = fixture.stats().pool();
        assertTrue(KeyDirectory.buckets(RegionGeometry.layout(pool.regionLengthBytes(), pool.slabSizeBytes(), 4096,
            64)) > 0, "the test's region has a directory");
        fixture.createNamespace("directory", BLOCK_BYTES, 0, "");
        try (Arena arena = Arena.ofConfined();
             KvPool writing = KvPool.connect(fixture.poolContext());
             KvPool reading = KvPool.connect(forgetfulContext()))
        {
            final MemorySegment[] sources = filled(arena, 24, BLOCK_BYTES, 500);
            final KvNamespace writer = writing.namespace("directory", BLOCK_BYTES);
            assertEquals(24, writer.put(keys(1, 24), sources).okCount());
            assertEquals(3, writer.remove(keys(5, 3)).okCount(), "keys 5, 6 and 7 go");

            // Keys 1..32: 1-4 and 8-24 stored, 5-7 removed, 25-32 never stored.
            final KvNamespace reader = reading.namespace("directory", BLOCK_BYTES);
            final MemorySegment[] destinations = segments(arena, 32, BLOCK_BYTES);
            for (int round = 0; round < 2; round++)
            {
                final PoolStats.Namespace before = figures("directory");
                final BatchResult got = reader.get(keys(1, 32), destinations);
                for (int i = 0; i < 32; i++)
                {
                    final boolean stored = i < 4 || (i >= 7 && i < 24);
                    assertEquals(stored ? Status.OK : Status.NOT_FOUND, got.status(i), "key " + (i + 1));
                    if (stored)
                    {
                        assertEquals(-1, destinations[i].mismatch(sources[i]), "key " + (i + 1));
                    }
                }
                final PoolStats.Namespace after = figures("directory");
                assertEquals(before.hits(), after.hits(), "no stored key was looked up, round " + round);
                assertEquals(before.misses() + 11, after.misses(), "the 11 absent keys were, round " + round);
            }
            assertEquals(4, reader.exists(keys(1, 32)), "keys 1-4 lead");

            // Key 5 put again: a new block, found through the directory with its new bytes.
            Payloads.fill(sources[0], 5005);
            assertEquals(1, writer.put(keys(5, 1), new MemorySegment[] {sources[0]}).okCount());
            final long hits = figures("directory").hits();
            assertEquals(Status.OK, reader.get(keys(5, 1), new MemorySegment[] {destinations[0]}).status(0));
            assertEquals(-1, destinations[0].mismatch(sources[0]));
            assertEquals(hits, figures("directory").hits());
        }
    }

    /**
     * A mapped put does not remember its keys' locations (the directory holds them, PutPath): the handle that put
     * them reads them back without a LOOKUP all the same, and from then on from what it remembered.
     */
    @Test
    void shouldGetItsOwnPutsBackWithoutAskingTheManager()
    {
        fixture.createNamespace("directory-own", BLOCK_BYTES, 0, "");
        try (Arena arena = Arena.ofConfined();
             KvPool pool = KvPool.connect(fixture.poolContext()))
        {
            final KvNamespace handle = pool.namespace("directory-own", BLOCK_BYTES);
            final MemorySegment[] sources = filled(arena, 16, BLOCK_BYTES, 900);
            assertEquals(16, handle.put(keys(700, 16), sources).okCount());
            final MemorySegment[] destinations = segments(arena, 16, BLOCK_BYTES);
            for (int round = 0; round < 2; round++)
            {
                final PoolStats.Namespace before = figures("directory-own");
                final BatchResult got = handle.get(keys(700, 16), destinations);
                assertEquals(16, got.okCount(), got.toString());
                for (int i = 0; i < 16; i++)
                {
                    assertEquals(-1, destinations[i].mismatch(sources[i]), "key " + i + ", round " + round);
                }
                final PoolStats.Namespace after = figures("directory-own");
                assertEquals(before.hits() + before.misses(), after.hits() + after.misses(),
                    "no LOOKUP, round " + round);
            }
        }
    }

    @Test
    void shouldFindKeysThroughTheDirectoryARestartedManagerRebuilt()
    {
        fixture.createNamespace("directory-restart", BLOCK_BYTES, 0, "");
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment[] sources = filled(arena, 8, BLOCK_BYTES, 800);
            try (KvPool writing = KvPool.connect(fixture.poolContext()))
            {
                assertEquals(8, writing.namespace("directory-restart", BLOCK_BYTES).put(keys(400, 8), sources)
                    .okCount());
            }
            fixture.manager.close();
            fixture.relaunch();
            try (KvPool reading = KvPool.connect(forgetfulContext()))
            {
                final MemorySegment[] destinations = segments(arena, 8, BLOCK_BYTES);
                final BatchResult got = reading.namespace("directory-restart", BLOCK_BYTES).get(keys(400, 8),
                    destinations);
                assertEquals(8, got.okCount(), got.toString());
                for (int i = 0; i < 8; i++)
                {
                    assertEquals(-1, destinations[i].mismatch(sources[i]), "block " + i);
                }
                final PoolStats.Namespace figures = figures("directory-restart");
                assertEquals(0, figures.hits() + figures.misses(), "the new manager was asked nothing");
            }
        }
    }
}
