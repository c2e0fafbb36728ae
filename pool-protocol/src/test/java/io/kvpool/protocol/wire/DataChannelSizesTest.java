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
        assertEquals(DataEncoder.SINGLE_LANE_TERM_LENGTH, DataEncoder.termLength(1));
        assertEquals(DataEncoder.TERM_LENGTH, DataEncoder.termLength(2));
        assertEquals(DataEncoder.TERM_LENGTH, DataEncoder.termLength(17));
        assertEquals(512 * 1024, ByteSizes.parse(DataEncoder.termLength(6)));
        assertEquals(1024 * 1024, ByteSizes.parse(DataEncoder.termLength(1)));
    }

    @Test
    void shouldFitEveryDataMessageInATermsEighthAtEitherTermLength()
    {
        final long largestMessage = Math.max(Math.max(
            DataEncoder.CHUNK_HEADER_LENGTH + DataEncoder.CHUNK_BYTES,
            DataEncoder.WRITE_HEADER_LENGTH + DataEncoder.CHUNK_BYTES),
            32 + (long)TransferBatch.MAX_ENTRIES * DataEncoder.READ_ENTRY_LENGTH);
        assertTrue(largestMessage <= DataEncoder.MAX_FRAME_LENGTH, "largest message " + largestMessage);
        for (final String term : new String[]{DataEncoder.TERM_LENGTH, DataEncoder.SINGLE_LANE_TERM_LENGTH})
        {
            final long termBytes = ByteSizes.parse(term);
            assertEquals(0, termBytes & (termBytes - 1), "a power of two: " + term);
            assertTrue(DataEncoder.MAX_FRAME_LENGTH <= termBytes / 8, "term " + term);
        }
        final long mtu = ByteSizes.parse(DataEncoder.MTU);
        assertTrue(DataEncoder.CHUNK_HEADER_LENGTH + DataEncoder.CHUNK_BYTES + 32 <= mtu,
            "a chunk and Aeron's 32-byte frame header fit one MTU");
        assertEquals(ByteSizes.parse(DataEncoder.SINGLE_LANE_TERM_LENGTH) / 2,
            ByteSizes.parse(DataEncoder.RECEIVE_WINDOW), "the window asked for is the larger term's half");
    }
}
