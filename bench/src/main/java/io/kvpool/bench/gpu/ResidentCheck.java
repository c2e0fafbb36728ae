package io.kvpool.bench.gpu;

import io.kvpool.gpu.GpuBridge;
import io.kvpool.gpu.PageList;
import io.kvpool.protocol.Payloads;
import io.kvpool.transport.cxl.Region;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * Correctness of {@link GpuBridge.Method#RESIDENT} beyond what {@link GpuBench} checks for every method: rounds of
 * many batches in flight at once that take the ring past its end, the kernel stopped by idleness and relaunched,
 * a page list long enough to go as several batches, and lengths that are not multiples of 16 both ways. Random
 * data, poisoned destinations, every byte compared; throws on the first difference.
 */
final class ResidentCheck
{
    private static final long PAGE = 16 * 1024;

    private ResidentCheck()
    {
    }

    /**
     * @param device device memory of {@code deviceBytes} (at least 512 MiB).
     * @return pages compared.
     */
    static int run(final GpuBridge bridge, final Region region, final long device, final long deviceBytes)
        throws InterruptedException
    {
        if (!bridge.residentAvailable())
        {
            System.out.println("correctness: RESIDENT's own checks skipped: not before Hopper");
            return 0;
        }
        if (deviceBytes < 512L << 20)
        {
            throw new IllegalArgumentException("deviceBytes=" + deviceBytes + " must be at least 512 MiB");
        }
        final Random random = new Random(17);
        int compared = 0;
        // Three rounds of 200 batches of 128 x 16 KiB: 76,800 items, past the ring's 65,536.
        for (int round = 0; round < 3; round++)
        {
            compared += round(bridge, region, device, random, 200, 128, PAGE, false);
        }
        // Right after a transfer the kernel still runs; idle past RESIDENT_IDLE_NS, the bridge stops it, and the
        // next transfer launches it again.
        bridge.copy(new PageList().add(region.address(), device, PAGE), GpuBridge.Method.RESIDENT).join();
        require(bridge.residentRunning(), "the resident kernel runs right after a transfer");
        Thread.sleep(4 * GpuBridge.RESIDENT_IDLE_NS / 1_000_000 + 20);
        require(!bridge.residentRunning(), "the resident kernel stops once idle");
        compared += round(bridge, region, device, random, 20, 128, PAGE, false);
        // One list of 5,000 x 64 KiB pages: 20,000 pieces, more than one batch takes.
        compared += round(bridge, region, device, random, 1, 5000, 4 * PAGE, false);
        // Odd lengths, host to device and back.
        compared += round(bridge, region, device, random, 8, 64, 4 * PAGE, true);
        return compared;
    }

    /**
     * Moves {@code batches} batches of {@code pages} scattered pages from the region's first half into consecutive
     * device pages (all in flight at once), then (for odd lengths) back into other region pages, and compares.
     */
    private static int round(
        final GpuBridge bridge, final Region region, final long device, final Random random, final int batches,
        final int pages, final long stride, final boolean oddLengths)
    {
        final long half = region.lengthBytes() / 2;
        final int total = batches * pages;
        Payloads.fill(region.segment().asSlice(0, half), random.nextLong());
        final long[] slots = GpuBench.scattered(random, half / stride, total);
        final long[] lengths = new long[total];
        for (int i = 0; i < total; i++)
        {
            lengths[i] = oddLengths ? 1 + random.nextInt((int)stride - 1) : stride;
        }
        GpuBench.poisonDevice(bridge, region, device, total * stride);
        final List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int b = 0; b < batches; b++)
        {
            final PageList batch = new PageList();
            for (int i = b * pages; i < (b + 1) * pages; i++)
            {
                batch.add(region.address() + slots[i] * stride, device + i * stride, lengths[i]);
            }
            done.add(bridge.copy(batch, GpuBridge.Method.RESIDENT));
        }
        done.forEach(CompletableFuture::join);
        final MemorySegment back;
        if (oddLengths)
        {
            // Device -> host by the resident kernel too, into poisoned region pages of the second half.
            region.segment().asSlice(half, total * stride).fill(GpuBench.POISON);
            final PageList down = new PageList();
            for (int i = 0; i < total; i++)
            {
                down.add(device + i * stride, region.address() + half + i * stride, lengths[i]);
            }
            bridge.copy(down, GpuBridge.Method.RESIDENT).join();
            back = region.segment().asSlice(half, total * stride);
        }
        else
        {
            bridge.copySync(region.address() + half, device, total * stride);
            back = region.segment().asSlice(half, total * stride);
        }
        for (int i = 0; i < total; i++)
        {
            GpuBench.expectEqual(region.segment().asSlice(slots[i] * stride, lengths[i]),
                back.asSlice(i * stride, lengths[i]), "RESIDENT page " + i + " of " + total + " (" + lengths[i] +
                " bytes)");
            if (oddLengths)
            {
                GpuBench.expectPoisoned(back.asSlice(i * stride + lengths[i], stride - lengths[i]),
                    "RESIDENT odd-length page " + i + " wrote past its " + lengths[i] + " bytes");
            }
        }
        return total;
    }

    private static void require(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new IllegalStateException(what);
        }
    }
}
