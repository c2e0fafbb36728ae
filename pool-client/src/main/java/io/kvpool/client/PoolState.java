package io.kvpool.client;

import io.kvpool.client.internal.SourceChecksums;
import io.kvpool.gpu.GpuBridge;

import java.util.concurrent.ExecutorService;

/**
 * What a pool's namespace handles share with it, so that they need no reference to the {@link KvPool} itself: the
 * async threads, the threads that checksum puts, whether the pool is closed, and the GPU the region is registered
 * with. Thread-safe: the flag and the registration are published whole (volatile).
 */
final class PoolState
{
    /** The GPU the region is registered with, and how blocks move to and from it. */
    record GpuRegistration(GpuBridge bridge, GpuBridge.Method method)
    {
    }

    private final ExecutorService executor;
    private final SourceChecksums checksums;
    private volatile boolean closed;
    private volatile GpuRegistration gpu;

    PoolState(final ExecutorService executor, final SourceChecksums checksums)
    {
        this.executor = executor;
        this.checksums = checksums;
    }

    /** @return the threads running async operations, prefetches and write-back commits. */
    ExecutorService executor()
    {
        return executor;
    }

    /** @return the threads that checksum puts beside their copies. */
    SourceChecksums checksums()
    {
        return checksums;
    }

    /** @throws IllegalStateException once the pool is closed. */
    void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the KvPool is closed");
        }
    }

    boolean isClosed()
    {
        return closed;
    }

    void close()
    {
        closed = true;
        checksums.close();
    }

    /** @return the GPU registration, or {@code null} when the region is registered with none. */
    GpuRegistration gpu()
    {
        return gpu;
    }

    void gpu(final GpuRegistration registration)
    {
        gpu = registration;
    }
}
