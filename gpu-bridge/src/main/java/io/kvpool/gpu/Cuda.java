package io.kvpool.gpu;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Checks CUDA driver results (every call's result is checked at once, because a failed call can leave a sticky
 * error that surfaces later as something unrelated), and small helpers for loading and launching kernels.
 * Stateless.
 */
final class Cuda
{
    private Cuda()
    {
    }

    static void check(final int result, final String call)
    {
        if (result != 0)
        {
            throw exception(call, result);
        }
    }

    static GpuException exception(final String call, final int result)
    {
        final String[] name = new String[1];
        JCudaDriver.cuGetErrorName(result, name);
        return new GpuException(call, result, name[0] == null ? "CUDA_ERROR" : name[0]);
    }

    /**
     * Allocates pinned host memory that is portable and mapped into the device's address space
     * (CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_DEVICEMAP): kernels read and write it through the bus.
     *
     * @param host receives the allocation; free it with cuMemFreeHost.
     * @param what names the allocation in the error, if it fails.
     */
    static void allocateMapped(final Pointer host, final long bytes, final String what)
    {
        check(JCudaDriver.cuMemHostAlloc(host, bytes, 0x01 | 0x02), "cuMemHostAlloc(" + what + ")");
    }

    /**
     * @return kernel parameters {@code head} followed by {@code tail}.
     */
    static Pointer[] concat(final Pointer[] head, final Pointer[] tail)
    {
        final Pointer[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    /**
     * @return a PTX resource of the gpu-bridge jar, NUL-terminated as cuModuleLoadData wants it.
     */
    static byte[] ptx(final String name)
    {
        try (InputStream in = Cuda.class.getResourceAsStream(name))
        {
            if (in == null)
            {
                throw new IllegalStateException(name + " is missing from the gpu-bridge jar");
            }
            final byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read " + name, ex);
        }
    }
}
