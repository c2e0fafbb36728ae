package io.kvpool.gpu;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUpointer_attribute;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One GPU, as kvpool uses it: its primary context, two copy streams, the page-copy kernel, and a completion thread
 * that turns CUDA events into {@link CompletableFuture}s. Pool memory must be registered ({@link #register}) before
 * pages move, so that copies are DMA at PCIe rate with no staging, and so that the kernel can read it directly.
 * <p>
 * Four ways to move a {@link PageList}: {@link Method#PER_PAGE} (one {@code cuMemcpyAsync} per page: per-call
 * overhead dominates small pages), {@link Method#KERNEL} (one launch for the whole batch: blocks copy 4 KiB
 * pieces of pages through the mapped addresses, reading the page list from pinned host memory) and
 * {@link Method#BATCH} (one {@code cuMemcpyBatchAsync}: the copy engines, leaving the multiprocessors to the
 * engine's compute; newer drivers only) and {@link Method#RESIDENT} (one kernel that stays and takes batch after
 * batch from a ring; Hopper and later). Transfers
 * alternate between the streams and may overlap: wait for a transfer's future before depending on its bytes;
 * futures complete in submission order.
 * <p>
 * Thread-safe: submissions are serialized; futures complete on the bridge's completion thread.
 * <p>
 * System properties, for diagnosis (the defaults measured best on H100 and H200 machines; bench/gpu/sweep.sh
 * varies them): {@code kvpool.gpu.streams} (copy streams, 2), {@code kvpool.gpu.kernel=vector} (pages.cu on
 * Hopper too), {@code kvpool.gpu.bulkBlocksPerSm} (6), {@code kvpool.gpu.residentBlocks} (the resident kernel's
 * moving blocks: one per multiprocessor).
 */
public final class GpuBridge implements AutoCloseable
{
    /** CU_MEMHOSTREGISTER_PORTABLE | CU_MEMHOSTREGISTER_DEVICEMAP; never IOMEMORY (this is RAM, not a BAR). */
    static final int REGISTER_FLAGS = 0x01 | 0x02;
    private static final int SLOTS = 8;
    /** Pages a launch carries in its parameters (pages.cu's INLINE_PAGES). */
    static final int INLINE_PAGES = 128;
    private static final int THREADS_PER_BLOCK = Integer.getInteger("kvpool.gpu.threads", 256);
    /** Bytes one block moves per work item: its threads times one 16-byte vector (times a multiple). */
    private static final int CHUNK_BYTES = THREADS_PER_BLOCK * 16 * Integer.getInteger("kvpool.gpu.vectors", 1);
    private static final int BLOCKS_PER_SM = Integer.getInteger("kvpool.gpu.blocksPerSm", 16);
    /** pages_sm90.cu's PIECE_BYTES: what one bulk-kernel block moves per work item. */
    static final int BULK_PIECE_BYTES = 16384;
    /** Bulk-kernel blocks (one warp, 32 KiB of shared memory each) per multiprocessor. */
    private static final int BULK_BLOCKS_PER_SM = Integer.getInteger("kvpool.gpu.bulkBlocksPerSm", 6);

    /** How a page list moves. */
    public enum Method
    {
        /** One cuMemcpyAsync per page. */
        PER_PAGE,
        /** One kernel launch for the whole list. */
        KERNEL,
        /**
         * One {@code cuMemcpyBatchAsync} for the whole list: the copy engines move it, no multiprocessor is used
         * (drivers of CUDA 12.8 or later; {@link #batchCopyAvailable()}).
         */
        BATCH,
        /**
         * One resident kernel (Hopper and later; {@link #residentAvailable()}) serves batch after batch, fed through
         * a ring in pinned host memory: no launch, ramp-up or drain per batch, so streams of small batches move
         * at the rate of large ones (128 x 16 KiB host-to-device at 92 % of contiguous where a launch per batch
         * gives 89 %). It holds a one-warp block per multiprocessor and blocks a device-wide synchronize while it
         * runs; the bridge stops it after {@link #RESIDENT_IDLE_NS} without batches.
         */
        RESIDENT,
        /**
         * {@link #BATCH} where the driver has it and every page is at least {@link #BATCH_MIN_PAGE_BYTES}, else
         * {@link #KERNEL}: the copy engines' rate for pages of 64 KiB and more held on every host tried, the
         * kernel's depended on the host, and below 64 KiB the batched copy engines fall to a few GB/s
         * (bench/gpu/RESULTS-h100-sweep.txt).
         */
        AUTO
    }

    /** How long {@link Method#RESIDENT}'s kernel runs on with no batch in flight before the bridge stops it. */
    public static final long RESIDENT_IDLE_NS = 2_000_000;
    /** Smallest page {@link Method#AUTO} gives to the copy engines. */
    public static final long BATCH_MIN_PAGE_BYTES = 64 * 1024;

    private final CUcontext context = new CUcontext();
    /**
     * Transfers alternate between streams: a batch's kernel drains the PCIe pipe at its end, and the next batch on
     * another stream fills that bubble. Futures still complete in submission order (one completion queue).
     */
    private final CUstream[] streams = newStreams(Integer.getInteger("kvpool.gpu.streams", 2));
    private int nextStream;
    private final CUmodule module = new CUmodule();
    private final CUfunction copyPages = new CUfunction();
    private final CUfunction copyPagesInline = new CUfunction();
    /** Hopper and later: pages_sm90.ptx's bulk-copy kernels, used for {@link Method#KERNEL} unless turned off. */
    private final CUmodule bulkModule = new CUmodule();
    private final CUfunction copyPagesBulk = new CUfunction();
    private final CUfunction copyPagesBulkInline = new CUfunction();
    private final boolean bulk;
    /** {@link Method#RESIDENT}'s kernel and ring (null before Hopper or with the vector kernel). */
    private final ResidentCopier resident;
    private final int multiprocessors;
    private final Optional<BatchCopy> batchCopy = BatchCopy.find();
    private final Slot[] slots = new Slot[SLOTS];
    private final Completions completions;
    private int nextSlot;
    private volatile boolean closed;

    /** Device arrays and a pinned staging copy of one kernel launch's page list. */
    static final class Slot
    {
        final Pointer host = new Pointer();
        ByteBuffer staging;
        long hostAddress;
        CUevent lastUse;
    }

    private GpuBridge(final int deviceOrdinal)
    {
        JCudaDriver.setExceptionsEnabled(false);
        Cuda.check(JCudaDriver.cuInit(0), "cuInit");
        final CUdevice device = new CUdevice();
        Cuda.check(JCudaDriver.cuDeviceGet(device, deviceOrdinal), "cuDeviceGet(" + deviceOrdinal + ")");
        Cuda.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        Cuda.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        final int[] value = new int[1];
        Cuda.check(JCudaDriver.cuDeviceGetAttribute(value,
            jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device), "cuDeviceGetAttribute");
        multiprocessors = value[0];
        for (final CUstream created : streams)
        {
            Cuda.check(JCudaDriver.cuStreamCreate(created, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        }
        Cuda.check(JCudaDriver.cuModuleLoadData(module, Cuda.ptx("pages.ptx")), "cuModuleLoadData(pages.ptx)");
        Cuda.check(JCudaDriver.cuModuleGetFunction(copyPages, module, "copy_pages"), "cuModuleGetFunction");
        Cuda.check(JCudaDriver.cuModuleGetFunction(copyPagesInline, module, "copy_pages_inline"),
            "cuModuleGetFunction");
        Cuda.check(JCudaDriver.cuDeviceGetAttribute(value,
            jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
            "cuDeviceGetAttribute");
        bulk = value[0] >= 9 && !"vector".equals(System.getProperty("kvpool.gpu.kernel"));
        if (bulk)
        {
            Cuda.check(JCudaDriver.cuModuleLoadData(bulkModule, Cuda.ptx("pages_sm90.ptx")),
                "cuModuleLoadData(pages_sm90.ptx)");
            Cuda.check(JCudaDriver.cuModuleGetFunction(copyPagesBulk, bulkModule, "copy_pages_bulk"),
                "cuModuleGetFunction");
            Cuda.check(JCudaDriver.cuModuleGetFunction(copyPagesBulkInline, bulkModule, "copy_pages_bulk_inline"),
                "cuModuleGetFunction");
            final CUfunction copyPagesResident = new CUfunction();
            Cuda.check(JCudaDriver.cuModuleGetFunction(copyPagesResident, bulkModule, "copy_pages_resident"),
                "cuModuleGetFunction");
            final int workers = Integer.getInteger("kvpool.gpu.residentBlocks", multiprocessors);
            if (workers < 1)
            {
                throw new IllegalArgumentException("kvpool.gpu.residentBlocks=" + workers + " must be at least 1");
            }
            resident = new ResidentCopier(copyPagesResident, workers);
        }
        else
        {
            resident = null;
        }
        final long slotBytes = 3L * PageList.MAX_PAGES * Sizeof.LONG;
        for (int i = 0; i < SLOTS; i++)
        {
            final Slot slot = new Slot();
            // The kernel reads the page list from it directly.
            Cuda.allocateMapped(slot.host, slotBytes, "page list");
            slot.staging = slot.host.getByteBuffer(0, slotBytes).order(ByteOrder.nativeOrder());
            slot.hostAddress = MemorySegment.ofBuffer(slot.staging).address();
            slots[i] = slot;
        }
        completions = new Completions(this, context, resident);
    }

    /**
     * Opens a GPU.
     *
     * @param deviceOrdinal CUDA device index.
     * @throws GpuException naming the call that failed (no driver, no device, PTX rejected).
     */
    public static GpuBridge open(final int deviceOrdinal)
    {
        return new GpuBridge(deviceOrdinal);
    }

    /**
     * @return which kernel {@link Method#KERNEL} launches: "bulk" (Hopper and later, pages_sm90.cu) or "vector"
     *         (pages.cu; also where {@code -Dkvpool.gpu.kernel=vector} asks for it).
     */
    public String kernel()
    {
        return bulk ? "bulk" : "vector";
    }

    /**
     * @return whether {@code method} works here: {@link Method#BATCH} needs {@link #batchCopyAvailable()},
     *         {@link Method#RESIDENT} {@link #residentAvailable()}; the others always do.
     */
    public boolean available(final Method method)
    {
        return switch (method)
        {
            case BATCH -> batchCopyAvailable();
            case RESIDENT -> residentAvailable();
            case PER_PAGE, KERNEL, AUTO -> true;
        };
    }

    /**
     * @return whether {@link Method#BATCH} works here (the driver exports cuMemcpyBatchAsync).
     */
    public boolean batchCopyAvailable()
    {
        return batchCopy.isPresent();
    }

    /**
     * @return whether {@link Method#RESIDENT} works here (compute capability 9.0 or later, the bulk kernel).
     */
    public boolean residentAvailable()
    {
        return resident != null;
    }

    /**
     * Stops {@link Method#RESIDENT}'s kernel now, once every batch submitted is done (it would otherwise stop
     * {@link #RESIDENT_IDLE_NS} after the last). Call it before anything that waits for the whole device (a
     * device-wide synchronize, freeing device memory, unregistering host memory): such calls wait for every kernel,
     * and the resident one ends only when stopped. The bridge does so itself before {@link #free},
     * {@link PinnedMemory#close()} and {@link #close()}. The next RESIDENT batch launches it again.
     */
    public synchronized void stopResident()
    {
        if (resident != null)
        {
            resident.stopWhenDone();
        }
    }

    /**
     * @return whether {@link Method#RESIDENT}'s kernel is running now (holding a block per multiprocessor); it
     *         stops {@link #RESIDENT_IDLE_NS} after the last batch is done.
     */
    public synchronized boolean residentRunning()
    {
        return resident != null && resident.running();
    }

    /**
     * @return the device's multiprocessor count.
     */
    public int multiprocessors()
    {
        return multiprocessors;
    }

    /**
     * Registers host memory (the pool region's mapping) with CUDA, in chunks, mapped into the device's address
     * space.
     *
     * @param memory the mapping (page aligned, whole pages), e.g. {@code Region.segment()}.
     * @return the registration; close it to unregister.
     */
    public synchronized PinnedMemory register(final MemorySegment memory)
    {
        ensureOpen();
        return PinnedMemory.register(memory, new RegistrationPlan(memory.address(), memory.byteSize(),
            RegistrationPlan.DEFAULT_CHUNK_BYTES), this::stopResident);
    }

    /**
     * Allocates device memory.
     *
     * @return its device address.
     */
    public synchronized long allocate(final long bytes)
    {
        ensureOpen();
        final CUdeviceptr pointer = new CUdeviceptr();
        Cuda.check(JCudaDriver.cuMemAlloc(pointer, bytes), "cuMemAlloc(" + bytes + ")");
        return address(pointer);
    }

    /**
     * Frees device memory from {@link #allocate}.
     */
    public synchronized void free(final long deviceAddress)
    {
        // cuMemFree waits for the whole device, the resident kernel included.
        stopResident();
        Cuda.check(JCudaDriver.cuMemFree(pointer(deviceAddress)), "cuMemFree");
    }

    /**
     * Enqueues a page list on the next of the bridge's streams.
     *
     * @return completes when every page has arrived.
     */
    public synchronized CompletableFuture<Void> copy(final PageList pages, final Method method)
    {
        ensureOpen();
        if (pages.count() == 0)
        {
            return CompletableFuture.completedFuture(null);
        }
        final Method how = resolve(pages, method, batchCopy.isPresent());
        if (how == Method.RESIDENT)
        {
            if (resident == null)
            {
                throw new UnsupportedOperationException("Method.RESIDENT needs a GPU of compute capability 9.0 or " +
                    "later and the bulk kernel (not -Dkvpool.gpu.kernel=vector); use KERNEL");
            }
            // Futures complete in submission order: the last batch's completes once every batch of the list is done.
            final int[] batches = resident.submit(pages);
            for (int b = 0; b < batches.length - 1; b++)
            {
                completions.addResident(batches[b]);
            }
            return completions.addResident(batches[batches.length - 1]);
        }
        final CUstream stream = streams[nextStream];
        nextStream = (nextStream + 1) % streams.length;
        Slot slot = null;
        if (how == Method.BATCH)
        {
            if (batchCopy.isEmpty())
            {
                throw new UnsupportedOperationException("Method.BATCH needs cuMemcpyBatchAsync, which this CUDA " +
                    "driver does not export (drivers of CUDA 12.8 or later do); use KERNEL");
            }
            Cuda.check(batchCopy.get().enqueue(pages, stream), "cuMemcpyBatchAsync(" + pages.count() + " pages)");
        }
        else if (how == Method.PER_PAGE)
        {
            for (int i = 0; i < pages.count(); i++)
            {
                Cuda.check(JCudaDriver.cuMemcpyAsync(pointer(pages.destination(i)), pointer(pages.source(i)),
                    pages.length(i), stream), "cuMemcpyAsync(page " + i + ")");
            }
        }
        else
        {
            final int count = pages.count();
            long longest = 0;
            for (int i = 0; i < count; i++)
            {
                longest = Math.max(longest, pages.length(i));
            }
            // Work items: pieces of a page (16 KiB for the bulk kernel, a block's vectors for the vector kernel).
            final int pieceBytes = bulk ? BULK_PIECE_BYTES : CHUNK_BYTES;
            final int piecesPerPage = (int)((longest + pieceBytes - 1) / pieceBytes);
            final int blocks = (int)Math.min((long)count * piecesPerPage,
                (long)multiprocessors * (bulk ? BULK_BLOCKS_PER_SM : BLOCKS_PER_SM));
            final int threads = bulk ? 32 : THREADS_PER_BLOCK;
            // The vector kernel takes its chunk size as a last parameter; the bulk kernel's is compiled in.
            final Pointer[] tail = bulk ? new Pointer[]{Pointer.to(new int[]{piecesPerPage})} :
                new Pointer[]{Pointer.to(new int[]{piecesPerPage}), Pointer.to(new int[]{CHUNK_BYTES})};
            if (count <= INLINE_PAGES)
            {
                // The page table travels by value in the launch parameters (3 KiB at most).
                final long[] table = new long[3 * INLINE_PAGES];
                for (int i = 0; i < count; i++)
                {
                    table[i] = pages.source(i);
                    table[INLINE_PAGES + i] = pages.destination(i);
                    table[2 * INLINE_PAGES + i] = pages.length(i);
                }
                final Pointer parameters = Pointer.to(Cuda.concat(new Pointer[]{Pointer.to(table),
                    Pointer.to(new int[]{count})}, tail));
                Cuda.check(JCudaDriver.cuLaunchKernel(bulk ? copyPagesBulkInline : copyPagesInline, blocks, 1, 1,
                    threads, 1, 1, 0, stream, parameters, null), "cuLaunchKernel(copy_pages" +
                    (bulk ? "_bulk" : "") + "_inline)");
                return record(null, stream);
            }
            slot = acquireSlot();
            final long[] packed = pages.pack();
            slot.staging.clear();
            slot.staging.asLongBuffer().put(packed);
            // The kernel reads the page list straight from the pinned staging buffer (mapped, unified address).
            final CUdeviceptr list = pointer(slot.hostAddress);
            final Pointer parameters = Pointer.to(Cuda.concat(new Pointer[]{
                Pointer.to(list),
                Pointer.to(list.withByteOffset((long)count * Sizeof.LONG)),
                Pointer.to(list.withByteOffset(2L * count * Sizeof.LONG)),
                Pointer.to(new int[]{count})}, tail));
            Cuda.check(JCudaDriver.cuLaunchKernel(bulk ? copyPagesBulk : copyPages, blocks, 1, 1, threads, 1, 1, 0,
                stream, parameters, null), "cuLaunchKernel(copy_pages" + (bulk ? "_bulk" : "") + ")");
        }
        return record(slot, stream);
    }

    /**
     * @return what {@code method} means for these pages: {@link Method#AUTO} resolved, the others as they are.
     */
    static Method resolve(final PageList pages, final Method method, final boolean batchAvailable)
    {
        if (method != Method.AUTO)
        {
            return method;
        }
        for (int i = 0; i < pages.count(); i++)
        {
            if (pages.length(i) < BATCH_MIN_PAGE_BYTES)
            {
                return Method.KERNEL;
            }
        }
        return batchAvailable ? Method.BATCH : Method.KERNEL;
    }

    /**
     * Layer-wise loading: enqueues each layer's pages in order and completes each layer's future as soon as that
     * layer has arrived, so the engine computes layer i while layer i+1 is still loading.
     *
     * @return one future per layer, in order.
     */
    public synchronized List<CompletableFuture<Void>> loadLayers(final List<PageList> layers, final Method method)
    {
        final List<CompletableFuture<Void>> done = new ArrayList<>(layers.size());
        for (final PageList layer : layers)
        {
            done.add(copy(layer, method));
        }
        return done;
    }

    /**
     * Times device-side operations with events that bracket the bridge's copy streams (not {@link Method#RESIDENT}'s
     * transfers, whose kernel outlives any one of them: time those by their futures).
     *
     * @return milliseconds between the two events.
     */
    public synchronized float time(final Runnable enqueue)
    {
        final CUevent start = new CUevent();
        final CUevent stop = new CUevent();
        Cuda.check(JCudaDriver.cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        Cuda.check(JCudaDriver.cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        final CUevent joined = new CUevent();
        Cuda.check(JCudaDriver.cuEventCreate(joined, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        Cuda.check(JCudaDriver.cuEventRecord(start, streams[0]), "cuEventRecord");
        for (int i = 1; i < streams.length; i++)
        {
            Cuda.check(JCudaDriver.cuStreamWaitEvent(streams[i], start, 0), "cuStreamWaitEvent");
        }
        enqueue.run();
        for (int i = 1; i < streams.length; i++)
        {
            Cuda.check(JCudaDriver.cuEventRecord(joined, streams[i]), "cuEventRecord");
            Cuda.check(JCudaDriver.cuStreamWaitEvent(streams[0], joined, 0), "cuStreamWaitEvent");
        }
        Cuda.check(JCudaDriver.cuEventRecord(stop, streams[0]), "cuEventRecord");
        Cuda.check(JCudaDriver.cuEventSynchronize(stop), "cuEventSynchronize");
        final float[] milliseconds = new float[1];
        Cuda.check(JCudaDriver.cuEventElapsedTime(milliseconds, start, stop), "cuEventElapsedTime");
        JCudaDriver.cuEventDestroy(start);
        JCudaDriver.cuEventDestroy(stop);
        JCudaDriver.cuEventDestroy(joined);
        return milliseconds[0];
    }

    /**
     * Copies between any two unified addresses (host registered or device), synchronously; for tests and tools.
     */
    public synchronized void copySync(final long destination, final long source, final long bytes)
    {
        Cuda.check(JCudaDriver.cuMemcpy(pointer(destination), pointer(source), bytes), "cuMemcpy");
    }

    CUcontext context()
    {
        return context;
    }

    /**
     * @return a CUdeviceptr naming a unified address.
     */
    static CUdeviceptr pointer(final long address)
    {
        return new CUdeviceptr().withByteOffset(address);
    }

    /**
     * @return the unified address a CUdeviceptr names, as CUDA reports it.
     */
    static long address(final CUdeviceptr pointer)
    {
        final long[] value = new long[1];
        Cuda.check(JCudaDriver.cuPointerGetAttribute(Pointer.to(value),
            CUpointer_attribute.CU_POINTER_ATTRIBUTE_DEVICE_POINTER, pointer), "cuPointerGetAttribute");
        return value[0];
    }

    private Slot acquireSlot()
    {
        final Slot slot = slots[nextSlot];
        nextSlot = (nextSlot + 1) % SLOTS;
        if (slot.lastUse != null)
        {
            // The slot's arrays may still be read by an earlier launch: wait for it before overwriting them.
            Cuda.check(JCudaDriver.cuEventSynchronize(slot.lastUse), "cuEventSynchronize(slot)");
        }
        return slot;
    }

    private CompletableFuture<Void> record(final Slot slot, final CUstream stream)
    {
        final CUevent event = new CUevent();
        Cuda.check(JCudaDriver.cuEventCreate(event, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        Cuda.check(JCudaDriver.cuEventRecord(event, stream), "cuEventRecord");
        if (slot != null)
        {
            slot.lastUse = event;
        }
        return completions.addEvent(event, slot);
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the GPU bridge is closed");
        }
    }

    /**
     * Waits for every transfer, then releases the stream, module, page-list buffers and the context. Idempotent.
     */
    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            for (final CUstream open : streams)
            {
                JCudaDriver.cuStreamSynchronize(open);
            }
        }
        // Outside the monitor: the completion thread takes it to retire events.
        completions.shutdown();
        synchronized (this)
        {
            if (resident != null)
            {
                resident.close();
            }
            for (final Slot slot : slots)
            {
                JCudaDriver.cuMemFreeHost(slot.host);
            }
            JCudaDriver.cuModuleUnload(module);
            if (bulk)
            {
                JCudaDriver.cuModuleUnload(bulkModule);
            }
            for (final CUstream open : streams)
            {
                JCudaDriver.cuStreamDestroy(open);
            }
        }
    }

    private static CUstream[] newStreams(final int count)
    {
        if (count < 2)
        {
            throw new IllegalArgumentException("kvpool.gpu.streams=" + count + " must be at least 2");
        }
        final CUstream[] created = new CUstream[count];
        for (int i = 0; i < count; i++)
        {
            created[i] = new CUstream();
        }
        return created;
    }
}
