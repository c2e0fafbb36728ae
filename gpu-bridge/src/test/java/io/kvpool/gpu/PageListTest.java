package io.kvpool.gpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PageListTest
{
    @Test
    void shouldPackSourcesDestinationsAndLengthsAsTheKernelReadsThem()
    {
        final PageList pages = new PageList().add(0x1000, 0x9000, 64).add(0x2000, 0xA000, 4096);
        assertEquals(2, pages.count());
        assertEquals(4160, pages.totalBytes());
        assertArrayEquals(new long[]{0x1000, 0x2000, 0x9000, 0xA000, 64, 4096}, pages.pack());
        assertEquals(0, pages.clear().count());
        assertEquals(0, pages.totalBytes());
    }

    @Test
    void shouldRefuseMisalignedNullAndEmptyPagesNamingThePage()
    {
        final PageList pages = new PageList().add(0x1000, 0x2000, 16);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> pages.add(0x1008, 0x3000, 16)).getMessage()
            .startsWith("page 1: source=0x1008"));
        assertThrows(IllegalArgumentException.class, () -> pages.add(0x1000, 0x3004, 16));
        assertThrows(IllegalArgumentException.class, () -> pages.add(0, 0x3000, 16));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> pages.add(0x1000, 0x3000, 0)).getMessage()
            .contains("length=0"));
        assertEquals(1, pages.count(), "refused pages are not added");
    }

    @Test
    void shouldFindOverlappingDestinations()
    {
        new PageList().add(0x1000, 0x10000, 4096).add(0x3000, 0x11000, 4096).checkDisjointDestinations();
        final IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
            () -> new PageList().add(0x1000, 0x10000, 4096).add(0x3000, 0x10FF0, 4096).checkDisjointDestinations());
        assertEquals("pages 0 and 1 write overlapping destinations", overlap.getMessage());
    }

    @Test
    void shouldStopAtTheMostPagesABatchTakes()
    {
        final PageList pages = new PageList();
        for (int i = 0; i < PageList.MAX_PAGES; i++)
        {
            pages.add(0x1000L * (i + 1), 0x10_0000_0000L + 0x1000L * i, 16);
        }
        assertThrows(IllegalStateException.class, () -> pages.add(0x1000, 0x2000, 16));
        assertThrows(IndexOutOfBoundsException.class, () -> pages.source(PageList.MAX_PAGES));
    }
}
