package io.kvpool.client;

import io.kvpool.protocol.BlockBatch;

import java.lang.foreign.MemorySegment;

/**
 * A read-only view of one pinned block, for consumers that read in place (a DMA to a GPU, a parser). The block
 * cannot be evicted or reused while the view is open; close it (try-with-resources) to release the pin. A view
 * that outlives its lease without {@link #renew()} loses its pin and may then see the block change.
 * <p>
 * Thread-safe: the segment may be read from any thread; close once.
 */
public final class BlockView implements AutoCloseable
{
    private final KvNamespace namespace;
    private final MemorySegment segment;
    private final long pinId;
    private final byte[] key;
    private boolean closed;

    BlockView(final KvNamespace namespace, final MemorySegment segment, final long pinId, final byte[] key)
    {
        this.namespace = namespace;
        this.segment = segment;
        this.pinId = pinId;
        this.key = key;
    }

    /**
     * @return the block's payload, read-only, in the pool region itself.
     */
    public MemorySegment segment()
    {
        return segment;
    }

    /**
     * Extends the pin's lease.
     *
     * @return whether the pin was still held.
     */
    public boolean renew()
    {
        final BlockBatch batch = new BlockBatch();
        batch.addKey(key);
        batch.pinId(0, pinId);
        return namespace.control().renewPins(batch) == 1;
    }

    /**
     * Releases the pin. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            final BlockBatch batch = new BlockBatch();
            batch.addKey(key);
            batch.pinId(0, pinId);
            namespace.control().unpin(batch);
        }
    }
}
