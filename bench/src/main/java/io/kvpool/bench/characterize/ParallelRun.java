package io.kvpool.bench.characterize;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one measurement on several threads at once: each prepares, waits for the others, measures for itself and
 * reports the bytes it moved and the nanoseconds it took; the result is the sum of their rates.
 */
final class ParallelRun
{
    /** One thread's measurement. */
    @FunctionalInterface
    interface Measurement
    {
        /**
         * @param thread 0 to threads - 1.
         * @param start  call once prepared: returns when every thread is.
         * @return {bytes moved, nanoseconds taken}.
         */
        long[] run(int thread, Start start) throws Exception;
    }

    /** The common start. */
    @FunctionalInterface
    interface Start
    {
        void await() throws InterruptedException, BrokenBarrierException;
    }

    private ParallelRun()
    {
    }

    /**
     * @param name names the threads and a failure.
     * @return the sum over threads of bytes / nanoseconds: GB/s.
     * @throws IllegalStateException naming the measurement when a thread failed.
     */
    static double gigabytesPerSecond(final String name, final int threads, final Measurement measurement)
        throws InterruptedException
    {
        final long[][] results = new long[threads][];
        // The first failure is the cause; the others' broken barrier only follows from it.
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CyclicBarrier barrier = new CyclicBarrier(threads);
        final List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final int id = t;
            final Thread thread = new Thread(() ->
            {
                try
                {
                    results[id] = measurement.run(id, barrier::await);
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                    barrier.reset();
                }
            }, name + "-" + t);
            thread.start();
            running.add(thread);
        }
        for (final Thread thread : running)
        {
            thread.join();
        }
        if (failure.get() != null)
        {
            throw new IllegalStateException(name + ": " + failure.get(), failure.get());
        }
        double gbPerSecond = 0;
        for (final long[] result : results)
        {
            gbPerSecond += result[0] / (double)result[1];
        }
        return gbPerSecond;
    }
}
