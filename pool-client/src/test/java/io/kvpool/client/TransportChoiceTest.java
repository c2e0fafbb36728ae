package io.kvpool.client;

import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.Payloads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client picks its data path by itself (map the region, else RDMA, else Aeron) and says which and why; an
 * engine may force one.
 */
class TransportChoiceTest
{
    private static ManagerFixture fixture;

    @BeforeAll
    static void start()
    {
        fixture = new ManagerFixture(64L << 20);
        fixture.createNamespace("choice", 65536, 0, "");
    }

    @AfterAll
    static void stop()
    {
        fixture.close();
    }

    @Test
    void shouldMapTheRegionWhenThisHostCan()
    {
        try (KvPool pool = KvPool.connect(fixture.poolContext()))
        {
            final KvNamespace ns = pool.namespace("choice", 65536);
            assertEquals("cxl", ns.transport());
            assertEquals("cxl", pool.transportChoice());
        }
    }

    @Test
    void shouldMoveEveryByteOverAeronWhenForcedAndSayWhy()
    {
        try (KvPool pool = KvPool.connect(fixture.poolContext().transport("aeron"));
             Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = pool.namespace("choice", 65536);
            assertEquals("aeron", ns.transport());
            assertTrue(pool.transportChoice().startsWith("aeron (passed over: cxl: not the forced transport aeron"),
                pool.transportChoice());
            assertNull(pool.region(), "no mapping on the Aeron path");
            final MemorySegment[] sources = ManagerFixture.segments(arena, 40, 65536);
            for (int i = 0; i < sources.length; i++)
            {
                Payloads.fill(sources[i], 500 + i);
            }
            assertEquals(40, ns.put(ManagerFixture.keys(500, 40), sources).okCount());
            final MemorySegment[] destinations = ManagerFixture.segments(arena, 40, 65536);
            final BatchResult got = ns.get(ManagerFixture.keys(500, 40), destinations);
            assertEquals(40, got.leadingOk());
            for (int i = 0; i < 40; i++)
            {
                assertEquals(-1, destinations[i].mismatch(sources[i]), "block " + i);
            }
            assertEquals(40, ns.exists(ManagerFixture.keys(500, 40)));
            assertThrows(UnsupportedOperationException.class, () -> ns.view(ManagerFixture.key(500)));
        }
    }

    @Test
    void shouldSayWhyRdmaCannotServeHere()
    {
        try (KvPool pool = KvPool.connect(fixture.poolContext().transport("rdma")))
        {
            final PoolException ex = assertThrows(PoolException.class, () -> pool.namespace("choice", 65536));
            assertTrue(ex.getMessage().contains("rdma: no RDMA device") ||
                ex.getMessage().contains("rdma: RDMA devices") || ex.getMessage().contains("rdma: libibverbs"),
                ex.getMessage());
        }
    }

    @Test
    void shouldNameEveryPathItCouldNotUse()
    {
        try (KvPool pool = KvPool.connect(fixture.poolContext().transport("carrier-pigeon")))
        {
            final PoolException ex = assertThrows(PoolException.class, () -> pool.namespace("choice", 65536));
            assertTrue(ex.getMessage().contains("cxl: not the forced transport carrier-pigeon"), ex.getMessage());
            assertTrue(ex.getMessage().contains("aeron: not the forced transport carrier-pigeon"), ex.getMessage());
        }
    }
}
