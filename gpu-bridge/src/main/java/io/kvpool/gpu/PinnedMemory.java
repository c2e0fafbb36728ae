package io.kvpool.gpu;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Host memory (the pool region's mapping) registered with CUDA as pinned, portable and device-mapped, chunk by
 * chunk. Under unified addressing a registered byte's device address equals its host address; registration
 * checks that for every chunk, so page lists can use region addresses on both sides. {@link #close()} unregisters
 * every chunk.
 * <p>
 * Thread-safe for reading; close once.
 */
public final class PinnedMemory implements AutoCloseable
{
    private final MemorySegment memory;
    private final RegistrationPlan plan;
    private final Runnable beforeUnregister;
    private final List<RegistrationPlan.Chunk> registered = new ArrayList<>();
    /** Written by close, read by covers from any thread. */
    private volatile boolean closed;

    private PinnedMemory(
        final MemorySegment memory, final RegistrationPlan plan, final Runnable beforeUnregister)
    {
        this.memory = memory;
        this.plan = plan;
        this.beforeUnregister = beforeUnregister;
    }

    /**
     * @param beforeUnregister runs before the chunks are unregistered (unregistering waits for the whole device:
     *                         the bridge stops its resident kernel there).
     */
    static PinnedMemory register(
        final MemorySegment segment, final RegistrationPlan plan, final Runnable beforeUnregister)
    {
        final PinnedMemory memory = new PinnedMemory(segment, plan, beforeUnregister);
        try
        {
            for (final RegistrationPlan.Chunk chunk : plan.chunks())
            {
                Cuda.check(JCudaDriver.cuMemHostRegister(memory.host(chunk), chunk.lengthBytes(),
                    GpuBridge.REGISTER_FLAGS), "cuMemHostRegister(" + chunk.lengthBytes() + " bytes)");
                memory.registered.add(chunk);
                final long device = GpuBridge.address(GpuBridge.pointer(chunk.address()));
                if (device != chunk.address())
                {
                    throw new IllegalStateException("device address 0x" + Long.toHexString(device) + " of host 0x" +
                        Long.toHexString(chunk.address()) + " differs: kvpool needs unified addressing");
                }
            }
            return memory;
        }
        catch (final RuntimeException ex)
        {
            memory.close();
            throw ex;
        }
    }

    /**
     * @return whether [address, address + length) is registered.
     */
    public boolean covers(final long address, final long length)
    {
        return !closed && plan.covers(address, length);
    }

    /**
     * @return the registration plan.
     */
    public RegistrationPlan plan()
    {
        return plan;
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (!registered.isEmpty())
        {
            beforeUnregister.run();
        }
        for (final RegistrationPlan.Chunk chunk : registered)
        {
            Cuda.check(JCudaDriver.cuMemHostUnregister(host(chunk)), "cuMemHostUnregister");
        }
        registered.clear();
    }

    /**
     * @return a JCuda host pointer to a chunk: a direct ByteBuffer view of the mapping (JCuda takes host memory
     *         only as a direct buffer; a chunk is at most 1 GiB, within a ByteBuffer's reach).
     */
    private Pointer host(final RegistrationPlan.Chunk chunk)
    {
        return Pointer.to(memory.asSlice(chunk.address() - memory.address(), chunk.lengthBytes()).asByteBuffer());
    }
}
