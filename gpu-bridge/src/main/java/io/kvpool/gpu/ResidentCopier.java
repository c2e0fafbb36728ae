package io.kvpool.gpu;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link GpuBridge.Method#RESIDENT}: one launch of pages_sm90.cu's {@code copy_pages_resident} serves batch after
 * batch, fed through a ring of items in pinned, device-mapped host memory, so that a stream of small batches pays
 * no launch, ramp-up and drain per batch. The kernel is launched by the first batch and stopped once the bridge has
 * been idle a while ({@link #tryStopIdle}), so that it holds its multiprocessors' slots and blocks a device-wide
 * synchronize only while batches flow. The layout and protocol are in docs/spec/gpu-resident.md:
 * <pre>
 *   host ring (mapped host memory), RING_ITEMS items of 32 bytes, item i at slot i % RING_ITEMS:
 *   0       8            16       20     24       28
 *   +-------+------------+--------+------+--------+----------+
 *   |source |destination |length  |slot  |pieces  |sequence  |   (the device ring mirrors it)
 *   +-------+------------+--------+------+--------+----------+
 *   control (mapped host memory): published u64 at 0, stop u64 at 64, done[SLOTS] u32 at 128
 *   state (device memory): next, ready, stopAt u64; counts[SLOTS] u32 at 32
 * </pre>
 * A page becomes pieces of at most {@link GpuBridge#BULK_PIECE_BYTES}; a batch is one completion slot, and a page
 * list with more pieces than {@link #MAX_BATCH_PIECES} goes as several batches.
 * <p>
 * Not thread-safe: the bridge calls {@link #submit}, {@link #tryStopIdle} and {@link #close} under its lock;
 * {@link #awaitDone} is the completion thread's and only reads.
 */
final class ResidentCopier implements AutoCloseable
{
    static final int ITEM_BYTES = 32;
    static final int RING_ITEMS = 1 << 16;
    static final int SLOTS = 256;
    /** Pieces one batch may have: a quarter of the ring, so that a batch never waits for itself. */
    static final int MAX_BATCH_PIECES = RING_ITEMS / 4;
    static final long PUBLISHED_OFFSET = 0;
    static final long STOP_OFFSET = 64;
    static final long DONE_OFFSET = 128;
    static final long COUNTS_OFFSET = 32;
    private static final long CONTROL_BYTES = DONE_OFFSET + 4L * SLOTS;
    private static final long STATE_BYTES = COUNTS_OFFSET + 4L * SLOTS;
    /** How long the completion thread spins on a batch before it parks. */
    static final long SPIN_NS = 2_000_000;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final CUfunction kernel;
    private final int blocks;
    private final CUstream stream = new CUstream();
    private final Pointer ringHost = new Pointer();
    private final Pointer controlHost = new Pointer();
    private final Pointer stateStaging = new Pointer();
    private final CUdeviceptr ringDevice = new CUdeviceptr();
    private final CUdeviceptr stateDevice = new CUdeviceptr();
    private final MemorySegment ring;
    private final MemorySegment control;
    private final MemorySegment staging;
    /** Batches published and not yet seen done, oldest first: {sequence, first item}. */
    private final ArrayDeque<long[]> inFlight = new ArrayDeque<>();
    private long[] staged = new long[4 * 128];
    private long published;
    private int sequence;
    /** Written under the bridge's lock; read without it by the completion thread. */
    private volatile boolean running;
    private long idleSinceNs;

    /**
     * @param kernel  copy_pages_resident of the loaded pages_sm90 module.
     * @param workers blocks that move pages (one more is launched: the fetcher).
     */
    ResidentCopier(final CUfunction kernel, final int workers)
    {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
        {
            throw new IllegalStateException("the resident ring's items are laid out for little-endian hosts");
        }
        this.kernel = kernel;
        this.blocks = workers + 1;
        Cuda.check(JCudaDriver.cuStreamCreate(stream, jcuda.driver.CUstream_flags.CU_STREAM_NON_BLOCKING),
            "cuStreamCreate(resident)");
        // The kernel reads the ring and control words through the bus.
        Cuda.allocateMapped(ringHost, (long)RING_ITEMS * ITEM_BYTES, "resident ring");
        Cuda.allocateMapped(controlHost, CONTROL_BYTES, "resident control");
        Cuda.allocateMapped(stateStaging, STATE_BYTES, "resident state");
        Cuda.check(JCudaDriver.cuMemAlloc(ringDevice, (long)RING_ITEMS * ITEM_BYTES), "cuMemAlloc(resident ring)");
        Cuda.check(JCudaDriver.cuMemAlloc(stateDevice, STATE_BYTES), "cuMemAlloc(resident state)");
        ring = segment(ringHost, (long)RING_ITEMS * ITEM_BYTES);
        control = segment(controlHost, CONTROL_BYTES);
        staging = segment(stateStaging, STATE_BYTES);
        control.fill((byte)0);
        // done[slot] starts one lap behind every sequence the slot will carry (see isDone).
        for (int slot = 0; slot < SLOTS; slot++)
        {
            control.set(ValueLayout.JAVA_INT, DONE_OFFSET + 4L * slot, slot - SLOTS);
        }
        staging.fill((byte)0);
        Cuda.check(JCudaDriver.cuMemcpyHtoD(stateDevice, Pointer.to(new byte[(int)STATE_BYTES]), STATE_BYTES),
            "cuMemcpyHtoD(resident state)");
    }

    /**
     * Publishes a page list as one or more batches, launching the kernel first if it is not running. Blocks while
     * the ring or the completion slots are full (until earlier batches are done).
     *
     * @return the sequence numbers of the list's batches: the list is done when {@link #awaitDone} has returned for
     *         every one of them (batches finish in any order).
     */
    int[] submit(final PageList pages)
    {
        if (!running)
        {
            launch();
        }
        // Where the next piece starts: {page, offset in the page}.
        final long[] cursor = new long[2];
        final int[] batches = batchPieces(pages, MAX_BATCH_PIECES);
        for (int b = 0; b < batches.length; b++)
        {
            batches[b] = publish(pages, cursor, batches[b]);
        }
        idleSinceNs = 0;
        return batches;
    }

    /**
     * @return the pieces of each batch a page list goes as: pages cut into pieces of at most
     *         {@link GpuBridge#BULK_PIECE_BYTES}, at most {@code maxPieces} to a batch (a page may span two).
     */
    static int[] batchPieces(final PageList pages, final int maxPieces)
    {
        long total = 0;
        for (int i = 0; i < pages.count(); i++)
        {
            total += (pages.length(i) + GpuBridge.BULK_PIECE_BYTES - 1) / GpuBridge.BULK_PIECE_BYTES;
        }
        final int[] batches = new int[(int)((total + maxPieces - 1) / maxPieces)];
        for (int b = 0; b < batches.length; b++)
        {
            batches[b] = (int)Math.min(maxPieces, total - (long)b * maxPieces);
        }
        return batches;
    }

    /**
     * @return whether a done word holding {@code seen} marks batch {@code batch} done: it holds the sequence of the
     *         slot's latest finished batch, and sequences grow (wrapping at 2^32, hence the difference).
     */
    static boolean reached(final int seen, final int batch)
    {
        return seen - batch >= 0;
    }

    private int publish(final PageList pages, final long[] cursor, final int pieces)
    {
        final int batch = sequence++;
        final int slot = Math.floorMod(batch, SLOTS);
        // The slot's last batch (one lap ago) must be done, and the ring must have room for every piece.
        while (!isDone(batch - SLOTS) || published + pieces - oldestUnfinishedItem() > RING_ITEMS)
        {
            reap();
            failIfStopped();
            Thread.onSpinWait();
        }
        int page = (int)cursor[0];
        long offset = cursor[1];
        // Items are staged as four longs each and copied into the ring in one or two spans: array stores and a bulk
        // copy cost little even before the JIT has compiled this (per-field segment stores did not: the first
        // thousand batches of a run were host-bound).
        final long[] items = staged.length >= 4 * pieces ? staged : (staged = new long[4 * pieces]);
        for (int piece = 0; piece < pieces; piece++)
        {
            final long length = Math.min(GpuBridge.BULK_PIECE_BYTES, pages.length(page) - offset);
            stage(items, piece, pages.source(page) + offset, pages.destination(page) + offset, (int)length, slot,
                pieces, batch);
            offset += length;
            if (offset == pages.length(page))
            {
                page++;
                offset = 0;
            }
        }
        final int first = (int)Math.floorMod(published, (long)RING_ITEMS);
        final int head = Math.min(pieces, RING_ITEMS - first);
        MemorySegment.copy(items, 0, ring, ValueLayout.JAVA_LONG, (long)first * ITEM_BYTES, 4 * head);
        MemorySegment.copy(items, 4 * head, ring, ValueLayout.JAVA_LONG, 0, 4 * (pieces - head));
        cursor[0] = page;
        cursor[1] = offset;
        inFlight.addLast(new long[]{batch, published});
        published += pieces;
        // Reader: the kernel's fetcher, which copies items below `published` once it sees it (x86 keeps the
        // items' stores before this one; the release keeps the JIT from reordering them).
        LONG.setRelease(control, PUBLISHED_OFFSET, published);
        return batch;
    }

    /**
     * Writes one item as the four longs whose little-endian bytes are the ring's 32-byte item: source at byte 0,
     * destination at 8, length at 16, slot at 20, pieces at 24, sequence at 28.
     */
    static void stage(
        final long[] items, final int piece, final long source, final long destination, final int length,
        final int slot, final int pieces, final int batch)
    {
        items[4 * piece] = source;
        items[4 * piece + 1] = destination;
        items[4 * piece + 2] = (length & 0xFFFF_FFFFL) | (long)slot << 32;
        items[4 * piece + 3] = (pieces & 0xFFFF_FFFFL) | (long)batch << 32;
    }

    /**
     * @return whether batch {@code batch} is done (the kernel wrote its sequence, or a later lap's, into its slot).
     */
    boolean isDone(final int batch)
    {
        // Writer: the kernel's last piece of the batch, after a system-scope fence over the batch's bytes.
        return reached((int)INT.getAcquire(control, DONE_OFFSET + 4L * Math.floorMod(batch, SLOTS)), batch);
    }

    /**
     * Waits until batch {@code batch} is done: spins for up to {@link #SPIN_NS} (a batch in flight is normally done
     * within it, and a completion thread that parks adds a wake-up to every batch it waits for), then parks in
     * short steps, checking that the kernel still runs.
     *
     * @throws GpuException when the kernel failed or ended with the batch undone.
     */
    void awaitDone(final int batch)
    {
        final long spinUntilNs = System.nanoTime() + SPIN_NS;
        long checks = 0;
        while (!isDone(batch))
        {
            if (System.nanoTime() - spinUntilNs < 0)
            {
                Thread.onSpinWait();
                continue;
            }
            if (++checks % 64 == 0)
            {
                failIfStopped();
            }
            LockSupport.parkNanos(20_000);
        }
    }

    /**
     * Stops the kernel when no batch is in flight and none has been submitted for {@code idleNs}.
     */
    void tryStopIdle(final long idleNs)
    {
        if (!running)
        {
            return;
        }
        reap();
        if (!inFlight.isEmpty())
        {
            idleSinceNs = 0;
            return;
        }
        final long nowNs = System.nanoTime();
        if (idleSinceNs == 0)
        {
            idleSinceNs = nowNs;
        }
        if (nowNs - idleSinceNs >= idleNs)
        {
            stop();
        }
    }

    /**
     * Stops the kernel, if it runs, once every batch published is done.
     *
     * @throws GpuException when the kernel failed.
     */
    void stopWhenDone()
    {
        if (!running)
        {
            return;
        }
        while (!inFlight.isEmpty())
        {
            reap();
            failIfStopped();
            Thread.onSpinWait();
        }
        stop();
    }

    /**
     * @return whether the kernel is running.
     */
    boolean running()
    {
        return running;
    }

    private void launch()
    {
        // The kernel starts from these: next and ready at the items published so far, stopAt past any index.
        staging.set(ValueLayout.JAVA_LONG, 0, published);
        staging.set(ValueLayout.JAVA_LONG, 8, published);
        staging.set(ValueLayout.JAVA_LONG, 16, Long.MAX_VALUE);
        LONG.setRelease(control, STOP_OFFSET, 0L);
        Cuda.check(JCudaDriver.cuMemcpyHtoDAsync(stateDevice, stateStaging, 24, stream),
            "cuMemcpyHtoDAsync(resident state)");
        final Pointer parameters = Pointer.to(
            Pointer.to(ringHost), Pointer.to(ringDevice), Pointer.to(new long[]{RING_ITEMS - 1}),
            Pointer.to(controlHost), Pointer.to(new long[]{address(controlHost) + DONE_OFFSET}),
            Pointer.to(stateDevice), Pointer.to(stateDevice.withByteOffset(COUNTS_OFFSET)));
        Cuda.check(JCudaDriver.cuLaunchKernel(kernel, blocks, 1, 1, 32, 1, 1, 0, stream, parameters, null),
            "cuLaunchKernel(copy_pages_resident)");
        running = true;
        idleSinceNs = 0;
    }

    private void stop()
    {
        // Reader: the fetcher, which ends (and with it every block) once it sees stop with nothing left to fetch.
        LONG.setRelease(control, STOP_OFFSET, 1L);
        running = false;
        Cuda.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize(resident kernel)");
    }

    /** Drops done batches from the head of {@link #inFlight}. */
    private void reap()
    {
        while (!inFlight.isEmpty() && isDone((int)inFlight.peekFirst()[0]))
        {
            inFlight.removeFirst();
        }
    }

    private long oldestUnfinishedItem()
    {
        return inFlight.isEmpty() ? published : inFlight.peekFirst()[1];
    }

    /**
     * @throws GpuException when the kernel has failed (a sticky error) or has ended although it should run.
     */
    private void failIfStopped()
    {
        final int result = JCudaDriver.cuStreamQuery(stream);
        if (result == jcuda.driver.CUresult.CUDA_ERROR_NOT_READY)
        {
            return;
        }
        Cuda.check(result, "copy_pages_resident");
        throw new GpuException("copy_pages_resident ended with batches undone", 0, "CUDA_SUCCESS");
    }

    /**
     * Stops the kernel if it runs (every batch submitted is done first) and frees the ring. Once only: the bridge's
     * {@link GpuBridge#close()} calls it, after its completion thread has ended.
     */
    @Override
    public void close()
    {
        try
        {
            // The completion thread has seen every batch done before the bridge closes this.
            stopWhenDone();
        }
        catch (final GpuException ex)
        {
            // The kernel failed or ended: there is nothing left to wait for, and the memory goes all the same.
            running = false;
        }
        JCudaDriver.cuStreamDestroy(stream);
        JCudaDriver.cuMemFreeHost(ringHost);
        JCudaDriver.cuMemFreeHost(controlHost);
        JCudaDriver.cuMemFreeHost(stateStaging);
        JCudaDriver.cuMemFree(ringDevice);
        JCudaDriver.cuMemFree(stateDevice);
    }

    private static MemorySegment segment(final Pointer host, final long bytes)
    {
        return MemorySegment.ofBuffer(host.getByteBuffer(0, bytes));
    }

    private static long address(final Pointer host)
    {
        return MemorySegment.ofBuffer(host.getByteBuffer(0, 1)).address();
    }
}
