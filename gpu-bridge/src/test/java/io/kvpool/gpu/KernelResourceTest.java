package io.kvpool.gpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel ships as PTX in the jar, so a machine without nvcc still runs it; its entry points and the inline page
 * table size must be what the Java side launches with.
 */
class KernelResourceTest
{
    @Test
    void shouldShipPtxWithBothKernelsAndTheInlineTableSizeJavaUses() throws IOException
    {
        final String ptx;
        try (InputStream in = GpuBridge.class.getResourceAsStream("pages.ptx"))
        {
            assertNotNull(in, "pages.ptx is in the jar");
            ptx = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertTrue(ptx.contains(".visible .entry copy_pages("), "copy_pages entry");
        assertTrue(ptx.contains(".visible .entry copy_pages_inline("), "copy_pages_inline entry");
        // The by-value table: 3 arrays of INLINE_PAGES u64 = 3 * 128 * 8 bytes.
        assertTrue(ptx.contains("copy_pages_inline_param_0[" + 3 * GpuBridge.INLINE_PAGES * 8 + "]"), ptx);
        assertTrue(ptx.contains(".target sm_80"), "built for compute 8.0 and up (JIT-compiled on newer GPUs)");
    }

    @Test
    void shouldShipTheHopperBulkKernelsWithTheSizesJavaUses() throws IOException
    {
        final String ptx;
        try (InputStream in = GpuBridge.class.getResourceAsStream("pages_sm90.ptx"))
        {
            assertNotNull(in, "pages_sm90.ptx is in the jar");
            ptx = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertTrue(ptx.contains(".visible .entry copy_pages_bulk("), "copy_pages_bulk entry");
        assertTrue(ptx.contains(".visible .entry copy_pages_bulk_inline("), "copy_pages_bulk_inline entry");
        assertTrue(ptx.contains("copy_pages_bulk_inline_param_0[" + 3 * GpuBridge.INLINE_PAGES * 8 + "]"), ptx);
        assertTrue(ptx.contains(".target sm_90"), "bulk copies need compute 9.0");
        assertTrue(ptx.contains("cp.async.bulk.shared::cluster.global"), "loads by the bulk copy unit");
        // Two stages of BULK_PIECE_BYTES of shared memory per block.
        assertTrue(ptx.contains("[" + 2 * GpuBridge.BULK_PIECE_BYTES + "]"), "2 x " + GpuBridge.BULK_PIECE_BYTES +
            " bytes of shared buffer");
    }

    @Test
    void shouldLoadEachPtxNulTerminatedAsTheDriverWantsIt()
    {
        for (final String name : new String[]{"pages.ptx", "pages_sm90.ptx"})
        {
            final byte[] ptx = Cuda.ptx(name);
            assertEquals(0, ptx[ptx.length - 1], name + " ends with NUL");
            assertTrue(new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII).contains(".visible .entry"),
                name + " holds kernels");
        }
        assertThrows(IllegalStateException.class, () -> Cuda.ptx("missing.ptx"));
    }
}
