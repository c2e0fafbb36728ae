package io.kvpool.gpu;

/**
 * A CUDA call that failed: the call, its CUresult name and number, and what to check.
 */
public final class GpuException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int result;

    public GpuException(final String call, final int result, final String name)
    {
        super(call + " failed: " + name + " (" + result + ")");
        this.result = result;
    }

    /**
     * @return the CUresult.
     */
    public int result()
    {
        return result;
    }
}
