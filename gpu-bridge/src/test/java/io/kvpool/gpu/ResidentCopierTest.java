package io.kvpool.gpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resident kernel's host-side arithmetic (no GPU needed): how page lists become batches of pieces, when a done
 * word marks a batch done, and that the kernel the Java side launches is in the PTX with the layout it writes.
 */
class ResidentCopierTest
{
    private static final long PIECE = GpuBridge.BULK_PIECE_BYTES;

    @Test
    void shouldCutPagesIntoPiecesOfAtMostOneBulkPiece()
    {
        final PageList pages = new PageList()
            .add(0x1000, 0x2000, 1)
            .add(0x1000, 0x2000, PIECE)
            .add(0x1000, 0x2000, PIECE + 1)
            .add(0x1000, 0x2000, 16 * PIECE);
        assertArrayEquals(new int[]{1 + 1 + 2 + 16}, ResidentCopier.batchPieces(pages, 1000));
    }

    @Test
    void shouldSplitAListWithMorePiecesThanABatchTakes()
    {
        final PageList pages = new PageList();
        for (int i = 0; i < 10; i++)
        {
            pages.add(0x1000, 0x2000, 4 * PIECE);
        }
        assertArrayEquals(new int[]{16, 16, 8}, ResidentCopier.batchPieces(pages, 16));
        assertArrayEquals(new int[]{40}, ResidentCopier.batchPieces(pages, 40));
        assertArrayEquals(new int[0], ResidentCopier.batchPieces(new PageList(), 16));
    }

    @Test
    void shouldStageItemsWithTheFieldOffsetsOfTheKernelsResidentItem()
    {
        final long[] items = new long[8];
        ResidentCopier.stage(items, 1, 0x7000_1000L, 0x9000_2000L, 16384, 255, 128, -2);
        final MemorySegment ring = MemorySegment.ofArray(new long[2 * ResidentCopier.ITEM_BYTES / 8]);
        MemorySegment.copy(items, 0, ring, ValueLayout.JAVA_LONG, 0, 8);
        final long at = ResidentCopier.ITEM_BYTES;
        // struct ResidentItem { u64 source; u64 destination; u32 length; u32 slot; u32 pieces; u32 sequence; }
        assertEquals(0x7000_1000L, ring.get(ValueLayout.JAVA_LONG_UNALIGNED, at));
        assertEquals(0x9000_2000L, ring.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 8));
        assertEquals(16384, ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 16));
        assertEquals(255, ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 20));
        assertEquals(128, ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 24));
        assertEquals(-2, ring.get(ValueLayout.JAVA_INT_UNALIGNED, at + 28), "a sequence past 2^31 keeps its bits");
        assertEquals(0, ring.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), "item 0 untouched");
    }

    @Test
    void shouldTreatTheDoneWordAsDoneForItsBatchAndEveryEarlierOneAcrossTheWrap()
    {
        assertTrue(ResidentCopier.reached(7, 7));
        assertTrue(ResidentCopier.reached(7 + ResidentCopier.SLOTS, 7));
        assertFalse(ResidentCopier.reached(7 - ResidentCopier.SLOTS, 7));
        assertTrue(ResidentCopier.reached(Integer.MIN_VALUE + 3, Integer.MAX_VALUE - 3), "sequence wrapped");
        assertFalse(ResidentCopier.reached(Integer.MAX_VALUE - 3, Integer.MIN_VALUE + 3), "not yet, across the wrap");
    }

    @Test
    void shouldKeepTheRingLargeEnoughForEveryBatchAndAPowerOfTwo()
    {
        assertEquals(1, Integer.bitCount(ResidentCopier.RING_ITEMS),
            "the kernel masks item indices with RING_ITEMS - 1");
        assertTrue(ResidentCopier.MAX_BATCH_PIECES * 2 <= ResidentCopier.RING_ITEMS,
            "two batches fit the ring at once: one in flight while the next is published");
    }

    @Test
    void shouldShipTheResidentKernelWithTheParametersJavaPasses() throws IOException
    {
        final String ptx;
        try (InputStream in = GpuBridge.class.getResourceAsStream("pages_sm90.ptx"))
        {
            ptx = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertTrue(ptx.contains(".visible .entry copy_pages_resident("), "copy_pages_resident entry");
        // Seven parameters: host ring, device ring, mask, control, done, state, counts.
        assertTrue(ptx.contains("copy_pages_resident_param_6"), "seven parameters");
        assertFalse(ptx.contains("copy_pages_resident_param_7"), "seven parameters");
        assertTrue(ptx.contains("discard.global.L2"), "the fetcher drops stale L2 copies of the host ring");
    }
}
