package io.kvpool.bench.gpu;

import io.kvpool.gpu.GpuBridge;
import io.kvpool.gpu.PageList;
import io.kvpool.gpu.PinnedMemory;
import io.kvpool.protocol.Payloads;
import io.kvpool.transport.cxl.Region;
import io.kvpool.transport.cxl.RegionSource;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;


/**
 * The GPU bridge on a real GPU: correctness first (random data, poisoned destinations, every byte compared, both
 * directions, both methods, layer-wise loading), then bandwidth: contiguous host-to-device and device-to-host from
 * a registered /dev/shm region, and 128 scattered pages of 16, 64 and 256 KiB by per-page copies and by the
 * kernel. Runs on the GPU machine by bench/gpu/run.sh (no picocli: the carried runtime is minimal).
 * Arguments: [--out DIR] [--region-bytes N].
 */
public final class GpuBench
{
    private static final long GIB = 1L << 30;
    private static final int PAGES = 128;
    private static final int REPEATS = 10;
    private static final long[] PAGE_SIZES = {16 * 1024, 64 * 1024, 256 * 1024};

    private GpuBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        Path out = Path.of(".");
        long regionBytes = GIB;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--out" -> out = Path.of(args[++i]);
                case "--region-bytes" -> regionBytes = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        final Path file = Files.createTempFile(Path.of("/dev/shm"), "kvpool-gpu-", ".region");
        Files.delete(file);
        final List<String> rows = new ArrayList<>();
        try (Region region = Region.map(RegionSource.file(file, regionBytes));
             GpuBridge bridge = GpuBridge.open(0))
        {
            region.prefault();
            Payloads.fill(region.segment(), 42);
            final long devicePool = bridge.allocate(regionBytes);
            try (PinnedMemory pinned = bridge.register(region.segment()))
            {
                System.out.printf("registered %d MiB of %s in %d chunks; %d multiprocessors%n", regionBytes >> 20,
                    file, pinned.plan().chunks().size(), bridge.multiprocessors());
                final int checked = checkCorrectness(bridge, region, devicePool);
                System.out.printf("correctness: %d page copies compared byte for byte, all equal%n", checked);
                measure(bridge, region, devicePool, rows);
            }
            bridge.free(devicePool);
        }
        finally
        {
            Files.deleteIfExists(file);
        }
        final String table = String.join("\n", rows);
        Files.createDirectories(out);
        Files.writeString(out.resolve("gpu-bench.txt"), table + "\n");
        System.out.println(table);
    }

    /**
     * Every combination on fresh random data with poisoned destinations; throws on the first difference.
     *
     * @return pages compared.
     */
    private static int checkCorrectness(final GpuBridge bridge, final Region region, final long device)
    {
        final Random random = new Random(7);
        final long half = region.lengthBytes() / 2;
        int compared = 0;
        try (Arena arena = Arena.ofConfined())
        {
            for (final long pageBytes : PAGE_SIZES)
            {
                for (final GpuBridge.Method method : GpuBridge.Method.values())
                {
                    // Host -> device: scattered pages of the region's first half into consecutive device pages.
                    Payloads.fill(region.segment().asSlice(0, half), random.nextLong());
                    final long[] slots = scattered(random, half / pageBytes, PAGES);
                    final PageList toDevice = new PageList();
                    for (int i = 0; i < PAGES; i++)
                    {
                        toDevice.add(region.address() + slots[i] * pageBytes, device + i * pageBytes, pageBytes);
                    }
                    poisonDevice(bridge, region, device, PAGES * pageBytes);
                    bridge.copy(toDevice, method).join();
                    final MemorySegment back = arena.allocate(PAGES * pageBytes, 4096);
                    bridge.copySync(region.address() + half, device, PAGES * pageBytes);
                    MemorySegment.copy(region.segment(), half, back, 0, PAGES * pageBytes);
                    for (int i = 0; i < PAGES; i++)
                    {
                        expectEqual(region.segment().asSlice(slots[i] * pageBytes, pageBytes),
                            back.asSlice(i * pageBytes, pageBytes), "H2D " + method + " page " + i + " of " + pageBytes);
                        compared++;
                    }
                    // Device -> host: consecutive device pages scattered into poisoned slots of the first half.
                    final PageList toHost = new PageList();
                    region.segment().asSlice(0, half).fill((byte)0xA5);
                    for (int i = 0; i < PAGES; i++)
                    {
                        toHost.add(device + i * pageBytes, region.address() + slots[i] * pageBytes, pageBytes);
                    }
                    bridge.copy(toHost.checkDisjointDestinations(), method).join();
                    for (int i = 0; i < PAGES; i++)
                    {
                        expectEqual(back.asSlice(i * pageBytes, pageBytes),
                            region.segment().asSlice(slots[i] * pageBytes, pageBytes),
                            "D2H " + method + " page " + i + " of " + pageBytes);
                        compared++;
                    }
                }
            }
            // More pages than a launch carries in its parameters: the page list is read from pinned host memory.
            {
                final long pageBytes = 16 * 1024;
                final int pages = 300;
                Payloads.fill(region.segment().asSlice(0, half), random.nextLong());
                final long[] slots = scattered(random, half / pageBytes, pages);
                final PageList many = new PageList();
                for (int i = 0; i < pages; i++)
                {
                    many.add(region.address() + slots[i] * pageBytes, device + i * pageBytes, pageBytes);
                }
                poisonDevice(bridge, region, device, pages * pageBytes);
                bridge.copy(many, GpuBridge.Method.KERNEL).join();
                final MemorySegment back = arena.allocate(pages * pageBytes, 4096);
                bridge.copySync(region.address() + half, device, pages * pageBytes);
                MemorySegment.copy(region.segment(), half, back, 0, pages * pageBytes);
                for (int i = 0; i < pages; i++)
                {
                    expectEqual(region.segment().asSlice(slots[i] * pageBytes, pageBytes),
                        back.asSlice(i * pageBytes, pageBytes), "H2D list-kernel page " + i);
                    compared++;
                }
            }
            // Layer-wise: 4 layers of 32 pages; each layer's future completes, in order, with its bytes in place.
            Payloads.fill(region.segment().asSlice(0, half), random.nextLong());
            final List<PageList> layers = new ArrayList<>();
            final long pageBytes = 64 * 1024;
            final long[] slots = scattered(random, half / pageBytes, 128);
            for (int layer = 0; layer < 4; layer++)
            {
                final PageList pages = new PageList();
                for (int i = 0; i < 32; i++)
                {
                    final int page = layer * 32 + i;
                    pages.add(region.address() + slots[page] * pageBytes, device + page * pageBytes, pageBytes);
                }
                layers.add(pages);
            }
            poisonDevice(bridge, region, device, 128 * pageBytes);
            final var done = bridge.loadLayers(layers, GpuBridge.Method.KERNEL);
            for (int layer = 0; layer < 4; layer++)
            {
                done.get(layer).join();
            }
            final MemorySegment back = arena.allocate(128 * pageBytes, 4096);
            bridge.copySync(region.address() + half, device, 128 * pageBytes);
            MemorySegment.copy(region.segment(), half, back, 0, 128 * pageBytes);
            for (int page = 0; page < 128; page++)
            {
                expectEqual(region.segment().asSlice(slots[page] * pageBytes, pageBytes),
                    back.asSlice(page * pageBytes, pageBytes), "layer-wise page " + page);
                compared++;
            }
        }
        return compared;
    }

    private static void measure(final GpuBridge bridge, final Region region, final long device, final List<String> rows)
    {
        final long contiguous = Math.min(256L << 20, region.lengthBytes() / 2);
        final double h2d = median(() -> bridge.time(() -> repeat(() ->
            enqueueCopy(bridge, device, region.address(), contiguous))), REPEATS * contiguous);
        final double d2h = median(() -> bridge.time(() -> repeat(() ->
            enqueueCopy(bridge, region.address(), device, contiguous))), REPEATS * contiguous);
        rows.add(String.format(Locale.ROOT, "%-44s %10s", "path (median of 20, 10 transfers each)", "GB/s"));
        rows.add(String.format(Locale.ROOT, "%-44s %10.1f", "contiguous H2D (" + (contiguous >> 20) + " MiB)", h2d));
        rows.add(String.format(Locale.ROOT, "%-44s %10.1f", "contiguous D2H (" + (contiguous >> 20) + " MiB)", d2h));
        final Random random = new Random(11);
        for (final long pageBytes : PAGE_SIZES)
        {
            final long[] slots = scattered(random, region.lengthBytes() / pageBytes, PAGES);
            final PageList toDevice = new PageList();
            final PageList toHost = new PageList();
            for (int i = 0; i < PAGES; i++)
            {
                toDevice.add(region.address() + slots[i] * pageBytes, device + i * pageBytes, pageBytes);
                toHost.add(device + i * pageBytes, region.address() + slots[i] * pageBytes, pageBytes);
            }
            final long bytes = PAGES * pageBytes;
            for (final GpuBridge.Method method : GpuBridge.Method.values())
            {
                final double up = median(() -> bridge.time(() -> repeat(() -> bridge.copy(toDevice, method))),
                    REPEATS * bytes);
                final double down = median(() -> bridge.time(() -> repeat(() -> bridge.copy(toHost, method))),
                    REPEATS * bytes);
                final String name = method == GpuBridge.Method.KERNEL ? "kernel" : "per-page copies";
                rows.add(String.format(Locale.ROOT, "%-44s %10.1f   (%.0f%% of contiguous H2D)",
                    PAGES + " x " + (pageBytes >> 10) + " KiB H2D, " + name, up, 100 * up / h2d));
                rows.add(String.format(Locale.ROOT, "%-44s %10.1f   (%.0f%% of contiguous D2H)",
                    PAGES + " x " + (pageBytes >> 10) + " KiB D2H, " + name, down, 100 * down / d2h));
            }
        }
        measureMixed(bridge, region, device, rows, h2d, d2h);
    }

    /**
     * Enqueues an operation {@link #REPEATS} times back to back, so that the stream stays busy and the timing
     * measures the device's sustained rate rather than the host's submission latency.
     */
    private static void repeat(final Runnable enqueue)
    {
        for (int i = 0; i < REPEATS; i++)
        {
            enqueue.run();
        }
    }

    /**
     * A batch of 128 pages whose sizes are drawn from 16 to 256 KiB (as a prompt's KV pages of mixed layers would
     * be), by the kernel.
     */
    private static void measureMixed(
        final GpuBridge bridge, final Region region, final long device, final List<String> rows, final double h2d,
        final double d2h)
    {
        final Random random = new Random(13);
        final long stride = 256 * 1024;
        final long[] slots = scattered(random, region.lengthBytes() / stride, PAGES);
        final PageList toDevice = new PageList();
        final PageList toHost = new PageList();
        long bytes = 0;
        for (int i = 0; i < PAGES; i++)
        {
            final long length = (1 + random.nextInt(16)) * 16 * 1024L;
            toDevice.add(region.address() + slots[i] * stride, device + i * stride, length);
            toHost.add(device + i * stride, region.address() + slots[i] * stride, length);
            bytes += length;
        }
        final long total = bytes;
        final double up = median(() -> bridge.time(() -> repeat(() -> bridge.copy(toDevice, GpuBridge.Method.KERNEL))),
            REPEATS * total);
        final double down = median(() -> bridge.time(() -> repeat(() -> bridge.copy(toHost, GpuBridge.Method.KERNEL))),
            REPEATS * total);
        rows.add(String.format(Locale.ROOT, "%-44s %10.1f   (%.0f%% of contiguous H2D)",
            PAGES + " x 16-256 KiB mixed H2D, kernel", up, 100 * up / h2d));
        rows.add(String.format(Locale.ROOT, "%-44s %10.1f   (%.0f%% of contiguous D2H)",
            PAGES + " x 16-256 KiB mixed D2H, kernel", down, 100 * down / d2h));
    }

    private static void enqueueCopy(final GpuBridge bridge, final long destination, final long source, final long bytes)
    {
        final PageList one = new PageList();
        one.add(source, destination, bytes);
        bridge.copy(one, GpuBridge.Method.PER_PAGE);
    }

    /**
     * @return GB/s of the median of 20 timed runs after 5 warm-ups.
     */
    private static double median(final java.util.function.DoubleSupplier milliseconds, final long bytes)
    {
        for (int i = 0; i < 5; i++)
        {
            milliseconds.getAsDouble();
        }
        final double[] times = new double[20];
        for (int i = 0; i < times.length; i++)
        {
            times[i] = milliseconds.getAsDouble();
        }
        Arrays.sort(times);
        return bytes / (times[times.length / 2] / 1e3) / 1e9;
    }

    private static long[] scattered(final Random random, final long slots, final int count)
    {
        final java.util.Set<Long> chosen = new java.util.LinkedHashSet<>();
        while (chosen.size() < count)
        {
            chosen.add(Math.floorMod(random.nextLong(), slots));
        }
        return chosen.stream().mapToLong(Long::longValue).toArray();
    }

    private static void poisonDevice(final GpuBridge bridge, final Region region, final long device, final long bytes)
    {
        final long scratch = region.lengthBytes() / 2;
        region.segment().asSlice(scratch, bytes).fill((byte)0x5A);
        bridge.copySync(device, region.address() + scratch, bytes);
    }

    private static void expectEqual(final MemorySegment expected, final MemorySegment actual, final String what)
    {
        final long mismatch = expected.mismatch(actual);
        if (mismatch != -1)
        {
            throw new IllegalStateException(what + " differs at byte " + mismatch);
        }
    }

}
