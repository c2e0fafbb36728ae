package io.kvpool.gpu;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistrationPlanTest
{
    private static final long GIB = 1L << 30;

    @Test
    void shouldCoverTheRegionOnceInChunksOfAtMostTheChunkSize()
    {
        final RegistrationPlan plan = new RegistrationPlan(0x7F00_0000_0000L, 2 * GIB + 8192, GIB);
        final List<RegistrationPlan.Chunk> chunks = plan.chunks();
        assertEquals(3, chunks.size());
        assertEquals(new RegistrationPlan.Chunk(0x7F00_0000_0000L, GIB), chunks.get(0));
        assertEquals(new RegistrationPlan.Chunk(0x7F00_0000_0000L + GIB, GIB), chunks.get(1));
        assertEquals(new RegistrationPlan.Chunk(0x7F00_0000_0000L + 2 * GIB, 8192), chunks.get(2));
        long covered = 0;
        for (final RegistrationPlan.Chunk chunk : chunks)
        {
            assertEquals(plan.address() + covered, chunk.address(), "chunks are contiguous");
            covered += chunk.lengthBytes();
        }
        assertEquals(plan.lengthBytes(), covered);
    }

    @Test
    void shouldTellWhichRangesAreRegistered()
    {
        final RegistrationPlan plan = new RegistrationPlan(0x10000, 64 * 4096, 16 * 4096);
        assertTrue(plan.covers(0x10000, 64 * 4096));
        assertTrue(plan.covers(0x10000 + 100, 4096));
        assertFalse(plan.covers(0x10000 - 1, 16));
        assertFalse(plan.covers(0x10000 + 64 * 4096 - 8, 16));
        assertFalse(plan.covers(0x10000, -1));
    }

    @Test
    void shouldRefuseUnalignedPlans()
    {
        assertThrows(IllegalArgumentException.class, () -> new RegistrationPlan(0x10001, 4096, 4096));
        assertThrows(IllegalArgumentException.class, () -> new RegistrationPlan(0x10000, 4097, 4096));
        assertThrows(IllegalArgumentException.class, () -> new RegistrationPlan(0x10000, 4096, 100));
    }
}
