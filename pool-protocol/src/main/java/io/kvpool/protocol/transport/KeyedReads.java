package io.kvpool.protocol.transport;

import io.kvpool.protocol.BlockBatch;

import java.lang.foreign.MemorySegment;

/**
 * A {@link BlockTransport} whose far side can find blocks by key: a get of keys whose locations the client does not
 * know is one exchange (the far side looks each key up and sends its bytes) instead of a lookup from the manager
 * and then a read. Only the Aeron data path has such a far side (the manager's data agent); one-sided transports
 * (mapped, RDMA) cannot look anything up.
 * <p>
 * Thread-safe as the transport is.
 */
public interface KeyedReads
{
    /**
     * Looks up each key of {@code batch} in the session's namespace and reads its bytes into
     * {@code destinations[i]}. Fills per key what a LOOKUP answer holds: status, and where OK the block index,
     * generation, region offset, length and checksum of the bytes delivered. Per key:
     * {@link io.kvpool.protocol.Status#OK} when its block was sealed with that generation before and after its bytes
     * were sent; {@link io.kvpool.protocol.Status#NOT_FOUND} when no sealed block holds the key or it changed while
     * being read (the destination's contents are then garbage); {@link io.kvpool.protocol.Status#INVALID_LENGTH}
     * when its bytes would not fit the destination; {@link io.kvpool.protocol.Status#TRANSPORT_FAILED} (every key)
     * when the exchange failed.
     *
     * @param batch        the keys (at most {@link BlockBatch#MAX_KEYS}); the rest of each entry is written here.
     * @param destinations one per key, native or heap.
     */
    void readKeys(BlockBatch batch, MemorySegment[] destinations);
}
