package io.kvpool.client.transport;

import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.wire.DataEncoder;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How {@link AeronLanesTransport} deals a batch out to lanes, and how it puts the lanes' statuses back together.
 */
class AeronLanesSplitTest
{
    private static final int CHUNK = DataEncoder.CHUNK_BYTES;

    @Test
    void shouldDealChunksOutInContiguousNearEqualSpans()
    {
        try (Arena arena = Arena.ofConfined())
        {
            // Chunks: entry 0 has 1 (1 byte), entry 1 has 5 (4 whole + 7 bytes), entry 2 has 1: 7 in all, so the
            // three lanes get chunks [0, 2), [2, 4) and [4, 7).
            final MemorySegment big = arena.allocate(4L * CHUNK + 7);
            final TransferBatch batch = new TransferBatch();
            batch.add(10, 100, 1_000, 1, arena.allocate(1));
            batch.add(11, 101, 2_000_000, 4 * CHUNK + 7, big);
            batch.add(12, 102, 9_000_000, 4096, arena.allocate(4096));
            final TransferBatch[] parts = lanes(3);
            final int[][] partEntry = new int[3][TransferBatch.MAX_ENTRIES];
            AeronLanesTransport.split(batch, parts, partEntry, 0);

            assertEquals(2, parts[0].size());
            assertPart(parts[0], 0, 10, 100, 1_000, 1);
            assertPart(parts[0], 1, 11, 101, 2_000_000, CHUNK);
            assertEquals(1, parts[1].size());
            assertPart(parts[1], 0, 11, 101, 2_000_000 + CHUNK, 2 * CHUNK);
            assertEquals(2, parts[2].size());
            assertPart(parts[2], 0, 11, 101, 2_000_000 + 3L * CHUNK, CHUNK + 7);
            assertPart(parts[2], 1, 12, 102, 9_000_000, 4096);
            assertEquals(0, partEntry[0][0]);
            assertEquals(1, partEntry[0][1]);
            assertEquals(1, partEntry[1][0]);
            assertEquals(1, partEntry[2][0]);
            assertEquals(2, partEntry[2][1]);
            // Each part is the matching slice of the entry's segment.
            assertEquals(big.address() + 3L * CHUNK, parts[2].segment(0).address());
            assertEquals(CHUNK + 7, parts[2].segment(0).byteSize());

            parts[1].status(0, Status.NOT_FOUND);
            parts[0].status(0, Status.OK);
            parts[0].status(1, Status.OK);
            parts[2].status(0, Status.OK);
            parts[2].status(1, Status.TRANSPORT_FAILED);
            AeronLanesTransport.merge(batch, parts, partEntry);
            assertEquals(Status.OK, batch.status(0));
            assertEquals(Status.NOT_FOUND, batch.status(1), "one part missed: the entry missed");
            assertEquals(Status.TRANSPORT_FAILED, batch.status(2));
        }
    }

    @Test
    void shouldGiveOneLaneEveryEntryWhole()
    {
        try (Arena arena = Arena.ofConfined())
        {
            // What puts over one TCP connection rely on: a frame per entry, however many chunks it spans.
            final MemorySegment big = arena.allocate(4L * CHUNK + 7);
            final TransferBatch batch = new TransferBatch();
            batch.add(10, 100, 1_000, 1, arena.allocate(1));
            batch.add(11, 101, 2_000_000, 4 * CHUNK + 7, big);
            final TransferBatch[] parts = lanes(1);
            final int[][] partEntry = new int[1][TransferBatch.MAX_ENTRIES];
            AeronLanesTransport.split(batch, parts, partEntry, 0);
            assertEquals(2, parts[0].size());
            assertPart(parts[0], 0, 10, 100, 1_000, 1);
            assertPart(parts[0], 1, 11, 101, 2_000_000, 4 * CHUNK + 7);
            assertEquals(big.address(), parts[0].segment(1).address());
            assertEquals(0, partEntry[0][0]);
            assertEquals(1, partEntry[0][1]);
        }
    }

    @Test
    void shouldGiveOneChunkToEachLaneFromTheFirstWhenThereAreFewerChunksThanLanes()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final TransferBatch batch = new TransferBatch();
            batch.add(1, 1, 0, CHUNK + 1, arena.allocate(CHUNK + 1));
            final TransferBatch[] parts = lanes(3);
            final int[][] partEntry = new int[3][TransferBatch.MAX_ENTRIES];
            AeronLanesTransport.split(batch, parts, partEntry, 2);
            assertPart(parts[2], 0, 1, 1, 0, CHUNK);
            assertPart(parts[0], 0, 1, 1, CHUNK, 1);
            assertEquals(1, parts[0].size());
            assertEquals(0, parts[1].size(), "two chunks, from lane 2 on: lanes 2 and 0");
            assertEquals(1, parts[2].size());
        }
    }

    @Test
    void shouldStartAtTheFirstLaneAndWrap()
    {
        try (Arena arena = Arena.ofConfined())
        {
            // Six chunks over four lanes from lane 3: spans [0, 1), [1, 3), [3, 4), [4, 6) on lanes 3, 0, 1, 2.
            final TransferBatch batch = new TransferBatch();
            batch.add(5, 9, 4096, 6 * CHUNK, arena.allocate(6L * CHUNK));
            final TransferBatch[] parts = lanes(4);
            final int[][] partEntry = new int[4][TransferBatch.MAX_ENTRIES];
            // Left over from a previous transfer: cleared.
            parts[1].add(1, 1, 0, 1, arena.allocate(1));
            parts[1].add(2, 2, 0, 1, arena.allocate(1));
            AeronLanesTransport.split(batch, parts, partEntry, 3);
            for (final TransferBatch part : parts)
            {
                assertEquals(1, part.size());
            }
            assertPart(parts[3], 0, 5, 9, 4096, CHUNK);
            assertPart(parts[0], 0, 5, 9, 4096 + CHUNK, 2 * CHUNK);
            assertPart(parts[1], 0, 5, 9, 4096 + 3L * CHUNK, CHUNK);
            assertPart(parts[2], 0, 5, 9, 4096 + 4L * CHUNK, 2 * CHUNK);
        }
    }

    private static TransferBatch[] lanes(final int count)
    {
        final TransferBatch[] parts = new TransferBatch[count];
        for (int k = 0; k < count; k++)
        {
            parts[k] = new TransferBatch();
        }
        return parts;
    }

    private static void assertPart(
        final TransferBatch part, final int i, final long block, final long generation, final long offset,
        final int length)
    {
        assertEquals(block, part.blockIndex(i));
        assertEquals(generation, part.generation(i));
        assertEquals(offset, part.regionOffset(i));
        assertEquals(length, part.length(i));
    }
}
