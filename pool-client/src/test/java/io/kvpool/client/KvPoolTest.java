package io.kvpool.client;

import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.Payloads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kvpool.client.ManagerFixture.keys;
import static io.kvpool.client.ManagerFixture.segments;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvPoolTest
{
    private static final long BLOCK = 64 * 1024;
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    private static ManagerFixture fixture;

    @BeforeAll
    static void startManager()
    {
        fixture = new ManagerFixture(96L << 20);
    }

    @AfterAll
    static void stopManager()
    {
        fixture.close();
    }

    /**
     * @return a fresh namespace's name, so tests do not see each other's blocks.
     */
    private static String namespace()
    {
        final String name = "ns" + NAMESPACES.incrementAndGet();
        fixture.createNamespace(name, BLOCK, 0, "t-" + name);
        return name;
    }

    @Test
    void shouldGetBackEveryBytePut()
    {
        final String name = namespace();
        try (KvPool pool = KvPool.connect(fixture.poolContext());
             Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = pool.namespace(name, BLOCK, "t-" + name);
            final BlockKeys keys = keys(0, 64);
            final MemorySegment[] sources = new MemorySegment[64];
            for (int i = 0; i < 64; i++)
            {
                sources[i] = arena.allocate(BLOCK - i * 100L);
                Payloads.fill(sources[i], i);
            }
            final BatchResult put = ns.put(keys, sources);
            assertEquals(64, put.okCount(), put.toString());
            assertEquals(ns.put(keys, sources).toString().contains("ALREADY_EXISTS"), true);

            final MemorySegment[] destinations = segments(arena, 64, BLOCK);
            final BatchResult got = ns.get(keys, destinations);
            assertEquals(64, got.leadingOk());
            for (int i = 0; i < 64; i++)
            {
                assertEquals(sources[i].byteSize(), got.length(i));
                assertEquals(-1, destinations[i].asSlice(0, got.length(i)).mismatch(sources[i]), "block " + i);
            }
            final BatchResult missing = ns.get(keys(1000, 2), segments(arena, 2, BLOCK));
            assertEquals(Status.NOT_FOUND, missing.status(0));
            assertEquals(0, missing.okCount());
        }
    }

    @Test
    void shouldServeRepeatedHitsWithoutAskingTheManager()
    {
        final String name = namespace();
        try (KvPool pool = KvPool.connect(fixture.poolContext());
             Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = pool.namespace(name, BLOCK, "t-" + name);
            final BlockKeys keys = keys(0, 32);
            final MemorySegment[] blocks = segments(arena, 32, BLOCK);
            ns.put(keys, blocks);
            try (ManagerClient admin = ManagerClient.connect(fixture.clientContext("", "admin")))
            {
                final long before = admin.stats().requests();
                assertEquals(32, ns.get(keys, blocks).okCount());
                assertEquals(32, ns.exists(keys));
                final long after = admin.stats().requests();
                assertEquals(1, after - before, "only the second stats request reached the manager");
            }
        }
    }

    @Test
    void shouldAskTheManagerOnEveryGetWhenItRemembersNoLocations()
    {
        final String name = namespace();
        try (KvPool pool = KvPool.connect(fixture.poolContext().locationCacheEntries(0));
             Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = pool.namespace(name, BLOCK, "t-" + name);
            final BlockKeys keys = keys(0, 32);
            final MemorySegment[] blocks = segments(arena, 32, BLOCK);
            for (int i = 0; i < blocks.length; i++)
            {
                Payloads.fill(blocks[i], 70 + i);
            }
            ns.put(keys, blocks);
            final MemorySegment[] back = segments(arena, 32, BLOCK);
            try (ManagerClient admin = ManagerClient.connect(fixture.clientContext("", "admin")))
            {
                final long before = admin.stats().requests();
                assertEquals(32, ns.get(keys, back).okCount());
                assertEquals(32, ns.get(keys, back).okCount());
                final long after = admin.stats().requests();
                assertEquals(3, after - before, "two lookups and the second stats request reached the manager");
            }
            for (int i = 0; i < blocks.length; i++)
            {
                assertEquals(-1, back[i].mismatch(blocks[i]), "block " + i);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> fixture.poolContext().locationCacheEntries(-1));
    }

    @Test
    void shouldFilterTokensIntoHeldAndToCompute()
    {
        final String name = namespace();
        try (KvPool pool = KvPool.connect(fixture.poolContext());
             Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = pool.namespace(name, BLOCK, "t-" + name);
            final int[] tokens = new int[16 * 10 + 5];
            for (int i = 0; i < tokens.length; i++)
            {
                tokens[i] = i * 7 + 3;
            }
            final BlockKeys chain = BlockKeys.chain(tokens, 16, null);
            assertEquals(10, chain.size());
            ns.put(chain.prefix(6), segments(arena, 6, 100));
            final TokenFilter filter = ns.filter(tokens, 16, null);
            assertEquals(6, filter.heldBlocks());
            assertEquals(96, filter.heldTokens());
            assertEquals(69, filter.tokensToCompute());
            assertArrayEquals(chain.key(6), filter.keysToCompute().key(0));
            final boolean[] present = ns.contains(chain);
            for (int i = 0; i < 10; i++)
            {
                assertEquals(i < 6, present[i], "block " + i);
            }
            final int[] otherTokens = tokens.clone();
            otherTokens[20] = -1;
            assertEquals(1, ns.filter(otherTokens, 16, null).heldBlocks(), "a changed token breaks the chain there");
        }
    }

    @Test
    void shouldKeepViewedBlockPinnedUntilClosed()
    {
        final String name = namespace();
        try (KvPool pool = KvPool.connect(fixture.poolContext());
             Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = pool.namespace(name, BLOCK, "t-" + name);
            final MemorySegment source = arena.allocate(1000);
            Payloads.fill(source, 42);
            ns.put(keys(7, 1), new MemorySegment[]{source});
            try (BlockView view = ns.view(ManagerFixture.key(7)))
            {
                assertNotNull(view);
                assertTrue(view.segment().isReadOnly());
                assertEquals(-1, view.segment().mismatch(source));
                assertEquals(Status.PINNED, ns.remove(keys(7, 1)).status(0));
                assertTrue(view.renew());
            }
            assertEquals(Status.OK, ns.remove(keys(7, 1)).status(0));
            assertNull(ns.view(ManagerFixture.key(7)));
        }
    }

    @Test
    void shouldReturnFromWriteBackOnceCallerMemoryIsCopied() throws Exception
    {
        final String name = namespace();
        try (KvPool pool = KvPool.connect(fixture.poolContext());
             Arena arena = Arena.ofShared())
        {
            final KvNamespace ns = pool.namespace(name, BLOCK, "t-" + name);
            final MemorySegment source = arena.allocate(BLOCK);
            Payloads.fill(source, 9);
            final MemorySegment expected = arena.allocate(BLOCK);
            expected.copyFrom(source);
            final var commit = ns.putWriteBack(keys(1, 1), new MemorySegment[]{source});
            source.fill((byte)0);
            assertEquals(1, commit.get(10, TimeUnit.SECONDS).okCount());
            final MemorySegment[] destination = segments(arena, 1, BLOCK);
            assertEquals(1, ns.getAsync(keys(1, 1), destination).get(10, TimeUnit.SECONDS).okCount());
            assertEquals(-1, destination[0].mismatch(expected));

            final MemorySegment[] prefetched = segments(arena, 1, BLOCK);
            assertEquals(1, ns.prefetch(keys(1, 1), prefetched).get(10, TimeUnit.SECONDS).okCount());
            assertEquals(-1, prefetched[0].mismatch(expected));
            assertEquals(0, fixture.stats().pool().activePins(), "prefetch releases its pins");
            assertEquals(1, ns.putAsync(keys(2, 1), new MemorySegment[]{expected}).get(10, TimeUnit.SECONDS)
                .okCount());
        }
    }

    @Test
    void shouldReportCorruptedBlockAsMissWhenVerifyingChecksums()
    {
        final String name = namespace();
        try (KvPool pool = KvPool.connect(fixture.poolContext().verifyChecksums(true));
             Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = pool.namespace(name, BLOCK, "t-" + name);
            final MemorySegment[] blocks = segments(arena, 1, BLOCK);
            Payloads.fill(blocks[0], 5);
            ns.put(keys(3, 1), blocks);
            try (BlockView view = ns.view(ManagerFixture.key(3)))
            {
                final long offset = view.segment().address() - pool.region().segment().address();
                pool.region().segment().set(ValueLayout.JAVA_BYTE, offset + 100,
                    (byte)~pool.region().segment().get(ValueLayout.JAVA_BYTE, offset + 100));
            }
            assertEquals(Status.NOT_FOUND, ns.get(keys(3, 1), segments(arena, 1, BLOCK)).status(0));
        }
    }

    @Test
    void shouldRecordEachBlocksChecksumWhoeverComputesIt()
    {
        // Checksum threads and the putting thread alone, sources any thread may read and sources confined to the
        // putter (which only the putter checksums): a reader that verifies finds every block's recorded CRC32C
        // right, for lengths that end inside a piece of SourceChecksums and on its edges.
        final String name = namespace();
        final int count = 12;
        final long[] lengths = {BLOCK, 1, BLOCK - 1, 4096, 65_000, BLOCK, 7, BLOCK / 2, BLOCK, 33_333, BLOCK, 2};
        int put = 0;
        try (KvPool reader = KvPool.connect(fixture.poolContext().verifyChecksums(true));
             Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined())
        {
            final KvNamespace verifying = reader.namespace(name, BLOCK, "t-" + name);
            for (final int helpers : new int[]{0, 1, 3})
            {
                for (final Arena arena : new Arena[]{shared, confined})
                {
                    try (KvPool pool = KvPool.connect(fixture.poolContext().checksumThreads(helpers)))
                    {
                        final KvNamespace ns = pool.namespace(name, BLOCK, "t-" + name);
                        final MemorySegment[] sources = new MemorySegment[count];
                        for (int i = 0; i < count; i++)
                        {
                            sources[i] = arena.allocate(lengths[i]);
                            Payloads.fill(sources[i], 1000L * put + i);
                        }
                        final int first = 100 + count * put++;
                        assertEquals(count, ns.put(keys(first, count), sources).okCount());
                        final MemorySegment[] got = segments(shared, count, BLOCK);
                        final BatchResult result = verifying.get(keys(first, count), got);
                        for (int i = 0; i < count; i++)
                        {
                            assertEquals(Status.OK, result.status(i), helpers + " helpers, block " + i);
                            assertEquals(-1, got[i].asSlice(0, lengths[i]).mismatch(sources[i]), "block " + i);
                        }
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> fixture.poolContext().checksumThreads(-1));
    }

    @Test
    void shouldRefuseBadInputClearlyAndChangeNothing()
    {
        final String name = namespace();
        try (KvPool pool = KvPool.connect(fixture.poolContext());
             Arena arena = Arena.ofConfined())
        {
            final IllegalArgumentException blockSize =
                assertThrows(IllegalArgumentException.class, () -> pool.namespace(name, 4096, "t-" + name));
            assertTrue(blockSize.getMessage().contains("blockSizeBytes=" + BLOCK + ", not 4096"), blockSize.getMessage());
            final PoolException token = assertThrows(PoolException.class, () -> pool.namespace(name, BLOCK, "no"));
            assertEquals(ErrorCode.REQUEST_REFUSED, token.errorCode());
            // A refusal the manager's pool raised names its code once (the client names it; the manager sends the
            // rest), not "NAMESPACE_INVALID: NAMESPACE_INVALID: ...".
            final PoolException geometry = assertThrows(PoolException.class,
                () -> fixture.createNamespace(name + "-odd", 100, 0, ""));
            assertEquals(ErrorCode.NAMESPACE_INVALID, geometry.errorCode());
            assertTrue(geometry.getMessage().startsWith("NAMESPACE_INVALID: blockSizeBytes=100 must be a multiple"),
                geometry.getMessage());

            final KvNamespace ns = pool.namespace(name, BLOCK, "t-" + name);
            final long sealedBefore = sealed(name);
            final IllegalArgumentException tooMany =
                assertThrows(IllegalArgumentException.class, () -> keys(0, 1025));
            assertTrue(tooMany.getMessage().contains("keys=1025 exceeds"), tooMany.getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ns.put(keys(0, 2), new MemorySegment[]{arena.allocate(10), null})).getMessage()
                .contains("sources[1] is null"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ns.put(keys(0, 1), new MemorySegment[]{arena.allocate(BLOCK + 1)})).getMessage()
                .contains("must be 1 to " + BLOCK));
            assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ns.get(keys(0, 1), new MemorySegment[]{arena.allocate(BLOCK - 1)})).getMessage()
                .contains("hold a whole block"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ns.get(keys(0, 2), segments(arena, 1, BLOCK))).getMessage().contains("must equal keys=2"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ns.get(keys(0, 1), new MemorySegment[]{arena.allocate(BLOCK).asReadOnly()})).getMessage()
                .contains("read-only"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> BlockKeys.of(new byte[31])).getMessage()
                .contains("must be 32 bytes"));
            assertEquals(sealedBefore, sealed(name), "refused calls change nothing in the pool");
            assertEquals(0, fixture.stats().pool().openReservations());
            pool.close();
            assertEquals("the KvPool is closed", assertThrows(IllegalStateException.class,
                () -> ns.exists(keys(0, 1))).getMessage());
        }
    }

    private static long sealed(final String name)
    {
        return fixture.stats().pool().namespaces().stream().filter(n -> n.info().name().equals(name)).findFirst()
            .orElseThrow().sealedBlocks();
    }

}
