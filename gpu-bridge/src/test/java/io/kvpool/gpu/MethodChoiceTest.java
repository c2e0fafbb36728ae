package io.kvpool.gpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link GpuBridge.Method#AUTO} gives a page list to the copy engines only when every page is large enough and the
 * driver has cuMemcpyBatchAsync; the other methods are taken as asked.
 */
class MethodChoiceTest
{
    @Test
    void shouldGiveLargePagesToTheCopyEnginesWhereTheDriverHasThem()
    {
        final PageList large = new PageList().add(0x10000, 0x90000, 64 * 1024).add(0x30000, 0xB0000, 2 << 20);
        final PageList mixed = new PageList().add(0x10000, 0x90000, 64 * 1024).add(0x30000, 0xB0000, 16 * 1024);
        assertEquals(GpuBridge.Method.BATCH, GpuBridge.resolve(large, GpuBridge.Method.AUTO, true));
        assertEquals(GpuBridge.Method.KERNEL, GpuBridge.resolve(large, GpuBridge.Method.AUTO, false));
        assertEquals(GpuBridge.Method.KERNEL, GpuBridge.resolve(mixed, GpuBridge.Method.AUTO, true));
        assertEquals(GpuBridge.Method.PER_PAGE, GpuBridge.resolve(mixed, GpuBridge.Method.PER_PAGE, true));
        assertEquals(GpuBridge.Method.KERNEL, GpuBridge.resolve(large, GpuBridge.Method.KERNEL, true));
        assertEquals(GpuBridge.Method.BATCH, GpuBridge.resolve(mixed, GpuBridge.Method.BATCH, false),
            "an explicit BATCH is kept (copy then says the driver lacks it)");
    }
}
