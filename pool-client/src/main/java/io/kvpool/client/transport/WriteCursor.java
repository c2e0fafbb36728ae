package io.kvpool.client.transport;

import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.wire.DataEncoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * How far a write sent in steps ({@link AeronBlockTransport#sendSome}) has got: the next chunk of which entry, its
 * DATA_WRITE header and its bytes as Aeron takes them. Not thread-safe: owned by one transport, under its lock.
 */
final class WriteCursor
{
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    /** The current chunk's bytes where its source is heap memory, copied once however often it is offered. */
    private byte[] heapChunk;
    private boolean heapChunkCopied;
    private TransferBatch batch;
    private long id;
    private int entry;
    private long at;

    /**
     * @param batch the write's entries.
     * @param id    its correlation id.
     */
    void start(final TransferBatch batch, final long id)
    {
        this.batch = batch;
        this.id = id;
        entry = 0;
        at = 0;
        heapChunkCopied = false;
    }

    void clear()
    {
        batch = null;
    }

    /** @return whether a write is being sent (its chunks or its end not all offered). */
    boolean active()
    {
        return batch != null;
    }

    long id()
    {
        return id;
    }

    int entries()
    {
        return batch.size();
    }

    /** @return whether a chunk is left to offer (entries with no bytes left are passed over). */
    boolean hasChunk()
    {
        while (entry < batch.size() && at >= batch.length(entry))
        {
            entry++;
            at = 0;
        }
        return entry < batch.size();
    }

    /**
     * Encodes the next chunk's DATA_WRITE header.
     *
     * @return the chunk's length: offer the header, then {@link #payload} of that length; {@link #advance} once taken.
     */
    int encodeChunk(final MutableDirectBuffer request, final long sessionId)
    {
        final int length = (int)Math.min(DataEncoder.CHUNK_BYTES, batch.length(entry) - at);
        DataEncoder.encodeWriteHeader(request, id, sessionId, batch.blockIndex(entry), batch.generation(entry),
            batch.regionOffset(entry) + at, entry, length);
        return length;
    }

    /**
     * @return the next chunk's bytes as Aeron takes them: a view of native memory, else a copy of the heap memory
     *         (made at the chunk's first offer; a publication that pushes back is offered the same copy again).
     */
    DirectBuffer payload(final int length)
    {
        final MemorySegment source = batch.segment(entry);
        if (source.isNative())
        {
            view.wrap(source.address() + at, length);
            return view;
        }
        if (!heapChunkCopied)
        {
            if (heapChunk == null)
            {
                heapChunk = new byte[DataEncoder.CHUNK_BYTES];
            }
            MemorySegment.copy(source, ValueLayout.JAVA_BYTE, at, heapChunk, 0, length);
            heapChunkCopied = true;
        }
        view.wrap(heapChunk, 0, length);
        return view;
    }

    void advance(final int length)
    {
        at += length;
        heapChunkCopied = false;
    }
}
