package io.kvpool.bench.gpu;

import io.kvpool.gpu.GpuBridge;
import io.kvpool.gpu.PageList;
import io.kvpool.gpu.PinnedMemory;
import io.kvpool.protocol.Payloads;
import io.kvpool.transport.cxl.Region;
import io.kvpool.transport.cxl.RegionSource;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;


/**
 * The GPU bridge on a real GPU: correctness first (random data, poisoned destinations, every byte compared, both
 * directions, both methods, layer-wise loading), then bandwidth: contiguous host-to-device and device-to-host from
 * a registered /dev/shm region, and 128 scattered pages of 16, 64 and 256 KiB by per-page copies, by the
 * kernel (a launch per batch), by the resident kernel (timed by the host's clock: see elapsedMs) and by the
 * batched copy engines. Runs on the GPU machine by bench/gpu/run.sh (no picocli: the carried runtime is minimal).
 * Arguments: [--out DIR] [--region-bytes N] [--region-dir DIR] (where the region file goes: /dev/shm by default,
 * or a hugetlbfs mount, whose 2 MiB pages the GPU maps with fewer translations). System properties change the
 * batches for diagnosis only: {@code kvpool.gpu.pages} (pages a batch, default 128), {@code kvpool.gpu.pageKib}
 * (page sizes, e.g. {@code 16,256}), {@code kvpool.gpu.adjacent} (each batch's pages side by side).
 */
public final class GpuBench
{
    private static final long GIB = 1L << 30;
    /** Pages a batch holds: 128 as the goal states; other counts only to find where time goes. */
    private static final int PAGES = Integer.getInteger("kvpool.gpu.pages", 128);
    /**
     * Diagnostic: each timed batch's pages lie side by side in the region (one random run of PAGES slots) instead of
     * scattered over it, to tell the cost of scattered host addresses from the cost of small copies.
     */
    private static final boolean ADJACENT = Boolean.getBoolean("kvpool.gpu.adjacent");
    /** What device memory holds before a copy into it. */
    static final byte POISON = (byte)0x5A;
    /**
     * Bytes each timed run moves at least (transfers back to back, at least 10), so that every path is timed in
     * its steady state alike: the contiguous copy and a 2 MiB page batch both move 256 MiB or more per run, and
     * the gap between recording the start event and the first transfer reaching the device is amortized equally.
     */
    private static final long RUN_BYTES = Long.getLong("kvpool.gpu.runBytes", 256L << 20);
    /** Page sizes measured, in KiB: 16, 64 and 256, or a diagnostic run's list (the mixed batches then skipped). */
    private static final String PAGE_KIB = System.getProperty("kvpool.gpu.pageKib", "");
    private static final long[] PAGE_SIZES = PAGE_KIB.isEmpty() ? new long[]{16 * 1024, 64 * 1024, 256 * 1024} :
        Arrays.stream(PAGE_KIB.split(",")).mapToLong(kib -> Long.parseLong(kib.trim()) * 1024).toArray();

    private GpuBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        Path out = Path.of(".");
        long regionBytes = GIB;
        Path regionDir = Path.of("/dev/shm");
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--out" -> out = Path.of(args[++i]);
                case "--region-bytes" -> regionBytes = Long.parseLong(args[++i]);
                case "--region-dir" -> regionDir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        final Path file = Files.createTempFile(regionDir, "kvpool-gpu-", ".region");
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
                System.out.printf("registered %d MiB of %s in %d chunks; %d multiprocessors; %s kernel%n",
                    regionBytes >> 20, file, pinned.plan().chunks().size(), bridge.multiprocessors(), bridge.kernel());
                final int checked = checkCorrectness(bridge, region, devicePool) +
                    ResidentCheck.run(bridge, region, devicePool, regionBytes);
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
                    if (!bridge.available(method))
                    {
                        System.out.println("correctness: " + method + " skipped: " + (method ==
                            GpuBridge.Method.BATCH ? "the driver has no cuMemcpyBatchAsync" : "not before Hopper"));
                        continue;
                    }
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
                            back.asSlice(i * pageBytes, pageBytes),
                            "H2D " + method + " page " + i + " of " + pageBytes);
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
            // Lengths that are not multiples of 16 (or of a kernel's piece): every byte up to the length arrives,
            // and the poison after it is untouched.
            {
                final long stride = 64 * 1024;
                final int pages = 64;
                Payloads.fill(region.segment().asSlice(0, half), random.nextLong());
                final long[] slots = scattered(random, half / stride, pages);
                final long[] lengths = new long[pages];
                final PageList odd = new PageList();
                for (int i = 0; i < pages; i++)
                {
                    lengths[i] = 1 + random.nextInt((int)stride - 1);
                    odd.add(region.address() + slots[i] * stride, device + i * stride, lengths[i]);
                }
                poisonDevice(bridge, region, device, pages * stride);
                bridge.copy(odd, GpuBridge.Method.KERNEL).join();
                final MemorySegment back = arena.allocate(pages * stride, 4096);
                bridge.copySync(region.address() + half, device, pages * stride);
                MemorySegment.copy(region.segment(), half, back, 0, pages * stride);
                for (int i = 0; i < pages; i++)
                {
                    expectEqual(region.segment().asSlice(slots[i] * stride, lengths[i]),
                        back.asSlice(i * stride, lengths[i]), "H2D odd-length page " + i + " of " + lengths[i]);
                    expectPoisoned(back.asSlice(i * stride + lengths[i], stride - lengths[i]),
                        "H2D odd-length page " + i + " wrote past its " + lengths[i] + " bytes");
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
        final int runs = batchesPerRun(contiguous);
        final double h2d = median(() -> bridge.time(() -> repeat(runs, () ->
            enqueueCopy(bridge, device, region.address(), contiguous))), runs * contiguous);
        final double d2h = median(() -> bridge.time(() -> repeat(runs, () ->
            enqueueCopy(bridge, region.address(), device, contiguous))), runs * contiguous);
        row(rows, String.format(Locale.ROOT, "%-44s %10s", "path (median of 20 runs of >= " + (RUN_BYTES >> 20) +
            " MiB)", "GB/s"));
        row(rows, String.format(Locale.ROOT, "%-44s %10.1f", "contiguous H2D (" + (contiguous >> 20) + " MiB)", h2d));
        row(rows, String.format(Locale.ROOT, "%-44s %10.1f", "contiguous D2H (" + (contiguous >> 20) + " MiB)", d2h));
        final Random random = new Random(11);
        for (final long pageBytes : PAGE_SIZES)
        {
            final long bytes = PAGES * pageBytes;
            final Batches run = Batches.of(random, region, device, pageBytes, batchesPerRun(bytes), () -> pageBytes);
            final PageList[] toDevice = run.toDevice();
            final PageList[] toHost = run.toHost();
            for (final GpuBridge.Method method : GpuBridge.Method.values())
            {
                if (!bridge.available(method) || method == GpuBridge.Method.AUTO)
                {
                    continue;
                }
                final double up = rate(bridge, toDevice, method);
                final double down = rate(bridge, toHost, method);
                final String name = name(method);
                row(rows, String.format(Locale.ROOT, "%-44s %10.1f   (%.0f%% of contiguous H2D)",
                    PAGES + " x " + (pageBytes >> 10) + " KiB H2D, " + name, up, 100 * up / h2d));
                row(rows, String.format(Locale.ROOT, "%-44s %10.1f   (%.0f%% of contiguous D2H)",
                    PAGES + " x " + (pageBytes >> 10) + " KiB D2H, " + name, down, 100 * down / d2h));
            }
            // What one batch costs an engine that waits for it: the stream idle before, no overlap.
            for (final GpuBridge.Method method : List.of(GpuBridge.Method.KERNEL, GpuBridge.Method.RESIDENT,
                GpuBridge.Method.BATCH))
            {
                if (bridge.available(method))
                {
                    final double oneUp = median(oneAtATime(bridge, toDevice, method), bytes);
                    final double oneDown = median(oneAtATime(bridge, toHost, method), bytes);
                    row(rows, String.format(Locale.ROOT, "%-44s %10s   (H2D %.1f us, D2H %.1f us)",
                        "  one batch alone, " + name(method), "", bytes / oneUp / 1e3, bytes / oneDown / 1e3));
                }
            }
        }
        if (PAGE_KIB.isEmpty())
        {
            measureMixed(bridge, region, device, rows, h2d, d2h);
        }
    }

    /**
     * The batches of a timed run, both ways: each batch's pages lie in other host slots than every other batch's
     * (slots of {@code stride} bytes scattered over the region), moved to and from consecutive device pages.
     */
    private record Batches(PageList[] toDevice, PageList[] toHost)
    {
        static Batches of(
            final Random random, final Region region, final long device, final long stride, final int count,
            final LongSupplier length)
        {
            final long[] slots = ADJACENT ? adjacent(random, region.lengthBytes() / stride, count) :
                scattered(random, region.lengthBytes() / stride, PAGES * count);
            final Batches batches = new Batches(new PageList[count], new PageList[count]);
            for (int b = 0; b < count; b++)
            {
                batches.toDevice[b] = new PageList();
                batches.toHost[b] = new PageList();
                for (int i = 0; i < PAGES; i++)
                {
                    final long pageLength = length.getAsLong();
                    final long host = region.address() + slots[b * PAGES + i] * stride;
                    batches.toDevice[b].add(host, device + i * stride, pageLength);
                    batches.toHost[b].add(device + i * stride, host, pageLength);
                }
            }
            return batches;
        }
    }

    /**
     * @return batches of {@code bytes} a timed run moves: enough for {@link #RUN_BYTES}, at least 10.
     */
    private static int batchesPerRun(final long bytes)
    {
        return (int)Math.max(10, (RUN_BYTES + bytes - 1) / bytes);
    }

    /**
     * Times the batches enqueued back to back, so that the stream stays busy and the timing measures the device's
     * sustained rate rather than the host's submission latency. Every batch names other host pages: none is read
     * twice in a run, so the GPU's L2 cache (50 MiB on an H100, which does cache mapped host memory) cannot serve
     * a repeat and flatter the kernel.
     *
     * @return GB/s, the median of 20 timed runs after 5 warm-ups.
     */
    private static double rate(final GpuBridge bridge, final PageList[] batches, final GpuBridge.Method method)
    {
        long bytes = 0;
        for (final PageList batch : batches)
        {
            bytes += batch.totalBytes();
        }
        final long[] enqueueNs = new long[1];
        final double rate = median(() -> elapsedMs(bridge, method, () ->
        {
            final long startNs = System.nanoTime();
            CompletableFuture<Void> last = null;
            for (final PageList batch : batches)
            {
                last = bridge.copy(batch, method);
            }
            enqueueNs[0] = System.nanoTime() - startNs;
            return last;
        }), bytes);
        if (Boolean.getBoolean("kvpool.gpu.diagnose"))
        {
            // Host time to enqueue a run against the device time of a run: equal means the host is the limit.
            System.out.printf(Locale.ROOT, "  diagnose: %d batches of %d pages, %s: enqueue %.1f us/batch, " +
                "device %.1f us/batch%n", batches.length, batches[0].count(), method, enqueueNs[0] / 1e3 /
                batches.length, bytes / rate / 1e3 / batches.length);
        }
        return rate;
    }

    /**
     * @return milliseconds of one batch, timed alone; each call takes the next batch.
     */
    private static DoubleSupplier oneAtATime(
        final GpuBridge bridge, final PageList[] batches, final GpuBridge.Method method)
    {
        final int[] next = {0};
        return () -> elapsedMs(bridge, method, () -> bridge.copy(batches[next[0]++ % batches.length], method));
    }

    /**
     * Times an enqueue and the transfers it starts: by CUDA events around the bridge's streams, or for the resident
     * kernel (whose launch outlives any one transfer) by the host's clock from the enqueue's start until the last
     * transfer's future completes, which counts the host's submission and completion too.
     *
     * @param enqueue starts the transfers; returns the future of the last.
     * @return milliseconds.
     */
    private static double elapsedMs(
        final GpuBridge bridge, final GpuBridge.Method method, final Supplier<CompletableFuture<Void>> enqueue)
    {
        if (method != GpuBridge.Method.RESIDENT)
        {
            return bridge.time(enqueue::get);
        }
        final long startNs = System.nanoTime();
        final CompletableFuture<Void> last = enqueue.get();
        // Spin rather than park: a parked thread's wake-up would count against the device. A transfer that never
        // completes fails the run rather than hanging it.
        while (!last.isDone())
        {
            if (System.nanoTime() - startNs > 60_000_000_000L)
            {
                throw new IllegalStateException(method + " transfers not done after 60 s");
            }
            Thread.onSpinWait();
        }
        last.join();
        return (System.nanoTime() - startNs) / 1e6;
    }

    private static String name(final GpuBridge.Method method)
    {
        return switch (method)
        {
            case PER_PAGE -> "per-page copies";
            case KERNEL -> "kernel";
            case BATCH -> "batched copy engine";
            case RESIDENT -> "resident kernel";
            case AUTO -> "auto";
        };
    }

    /**
     * Batches of 128 pages whose sizes are drawn from 16 to 256 KiB (as a prompt's KV pages of mixed layers would
     * be), by the kernel.
     */
    private static void measureMixed(
        final GpuBridge bridge, final Region region, final long device, final List<String> rows, final double h2d,
        final double d2h)
    {
        final Random random = new Random(13);
        final long stride = 256 * 1024;
        // Page sizes drawn from 16 to 256 KiB, 136 KiB on average.
        final Batches run = Batches.of(random, region, device, stride, batchesPerRun(PAGES * 136 * 1024L),
            () -> (1 + random.nextInt(16)) * 16 * 1024L);
        final PageList[] toDevice = run.toDevice();
        final PageList[] toHost = run.toHost();
        for (final GpuBridge.Method method : List.of(GpuBridge.Method.KERNEL, GpuBridge.Method.RESIDENT,
            GpuBridge.Method.BATCH))
        {
            if (!bridge.available(method))
            {
                continue;
            }
            final double up = rate(bridge, toDevice, method);
            final double down = rate(bridge, toHost, method);
            row(rows, String.format(Locale.ROOT, "%-44s %10.1f   (%.0f%% of contiguous H2D)",
                PAGES + " x 16-256 KiB mixed H2D, " + name(method), up, 100 * up / h2d));
            row(rows, String.format(Locale.ROOT, "%-44s %10.1f   (%.0f%% of contiguous D2H)",
                PAGES + " x 16-256 KiB mixed D2H, " + name(method), down, 100 * down / d2h));
        }
    }

    /** Adds a row of the table and prints it at once (a run takes minutes). */
    private static void row(final List<String> rows, final String row)
    {
        rows.add(row);
        System.out.println(row);
        System.out.flush();
    }

    private static void repeat(final int times, final Runnable enqueue)
    {
        for (int i = 0; i < times; i++)
        {
            enqueue.run();
        }
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
    private static double median(final DoubleSupplier milliseconds, final long bytes)
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

    static long[] scattered(final Random random, final long slots, final int count)
    {
        if (count > slots)
        {
            throw new IllegalArgumentException(count + " distinct pages wanted from " + slots + " slots: give a " +
                "larger --region-bytes, fewer -Dkvpool.gpu.pages or smaller -Dkvpool.gpu.pageKib");
        }
        final Set<Long> chosen = new LinkedHashSet<>();
        while (chosen.size() < count)
        {
            chosen.add(Math.floorMod(random.nextLong(), slots));
        }
        return chosen.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * @return {@code runs} runs of {@link #PAGES} consecutive slots, the runs at distinct random places.
     */
    private static long[] adjacent(final Random random, final long slots, final int runs)
    {
        final long[] starts = scattered(random, slots / PAGES, runs);
        final long[] chosen = new long[runs * PAGES];
        for (int i = 0; i < chosen.length; i++)
        {
            chosen[i] = starts[i / PAGES] * PAGES + i % PAGES;
        }
        return chosen;
    }

    static void poisonDevice(final GpuBridge bridge, final Region region, final long device, final long bytes)
    {
        final long scratch = region.lengthBytes() / 2;
        region.segment().asSlice(scratch, bytes).fill(POISON);
        bridge.copySync(device, region.address() + scratch, bytes);
    }

    /**
     * @throws IllegalStateException naming {@code what} unless every byte of {@code after} still holds
     *                               {@link #POISON}.
     */
    static void expectPoisoned(final MemorySegment after, final String what)
    {
        for (long at = 0; at < after.byteSize(); at++)
        {
            if (after.get(ValueLayout.JAVA_BYTE, at) != POISON)
            {
                throw new IllegalStateException(what + " (byte " + at + " past it differs)");
            }
        }
    }

    static void expectEqual(final MemorySegment expected, final MemorySegment actual, final String what)
    {
        final long mismatch = expected.mismatch(actual);
        if (mismatch != -1)
        {
            throw new IllegalStateException(what + " differs at byte " + mismatch);
        }
    }

}
