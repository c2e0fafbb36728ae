package io.kvpool.gpu;

import jcuda.driver.JCudaDriver;

/**
 * Checks CUDA driver results: every call's result is checked at once, because a failed call can leave a sticky
 * error that surfaces later as something unrelated. Stateless.
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
}
