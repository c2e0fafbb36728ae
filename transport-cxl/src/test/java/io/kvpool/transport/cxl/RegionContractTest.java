package io.kvpool.transport.cxl;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every region source must keep. Each source has a subclass; hardware-bound ones skip themselves
 * where the hardware is absent.
 */
abstract class RegionContractTest
{
    static final long MIB = 1024 * 1024;

    private Region region;

    /**
     * @return a source of at least {@code 8 MiB}.
     */
    abstract RegionSource source();

    /**
     * @return the kind the source must report.
     */
    abstract RegionKind expectedKind();

    /**
     * @return whether a second mapping of the same source shares its bytes (false for anonymous memory).
     */
    boolean isShared()
    {
        return true;
    }

    Region region()
    {
        if (region == null)
        {
            region = Region.map(source());
        }
        return region;
    }

    @AfterEach
    void closeRegion()
    {
        if (region != null)
        {
            region.close();
        }
    }

    @Test
    void shouldMapPageAlignedRegionOfReportedKindAndLength()
    {
        final Region mapped = region();
        assertEquals(expectedKind(), mapped.kind());
        assertTrue(mapped.lengthBytes() >= 8 * MIB, "length=" + mapped.lengthBytes());
        assertEquals(mapped.lengthBytes(), mapped.segment().byteSize());
        assertEquals(0, mapped.address() % mapped.pageSizeBytes(), "address must be page aligned");
        assertEquals(0, mapped.lengthBytes() % mapped.pageSizeBytes(), "length must be whole pages");
    }

    @Test
    void shouldReadBackWhatWasCopiedInAtBothEnds()
    {
        final Region mapped = region();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment source = arena.allocate(1 * MIB + 3);
            final byte[] random = new byte[(int)source.byteSize()];
            new Random(42).nextBytes(random);
            MemorySegment.copy(random, 0, source, ValueLayout.JAVA_BYTE, 0, random.length);
            final long lastOffset = mapped.lengthBytes() - source.byteSize();
            mapped.copyIn(0, source);
            mapped.copyIn(lastOffset, source);
            final MemorySegment back = arena.allocate(source.byteSize());
            mapped.copyOut(0, back);
            assertEquals(-1, back.mismatch(source));
            back.fill((byte)0);
            mapped.copyOut(lastOffset, back);
            assertEquals(-1, back.mismatch(source));
        }
    }

    @Test
    void shouldRefuseCopiesOutsideTheRegion()
    {
        final Region mapped = region();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment buffer = arena.allocate(4096);
            assertThrows(IndexOutOfBoundsException.class, () -> mapped.copyIn(mapped.lengthBytes() - 4095, buffer));
            assertThrows(IndexOutOfBoundsException.class, () -> mapped.copyOut(-1, buffer));
            assertThrows(IndexOutOfBoundsException.class, () -> mapped.copyOut(mapped.lengthBytes(), buffer));
        }
    }

    @Test
    void shouldPrefaultWithoutChangingContents()
    {
        final Region mapped = region();
        final MemorySegment segment = mapped.segment();
        segment.set(ValueLayout.JAVA_LONG, 0, 0x1122334455667788L);
        segment.set(ValueLayout.JAVA_LONG, mapped.lengthBytes() - 8, 0x0102030405060708L);
        final long nanos = mapped.prefault();
        assertTrue(nanos > 0);
        assertEquals(nanos, mapped.prefaultNanos());
        assertEquals(0x1122334455667788L, segment.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0x0102030405060708L, segment.get(ValueLayout.JAVA_LONG, mapped.lengthBytes() - 8));
        assertTrue(mapped.description().contains("prefaulted by"), mapped.description());
    }

    @Test
    void shouldShareBytesWithSecondMappingOfSameSource()
    {
        final Region first = region();
        final long value = System.nanoTime();
        first.segment().set(ValueLayout.JAVA_LONG, 4096, value);
        if (!isShared())
        {
            try (Region other = Region.map(source()))
            {
                assertEquals(0, other.segment().get(ValueLayout.JAVA_LONG, 4096), "anonymous regions are private");
            }
            return;
        }
        try (Region second = Region.map(source()))
        {
            assertEquals(value, second.segment().get(ValueLayout.JAVA_LONG, 4096));
            second.segment().set(ValueLayout.JAVA_LONG, 8192, ~value);
            Region.releaseFence();
        }
        Region.acquireFence();
        assertEquals(~value, first.segment().get(ValueLayout.JAVA_LONG, 8192));
    }

    @Test
    void shouldInvalidateSegmentOnClose()
    {
        final Region mapped = Region.map(source());
        final MemorySegment segment = mapped.segment();
        mapped.close();
        mapped.close();
        assertFalse(segment.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_LONG, 0));
    }

    @Test
    void shouldShowTheSameBytesThroughItsView()
    {
        final Region mapped = region();
        final long last = mapped.lengthBytes() - 8;
        mapped.segment().set(ValueLayout.JAVA_LONG, last, 0x0A0B0C0D01020304L);
        mapped.enterView();
        try
        {
            assertEquals(mapped.lengthBytes(), mapped.view().byteSize());
            assertEquals(0x0A0B0C0D01020304L, mapped.view().get(ValueLayout.JAVA_LONG, last));
            mapped.view().set(ValueLayout.JAVA_LONG, 4096, 77L);
        }
        finally
        {
            mapped.exitView();
        }
        assertEquals(77L, mapped.segment().get(ValueLayout.JAVA_LONG, 4096));
    }

    /**
     * close() waits for a thread reading through the view: once the close has begun (entries refused), the reader
     * still reads the mapping's bytes, and the close returns (unmapped) only after the reader's exit.
     */
    @Test
    void shouldUnmapOnlyAfterTheViewsReadersLeave() throws Exception
    {
        final Region mapped = Region.map(source());
        mapped.segment().set(ValueLayout.JAVA_LONG, 8, 4242L);
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch closing = new CountDownLatch(1);
        final AtomicLong read = new AtomicLong();
        final Thread reader = Thread.ofPlatform().start(() ->
        {
            mapped.enterView();
            try
            {
                inside.countDown();
                closing.await();
                read.set(mapped.view().get(ValueLayout.JAVA_LONG, 8));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            finally
            {
                mapped.exitView();
            }
        });
        inside.await();
        final Thread closer = Thread.ofPlatform().start(mapped::close);
        while (true)
        {
            try
            {
                mapped.enterView(); // succeeds until the close has begun
                mapped.exitView();
                Thread.onSpinWait();
            }
            catch (final IllegalStateException ex)
            {
                break;
            }
        }
        assertTrue(mapped.segment().scope().isAlive(), "not unmapped while a reader is inside");
        closing.countDown();
        reader.join();
        closer.join();
        assertEquals(4242L, read.get(), "the reader read the mapping after the close began");
        assertFalse(mapped.segment().scope().isAlive());
        assertThrows(IllegalStateException.class, mapped::enterView);
    }
}
