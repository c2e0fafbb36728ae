package io.kvpool.client;

import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutionException;

import static io.kvpool.client.ManagerFixture.keys;
import static io.kvpool.client.ManagerFixture.segments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Puts into blocks granted ahead ({@link GrantStock}): after a handle's first put it holds grants, later puts copy
 * into them and send only a keyed COMMIT; every byte lands under its key, a key already stored frees its block, the
 * stock goes back when the handle closes, and grants that died with a restarted manager are put again the usual
 * way before the put returns.
 */
class GrantedPutsTest
{
    private static final int BLOCK = 64 * 1024;
    private static final int KEYS = 8;
    private final ManagerFixture fixture = new ManagerFixture(64L << 20);

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    private PoolStats.Namespace figures()
    {
        return fixture.stats().pool().namespaces().stream().filter(ns -> ns.info().name().equals("granted"))
            .findFirst().orElseThrow();
    }

    @Test
    void shouldPutIntoGrantsAfterTheFirstPutAndGiveThemBackOnClose()
    {
        fixture.createNamespace("granted", BLOCK, 0, "");
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment[] sources = segments(arena, KEYS, BLOCK);
            final MemorySegment[] destinations = segments(arena, KEYS, BLOCK);
            try (KvPool pool = KvPool.connect(fixture.poolContext()))
            {
                final KvNamespace namespace = pool.namespace("granted", BLOCK);
                for (int p = 0; p < 6; p++)
                {
                    fill(sources, 100 + p * KEYS);
                    assertEquals(KEYS, namespace.put(keys(100 + p * KEYS, KEYS), sources).okCount(), "put " + p);
                    if (p == 0)
                    {
                        // The first put reserved; it asked for grants for the next (twice its keys).
                        assertEquals(2 * KEYS, awaitWriting(2 * KEYS), "grants held after the first put");
                    }
                }
                assertTrue(figures().writingBlocks() > 0, "the stock is held between puts");
                for (int p = 0; p < 6; p++)
                {
                    assertEquals(KEYS, namespace.get(keys(100 + p * KEYS, KEYS), destinations).okCount());
                    fill(sources, 100 + p * KEYS);
                    for (int i = 0; i < KEYS; i++)
                    {
                        assertEquals(-1, destinations[i].mismatch(sources[i]), "put " + p + ", key " + i);
                    }
                }
                final long freeBefore = figures().freeBlocks();
                final BatchResult again = namespace.put(keys(100, KEYS), sources);
                for (int i = 0; i < KEYS; i++)
                {
                    assertEquals(Status.ALREADY_EXISTS, again.status(i), "key " + i + " put again");
                }
                assertEquals(6 * KEYS, figures().sealedBlocks(), "no second copy of any key");
                assertTrue(figures().freeBlocks() >= freeBefore - 2 * KEYS, "the granted blocks were freed");
            }
            assertEquals(0, awaitWriting(0), "closing the handle gave its grants back");
            assertEquals(6 * KEYS, figures().sealedBlocks());
        }
    }

    @Test
    void shouldPutAgainTheUsualWayWhenTheGrantsDiedWithTheManager()
    {
        fixture.createNamespace("granted", BLOCK, 0, "");
        try (Arena arena = Arena.ofConfined();
             KvPool pool = KvPool.connect(fixture.poolContext()))
        {
            final KvNamespace namespace = pool.namespace("granted", BLOCK);
            final MemorySegment[] sources = segments(arena, KEYS, BLOCK);
            fill(sources, 500);
            assertEquals(KEYS, namespace.put(keys(500, KEYS), sources).okCount());
            assertEquals(2 * KEYS, awaitWriting(2 * KEYS));

            // The manager restarts: recovery frees every WRITING block, this handle's grants among them.
            fixture.manager.close();
            fixture.relaunch();
            assertEquals(0, figures().writingBlocks());
            BatchResult result = null;
            for (int attempt = 0; attempt < 3 && result == null; attempt++)
            {
                fill(sources, 600);
                try
                {
                    result = namespace.put(keys(600, KEYS), sources);
                }
                catch (final PoolException ex)
                {
                    // The first request on the old session may end OUTCOME_UNKNOWN, as for any put; it is repeated.
                }
            }
            assertEquals(KEYS, result.okCount(), "put whole in spite of the dead grants: " + result);
            final MemorySegment[] destinations = segments(arena, KEYS, BLOCK);
            assertEquals(KEYS, namespace.get(keys(600, KEYS), destinations).okCount());
            for (int i = 0; i < KEYS; i++)
            {
                assertEquals(-1, destinations[i].mismatch(sources[i]), "key " + i);
            }
        }
    }

    @Test
    void shouldNeverReadAWriteBackPutsSourcesAfterItReturned() throws Exception
    {
        fixture.createNamespace("granted", BLOCK, 0, "");
        try (Arena arena = Arena.ofShared(); // the background commit's thread could read it: it must not
             KvPool pool = KvPool.connect(fixture.poolContext()))
        {
            final KvNamespace namespace = pool.namespace("granted", BLOCK);
            final MemorySegment[] sources = segments(arena, KEYS, BLOCK);
            fill(sources, 800);
            assertEquals(KEYS, namespace.put(keys(800, KEYS), sources).okCount());
            assertEquals(2 * KEYS, awaitWriting(2 * KEYS));
            fixture.manager.close();
            fixture.relaunch(); // the handle's grants are gone

            BatchResult result = null;
            for (int attempt = 0; attempt < 3 && result == null; attempt++)
            {
                fill(sources, 900);
                try
                {
                    final var pending = namespace.putWriteBack(keys(900, KEYS), sources);
                    for (final MemorySegment source : sources)
                    {
                        source.fill((byte)0x77); // the caller reuses its memory at once, as it may
                    }
                    result = pending.get();
                }
                catch (final PoolException ex)
                {
                    // OUTCOME_UNKNOWN on the old session, as for any put: tried again
                }
                catch (final ExecutionException ex)
                {
                    if (!(ex.getCause() instanceof PoolException))
                    {
                        throw ex;
                    }
                }
            }
            fill(sources, 900);
            final MemorySegment[] destinations = segments(arena, KEYS, BLOCK);
            final BatchResult got = namespace.get(keys(900, KEYS), destinations);
            for (int i = 0; i < KEYS; i++)
            {
                if (result.status(i) == Status.OK)
                {
                    assertEquals(Status.OK, got.status(i), "key " + i);
                    assertEquals(-1, destinations[i].mismatch(sources[i]), "key " + i + " holds what was put");
                }
                else
                {
                    assertEquals(Status.LEASE_EXPIRED, result.status(i), "key " + i + ": " + result);
                    assertEquals(Status.NOT_FOUND, got.status(i), "key " + i + " was not put from reused memory");
                }
            }
        }
    }

    @Test
    void shouldCloseWithoutWaitingOnAManagerThatIsGone()
    {
        fixture.createNamespace("granted", BLOCK, 0, "");
        try (Arena arena = Arena.ofConfined())
        {
            final KvPool pool = KvPool.connect(fixture.poolContext());
            final MemorySegment[] sources = segments(arena, KEYS, BLOCK);
            final KvNamespace namespace = pool.namespace("granted", BLOCK);
            for (int p = 0; p < 3; p++)
            {
                fill(sources, 700 + p * KEYS);
                assertEquals(KEYS, namespace.put(keys(700 + p * KEYS, KEYS), sources).okCount());
            }
            // The handle holds grants and has a refill in flight; the manager goes away for good.
            fixture.manager.close();
            final long startNs = System.nanoTime();
            pool.close();
            // Liveness, not speed: a close that waited for the refill's own timeout (the context's 20 s) fails.
            assertTrue(System.nanoTime() - startNs < 15_000_000_000L, "closed in bounded time");
            fixture.relaunch();
        }
    }

    /** Waits for the manager to show {@code expected} WRITING blocks (a refill is answered after a put returns). */
    private long awaitWriting(final long expected)
    {
        final long deadlineNs = System.nanoTime() + 5_000_000_000L;
        long writing = figures().writingBlocks();
        while (writing != expected && System.nanoTime() < deadlineNs)
        {
            Thread.onSpinWait();
            writing = figures().writingBlocks();
        }
        return writing;
    }

    private static void fill(final MemorySegment[] sources, final long firstKey)
    {
        for (int i = 0; i < sources.length; i++)
        {
            Payloads.fill(sources[i], firstKey + i);
        }
    }
}
