package io.kvpool.protocol;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read and write protocols on one block entry and its bytes, in a segment laid out as a region's would be.
 */
class BlockProtocolTest
{
    private static final long ENTRY = 0;
    private static final long DATA = 4096;
    private static final long GENERATION = 7;

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment region = arena.allocate(8192, 64);
    private final MemorySegment buffer = arena.allocate(1024, 64);

    @Test
    void shouldReadASealedBlockAndMissAnythingElse()
    {
        region.asSlice(DATA, 1024).fill((byte)5);
        stamp(GENERATION, BlockTableDescriptor.SEALED);
        assertEquals(Status.OK, BlockProtocol.read(region, ENTRY, GENERATION, DATA, buffer, 1024));
        assertEquals(-1, buffer.mismatch(region.asSlice(DATA, 1024)));

        assertEquals(Status.NOT_FOUND, BlockProtocol.read(region, ENTRY, GENERATION + 1, DATA, buffer, 1024),
            "another incarnation");
        stamp(GENERATION, BlockTableDescriptor.WRITING);
        assertEquals(Status.NOT_FOUND, BlockProtocol.read(region, ENTRY, GENERATION, DATA, buffer, 1024),
            "not sealed");
    }

    @Test
    void shouldMissWhileAnyWriterIntentIsHeld()
    {
        stamp(GENERATION, BlockTableDescriptor.SEALED);
        final long stamp = BlockProtocol.beginRead(region, ENTRY, GENERATION);
        BlockTableDescriptor.addWriterIntent(region, ENTRY, BlockTableDescriptor.CLIENT_WRITER);
        assertFalse(BlockProtocol.endRead(region, ENTRY, stamp), "a writer may have stored during the copy");
        BlockTableDescriptor.addWriterIntent(region, ENTRY, -BlockTableDescriptor.CLIENT_WRITER);
        assertTrue(BlockProtocol.endRead(region, ENTRY, stamp));
        assertFalse(BlockProtocol.endRead(region, ENTRY, -1), "a read that never began");
    }

    @Test
    void shouldStoreOnlyUnderALiveReservationAndWithdrawItsIntent()
    {
        final MemorySegment source = arena.allocate(512, 64).fill((byte)9);
        stamp(GENERATION, BlockTableDescriptor.WRITING);
        assertEquals(Status.OK, BlockProtocol.write(region, ENTRY, GENERATION, source, DATA));
        assertEquals(-1, region.asSlice(DATA, 512).mismatch(source));
        assertEquals(0, BlockTableDescriptor.writerIntent(region, ENTRY), "withdrawn after the copy");

        // Freed (lease lapsed): nothing stored, no intent left.
        stamp(GENERATION, BlockTableDescriptor.FREE);
        region.asSlice(DATA, 512).fill((byte)0);
        assertEquals(Status.UNKNOWN_RESERVATION, BlockProtocol.write(region, ENTRY, GENERATION, source, DATA));
        assertEquals(0, region.asSlice(DATA, 512).get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0, BlockTableDescriptor.writerIntent(region, ENTRY));
        assertFalse(BlockProtocol.writerMayStore(region, ENTRY));

        // A writer between its check and its stores holds the block: the manager must not reuse it.
        stamp(GENERATION + 1, BlockTableDescriptor.WRITING);
        assertEquals(Status.OK, BlockProtocol.beginWrite(region, ENTRY, GENERATION + 1));
        stamp(GENERATION + 1, BlockTableDescriptor.FREE);
        assertTrue(BlockProtocol.writerMayStore(region, ENTRY));
        BlockProtocol.endWrite(region, ENTRY);
        assertFalse(BlockProtocol.writerMayStore(region, ENTRY));
    }

    @Test
    void shouldKeepTheAccessTickAndTheIntentApart()
    {
        BlockTableDescriptor.addWriterIntent(region, ENTRY, BlockTableDescriptor.CLIENT_WRITER);
        BlockTableDescriptor.lastAccessTick(region, ENTRY, 0xFFFF_FFFFL + 5);
        assertEquals(4, BlockTableDescriptor.lastAccessTick(region, ENTRY), "32 bits, wrapped");
        assertEquals(1, BlockTableDescriptor.writerIntent(region, ENTRY), "the tick's store leaves the intent alone");
    }

    private void stamp(final long generation, final int state)
    {
        BlockTableDescriptor.stampVolatile(region, ENTRY, BlockTableDescriptor.stamp(generation, state));
    }
}
