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
     * @return the next chunk's bytes as Aeron takes them: a view of native memory, a copy of heap memory.
     */
    DirectBuffer payload(final int length)
    {
        final MemorySegment source = batch.segment(entry);
        if (source.isNative())
        {
            view.wrap(source.address() + at, length);
            return view;
        }
        final byte[] copy = new byte[length];
        MemorySegment.copy(source, ValueLayout.JAVA_BYTE, at, copy, 0, length);
        return new UnsafeBuffer(copy);
    }

    void advance(final int length)
    {
        at += length;
    }
}
