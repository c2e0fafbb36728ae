package io.kvpool.protocol.wire;

import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.transport.TransferBatch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data channels' sizes fit one another: every message the data path sends fits a term's eighth (Aeron's
 * largest message) at either term length, and a chunk fits one MTU-sized frame.
 */
class DataChannelSizesTest
{
    @Test
    void shouldUseTheSmallerTermOnlyWhereThereAreSeveralLanes()
    {
        assertEquals(DataFlyweight.SINGLE_LANE_TERM_LENGTH, DataFlyweight.termLength(1));
        assertEquals(DataFlyweight.TERM_LENGTH, DataFlyweight.termLength(2));
        assertEquals(DataFlyweight.TERM_LENGTH, DataFlyweight.termLength(17));
        assertEquals(512 * 1024, ByteSizes.parse(DataFlyweight.termLength(6)));
        assertEquals(1024 * 1024, ByteSizes.parse(DataFlyweight.termLength(1)));
    }

    @Test
    void shouldFitEveryDataMessageInATermsEighthAtEitherTermLength()
    {
        final long largestMessage = Math.max(Math.max(
            DataFlyweight.CHUNK_HEADER_LENGTH + DataFlyweight.CHUNK_BYTES,
            DataFlyweight.WRITE_HEADER_LENGTH + DataFlyweight.CHUNK_BYTES),
            32 + (long)TransferBatch.MAX_ENTRIES * DataFlyweight.READ_ENTRY_LENGTH);
        assertTrue(largestMessage <= DataFlyweight.MAX_FRAME_LENGTH, "largest message " + largestMessage);
        for (final String term : new String[]{DataFlyweight.TERM_LENGTH, DataFlyweight.SINGLE_LANE_TERM_LENGTH})
        {
            final long termBytes = ByteSizes.parse(term);
            assertEquals(0, termBytes & (termBytes - 1), "a power of two: " + term);
            assertTrue(DataFlyweight.MAX_FRAME_LENGTH <= termBytes / 8, "term " + term);
        }
        final long mtu = ByteSizes.parse(DataFlyweight.MTU);
        assertTrue(DataFlyweight.CHUNK_HEADER_LENGTH + DataFlyweight.CHUNK_BYTES + 32 <= mtu,
            "a chunk and Aeron's 32-byte frame header fit one MTU");
        assertEquals(ByteSizes.parse(DataFlyweight.SINGLE_LANE_TERM_LENGTH) / 2,
            ByteSizes.parse(DataFlyweight.RECEIVE_WINDOW), "the window asked for is the larger term's half");
    }
}
