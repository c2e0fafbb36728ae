package io.kvpool.protocol.transport;

import io.kvpool.protocol.Checksums;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * How block bytes reach the pool region from a client: mapped load/store (CXL, or the same host), one-sided RDMA,
 * or Aeron over UDP. One interface, one implementation per fabric, one conformance suite they all pass.
 * <p>
 * A read copies each entry's region range into its segment and completes with per-entry statuses:
 * {@link io.kvpool.protocol.Status#OK}; {@link io.kvpool.protocol.Status#NOT_FOUND} when the block was not sealed
 * with the entry's generation before and after the copy (evicted or reused: the segment's contents are then
 * garbage); {@link io.kvpool.protocol.Status#OUT_OF_RANGE} for a range outside the block or region;
 * {@link io.kvpool.protocol.Status#TRANSPORT_FAILED} when the bytes could not be moved. A write copies each
 * segment into its range, only into a block reserved (WRITING) with the entry's generation, else
 * {@link io.kvpool.protocol.Status#UNKNOWN_RESERVATION}. One failing entry never fails the others.
 * <p>
 * Implementations are thread-safe: concurrent callers may have transfers in flight. A closed transport throws
 * {@link IllegalStateException}; a peer that disappears completes transfers with TRANSPORT_FAILED, never hangs.
 */
public interface BlockTransport extends AutoCloseable
{
    /**
     * @return the transport's name: "cxl", "rdma" or "aeron".
     */
    String name();

    /**
     * Copies region ranges into client memory.
     *
     * @param batch the transfers; not to be touched until the future completes.
     * @return completes with the same batch, statuses filled.
     */
    CompletableFuture<TransferBatch> read(TransferBatch batch);

    /**
     * Copies client memory into region ranges of reserved blocks.
     *
     * @param batch the transfers; not to be touched until the future completes.
     * @return completes with the same batch, statuses filled.
     */
    CompletableFuture<TransferBatch> write(TransferBatch batch);

    /**
     * Writes as {@link #write} does and sets each entry's {@link TransferBatch#checksum}: the CRC32C of its
     * {@code length} bytes, which the writer's commit records. This default checksums each entry's source before
     * the write; a transport that stores the bytes itself checksums them as it stores them (the mapped one: {@link
     * io.kvpool.protocol.Checksums#copy}, each chunk read back while in cache), reading each source once.
     *
     * @param batch the transfers; not to be touched until the future completes.
     * @return completes with the same batch, statuses and checksums filled.
     */
    default CompletableFuture<TransferBatch> writeChecksummed(final TransferBatch batch)
    {
        for (int i = 0; i < batch.size(); i++)
        {
            batch.checksum(i, Checksums.crc32c(batch.segment(i).asSlice(0, batch.length(i))));
        }
        return write(batch);
    }

    /**
     * @return this process's mapping of the region when the transport moves bytes by load/store on it (so a client
     *         may validate cached locations against the block table and read views in place), else {@code null}.
     */
    default MemorySegment mappedRegion()
    {
        return null;
    }

    @Override
    void close();
}
