package io.kvpool.protocol;

import io.kvpool.protocol.transport.TransferBatch;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Batches start at the capacity asked for and grow as entries are added, up to the most one call takes, keeping
 * every entry's fields across each growth.
 */
class BatchGrowthTest
{
    @Test
    void shouldCopyAReservationsKeyBlockAndGenerationAndNothingElse()
    {
        final BlockBatch from = new BlockBatch(2);
        from.addKey(key(1));
        from.addKey(key(2));
        from.status(1, 3);
        from.blockIndex(1, 77);
        from.generation(1, 88);
        from.offset(1, 99);
        from.length(1, 111);
        final BlockBatch to = new BlockBatch(1);
        to.addKey(key(9));
        assertEquals(1, to.addReservation(from, 1));
        assertEquals(2, to.size());
        assertArrayEquals(key(2), to.key(1));
        assertEquals(77, to.blockIndex(1));
        assertEquals(88, to.generation(1));
        assertEquals(0, to.status(1), "a status is the answer's, not copied");
        assertEquals(0, to.offset(1));
        assertEquals(0, to.length(1));
        assertArrayEquals(key(9), to.key(0));
    }

    @Test
    void shouldKeepEveryFieldOfABlockBatchAcrossGrowthUpToMaxKeys()
    {
        final BlockBatch batch = new BlockBatch(1);
        for (int i = 0; i < BlockBatch.MAX_KEYS; i++)
        {
            assertEquals(i, batch.addKey(key(i)));
            batch.status(i, i % 7);
            batch.blockIndex(i, 1_000L + i);
            batch.generation(i, 2_000L + i);
            batch.offset(i, 3_000L + i);
            batch.length(i, 4_000 + i);
            batch.checksum(i, 5_000 + i);
            batch.pinId(i, 6_000L + i);
        }
        final byte[] keys = batch.keyArray();
        for (int i = 0; i < BlockBatch.MAX_KEYS; i++)
        {
            assertArrayEquals(key(i), batch.key(i));
            assertEquals((byte)i, keys[i * BlockBatch.KEY_BYTES]);
            assertEquals(i % 7, batch.status(i));
            assertEquals(1_000L + i, batch.blockIndex(i));
            assertEquals(2_000L + i, batch.generation(i));
            assertEquals(3_000L + i, batch.offset(i));
            assertEquals(4_000 + i, batch.length(i));
            assertEquals(5_000 + i, batch.checksum(i));
            assertEquals(6_000L + i, batch.pinId(i));
        }
        assertEquals((BlockBatch.MAX_KEYS + 6) / 7, batch.okCount());
        assertEquals("size=1024 is the most a batch takes (MAX_KEYS=1024)",
            assertThrows(IllegalStateException.class, () -> batch.addKey(key(0))).getMessage());
        batch.clear();
        assertEquals(0, batch.addZeroKey());
        assertEquals(0, batch.status(0));
        assertEquals(0L, batch.pinId(0));
        assertArrayEquals(new byte[BlockBatch.KEY_BYTES], batch.key(0));
    }

    @Test
    void shouldGrowAnEmptyBatchAndRefuseCapacitiesOutOfRange()
    {
        final BlockBatch empty = new BlockBatch(0);
        assertEquals(0, empty.addKey(key(9)));
        assertArrayEquals(key(9), empty.key(0));
        assertEquals("capacity=1025 must be 0..1024",
            assertThrows(IllegalArgumentException.class, () -> new BlockBatch(1025)).getMessage());
        assertEquals("capacity=-1 must be 0..1024",
            assertThrows(IllegalArgumentException.class, () -> new TransferBatch(-1)).getMessage());
    }

    @Test
    void shouldKeepEveryEntryOfATransferBatchAcrossGrowthUpToMaxEntries()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment memory = arena.allocate(TransferBatch.MAX_ENTRIES * 8L);
            final TransferBatch batch = new TransferBatch(0);
            for (int i = 0; i < TransferBatch.MAX_ENTRIES; i++)
            {
                assertEquals(i, batch.add(10L + i, 20L + i, 30L + i, 1 + i % 8, memory.asSlice(i * 8L, 8)));
                batch.status(i, i % 5);
            }
            for (int i = 0; i < TransferBatch.MAX_ENTRIES; i++)
            {
                assertEquals(10L + i, batch.blockIndex(i));
                assertEquals(20L + i, batch.generation(i));
                assertEquals(30L + i, batch.regionOffset(i));
                assertEquals(1 + i % 8, batch.length(i));
                assertEquals(memory.address() + i * 8L, batch.segment(i).address());
                assertEquals(i % 5, batch.status(i));
            }
            assertEquals("size=1024 is the most a transfer takes", assertThrows(IllegalStateException.class,
                () -> batch.add(0, 0, 0, 1, memory)).getMessage());
            final MemorySegment last = batch.segment(TransferBatch.MAX_ENTRIES - 1);
            assertSame(batch, batch.clear());
            assertEquals(0, batch.size());
            assertEquals(0, batch.add(1, 2, 3, 4, last));
            assertSame(last, batch.segment(0));
            assertThrows(IndexOutOfBoundsException.class, () -> batch.segment(1));
        }
    }

    private static byte[] key(final int i)
    {
        final byte[] key = new byte[BlockBatch.KEY_BYTES];
        key[0] = (byte)i;
        key[1] = (byte)(i >> 8);
        key[31] = 7;
        return key;
    }
}
