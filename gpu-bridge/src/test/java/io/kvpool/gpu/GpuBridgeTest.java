package io.kvpool.gpu;

import io.kvpool.protocol.test.Hardware;
import io.kvpool.protocol.test.RequiresHardware;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
