package io.kvpool.gpu;

import jcuda.driver.CUcontext;
import jcuda.driver.CUevent;
import jcuda.driver.JCudaDriver;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The bridge's completion thread: completes each transfer's future, in submission order, once its CUDA event has
 * fired or (for {@link GpuBridge.Method#RESIDENT}) once the resident kernel has marked its batch done; and stops
 * the resident kernel after {@link GpuBridge#RESIDENT_IDLE_NS} with nothing in flight. Thread-safe: {@code add*}
 * from any thread holding the bridge's lock; the thread takes that lock to retire events and to stop the kernel.
 */
final class Completions
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.gpu");
    private final Object bridgeLock;
    private final CUcontext context;
    private final ResidentCopier resident;
    private final LinkedBlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
    private final Thread thread;

    /** A transfer to complete: by its event, or (event null) by the resident kernel's batch number. */
    private record Pending(CUevent event, CompletableFuture<Void> future, GpuBridge.Slot slot, int residentBatch)
    {
    }

    /**
     * @param resident the resident kernel's ring, or null where there is none.
     */
    Completions(final Object bridgeLock, final CUcontext context, final ResidentCopier resident)
    {
        this.bridgeLock = bridgeLock;
        this.context = context;
        this.resident = resident;
        thread = new Thread(this::run, "kvpool-gpu-completion");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * @param slot the page-list slot the transfer read, whose {@code lastUse} may be this event (then the slot
     *             keeps the event and this thread does not destroy it), or null.
     * @return completes when the event has fired.
     */
    CompletableFuture<Void> addEvent(final CUevent event, final GpuBridge.Slot slot)
    {
        final CompletableFuture<Void> future = new CompletableFuture<>();
        pending.add(new Pending(event, future, slot, 0));
        return future;
    }

    /**
     * @return completes when the resident kernel has marked {@code batch} done.
     */
    CompletableFuture<Void> addResident(final int batch)
    {
        final CompletableFuture<Void> future = new CompletableFuture<>();
        pending.add(new Pending(null, future, null, batch));
        return future;
    }

    /**
     * Completes everything added so far, then ends the thread and waits for it.
     */
    void shutdown()
    {
        pending.add(new Pending(null, null, null, 0));
        try
        {
            thread.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void run()
    {
        JCudaDriver.cuCtxSetCurrent(context);
        while (true)
        {
            final Pending next;
            try
            {
                // While the resident kernel runs, wake up now and then to stop it once it has been idle a while.
                next = residentRunning() ? pending.poll(1, TimeUnit.MILLISECONDS) : pending.take();
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            if (next != null && next.future == null)
            {
                return;
            }
            try
            {
                if (next == null && resident != null)
                {
                    synchronized (bridgeLock)
                    {
                        resident.tryStopIdle(GpuBridge.RESIDENT_IDLE_NS);
                    }
                }
                else if (next.event == null)
                {
                    completeResident(next);
                }
                else
                {
                    completeEvent(next);
                }
            }
            catch (final RuntimeException ex)
            {
                // This thread must outlive any one failure, or every later future would wait forever.
                LOG.log(System.Logger.Level.ERROR, "GPU completion: " + ex, ex);
                if (next != null)
                {
                    next.future.completeExceptionally(ex);
                }
            }
        }
    }

    private void completeResident(final Pending next)
    {
        try
        {
            resident.awaitDone(next.residentBatch);
            next.future.complete(null);
        }
        catch (final GpuException ex)
        {
            next.future.completeExceptionally(ex);
        }
    }

    private void completeEvent(final Pending next)
    {
        final int result = JCudaDriver.cuEventSynchronize(next.event);
        if (result == 0)
        {
            next.future.complete(null);
        }
        else
        {
            next.future.completeExceptionally(Cuda.exception("cuEventSynchronize(transfer)", result));
        }
        synchronized (bridgeLock)
        {
            if (next.slot == null || next.slot.lastUse != next.event)
            {
                JCudaDriver.cuEventDestroy(next.event);
            }
        }
    }

    private boolean residentRunning()
    {
        // No lock: the submitting thread takes the bridge's lock for every batch, and this thread would contend
        // for it once per batch. A stale answer costs one extra wait of at most a millisecond.
        return resident != null && resident.running();
    }
}
