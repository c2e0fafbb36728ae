package io.kvpool.gpu;

import io.kvpool.protocol.test.Hardware;
import io.kvpool.protocol.test.RequiresHardware;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The bridge on a real GPU (the GPU machine; bench/gpu/run.sh runs the fuller check and the benchmark there).
 */
@Tag("gpu")
@RequiresHardware(Hardware.GPU)
class GpuBridgeTest
{
    @Test
    void shouldMovePagesBothWaysAndLayerByLayer()
    {
        try (GpuBridge bridge = GpuBridge.open(0);
             Arena arena = Arena.ofConfined())
        {
            final long pageBytes = 64 * 1024;
            final MemorySegment host = arena.allocate(32 * pageBytes, 4096);
            for (long i = 0; i < host.byteSize(); i += 8)
            {
                host.set(ValueLayout.JAVA_LONG, i, i * 0x9E3779B97F4A7C15L);
            }
            final long device = bridge.allocate(16 * pageBytes);
            try (PinnedMemory pinned = bridge.register(host))
            {
                final PageList up = new PageList();
                for (int i = 0; i < 16; i++)
                {
                    up.add(host.address() + (2L * i) * pageBytes, device + i * pageBytes, pageBytes);
                }
                bridge.copy(up, GpuBridge.Method.KERNEL).join();
                final PageList down = new PageList();
                for (int i = 0; i < 16; i++)
                {
                    down.add(device + i * pageBytes, host.address() + (2L * i + 1) * pageBytes, pageBytes);
                }
                bridge.loadLayers(List.of(down), GpuBridge.Method.PER_PAGE).getFirst().join();
                for (int i = 0; i < 16; i++)
                {
                    assertEquals(-1, host.asSlice(2L * i * pageBytes, pageBytes)
                        .mismatch(host.asSlice((2L * i + 1) * pageBytes, pageBytes)), "page " + i);
                }
            }
            bridge.free(device);
        }
    }

    @Test
    void shouldMovePagesByTheResidentKernelAndStopIt()
    {
        try (GpuBridge bridge = GpuBridge.open(0);
             Arena arena = Arena.ofConfined())
        {
            assumeTrue(bridge.residentAvailable(), "RESIDENT needs a GPU of compute capability 9.0 or later");
            final long stride = 64 * 1024;
            final int pages = 300;
            final MemorySegment host = arena.allocate(2 * pages * stride, 4096);
            final Random random = new Random(5);
            for (long i = 0; i < pages * stride; i += 8)
            {
                host.set(ValueLayout.JAVA_LONG, i, random.nextLong());
            }
            host.asSlice(pages * stride).fill((byte)0x5A);
            final long device = bridge.allocate(pages * stride);
            final long[] lengths = new long[pages];
            try (PinnedMemory pinned = bridge.register(host))
            {
                final PageList up = new PageList();
                final PageList down = new PageList();
                for (int i = 0; i < pages; i++)
                {
                    lengths[i] = 1 + random.nextInt((int)stride - 1);
                    up.add(host.address() + i * stride, device + i * stride, lengths[i]);
                    down.add(device + i * stride, host.address() + (pages + i) * stride, lengths[i]);
                }
                bridge.copy(up, GpuBridge.Method.RESIDENT).join();
                bridge.copy(down, GpuBridge.Method.RESIDENT).join();
                assertTrue(bridge.residentRunning(), "the kernel stays after a transfer");
                bridge.stopResident();
                assertFalse(bridge.residentRunning(), "stopResident ends it");
                for (int i = 0; i < pages; i++)
                {
                    final MemorySegment back = host.asSlice((pages + i) * stride, stride);
                    assertEquals(-1, host.asSlice(i * stride, lengths[i]).mismatch(back.asSlice(0, lengths[i])),
                        "page " + i);
                    for (long at = lengths[i]; at < stride; at++)
                    {
                        assertEquals((byte)0x5A, back.get(ValueLayout.JAVA_BYTE, at), "page " + i + " past its end");
                    }
                }
            }
            bridge.free(device);
        }
    }
}
