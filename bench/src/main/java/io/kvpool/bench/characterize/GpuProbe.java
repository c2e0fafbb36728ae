package io.kvpool.bench.characterize;

import io.kvpool.gpu.GpuBridge;
import io.kvpool.gpu.PageList;
import io.kvpool.gpu.PinnedMemory;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The GPU's paths: host-to-device and device-to-host copies between the registered pool region and device
 * memory, one copy engine transfer per block, at each size. Present only where a GPU is.
 */
final class GpuProbe
{
    private GpuProbe()
    {
    }

    /**
     * @return why the GPU paths cannot be measured here, or null when they can.
     */
    static String unavailable()
    {
        if (!Files.exists(Path.of("/dev/nvidia0")))
        {
            return "no NVIDIA GPU: /dev/nvidia0 does not exist";
        }
        try (GpuBridge bridge = GpuBridge.open(0))
        {
            return bridge.multiprocessors() > 0 ? null : "the GPU reports no multiprocessors";
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return "the CUDA driver did not open the GPU: " + ex.getMessage();
        }
    }

    /**
     * @return an H2D and a D2H point per size, each timed over at least 256 MiB of back-to-back copies.
     */
    static List<Point> measure(final MemorySegment region, final long[] sizes, final Runnable step)
    {
        final List<Point> points = new ArrayList<>();
        final long largest = Arrays.stream(sizes).max().orElse(0);
        try (GpuBridge bridge = GpuBridge.open(0);
             PinnedMemory pinned = bridge.register(region))
        {
            final long device = bridge.allocate(largest);
            try
            {
                for (final long size : sizes)
                {
                    final int copies = (int)Math.max(4, (256L << 20) / size);
                    for (final boolean toDevice : new boolean[]{true, false})
                    {
                        final PageList one = new PageList();
                        if (toDevice)
                        {
                            one.add(region.address(), device, size);
                        }
                        else
                        {
                            one.add(device, region.address(), size);
                        }
                        bridge.time(() -> bridge.copy(one, GpuBridge.Method.PER_PAGE));
                        final float milliseconds = bridge.time(() ->
                        {
                            for (int i = 0; i < copies; i++)
                            {
                                bridge.copy(one, GpuBridge.Method.PER_PAGE);
                            }
                        });
                        points.add(Point.bandwidth(toDevice ? "gpu-h2d" : "gpu-d2h", "copy", "sequential", size, 1,
                            copies * size / (milliseconds * 1e6)));
                        step.run();
                    }
                }
            }
            finally
            {
                bridge.free(device);
            }
        }
        return points;
    }
}
