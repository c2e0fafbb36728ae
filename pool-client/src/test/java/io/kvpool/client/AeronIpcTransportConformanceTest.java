package io.kvpool.client;

import io.kvpool.client.transport.AeronTransportProvider;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.transport.TransportContext;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class AeronIpcTransportConformanceTest extends BlockTransportConformanceTest
{
    @Override
    BlockTransport open(final TransportContext context)
    {
        final AeronTransportProvider provider = new AeronTransportProvider();
        assertNull(provider.unavailableReason(context));
        final BlockTransport transport = provider.open(context);
        assertEquals("aeron", transport.name());
        return transport;
    }

    /** Sources in heap memory (the Aeron paths copy each chunk out; RDMA refuses them) arrive intact. */
    @Test
    void shouldWriteSourcesInHeapMemory()
    {
        final int[] sizes = {1, 61_000, 1 << 20, 3 * 1_000_003};
        final BlockBatch reserved = reserve(sizes.length);
        final TransferBatch writes = new TransferBatch();
        final MemorySegment[] sources = new MemorySegment[sizes.length];
        for (int i = 0; i < sizes.length; i++)
        {
            sources[i] = MemorySegment.ofArray(new byte[sizes[i]]);
            Payloads.fill(sources[i], 77L * i + sizes[i]);
            writes.add(reserved.blockIndex(i), reserved.generation(i), reserved.offset(i), sizes[i], sources[i]);
        }
        transport.write(writes).join();
        for (int i = 0; i < sizes.length; i++)
        {
            assertEquals(Status.OK, writes.status(i), "write of " + sizes[i] + " bytes");
        }
        commit(reserved, sources);
        final TransferBatch reads = readBack(reserved, sizes);
        for (int i = 0; i < sizes.length; i++)
        {
            assertEquals(Status.OK, reads.status(i), "read of " + sizes[i] + " bytes");
            assertEquals(-1, reads.segment(i).asSlice(0, sizes[i]).mismatch(sources[i]), sizes[i] + " bytes");
        }
    }

    @Override
    int statusAfterPeerLoss()
    {
        return Status.TRANSPORT_FAILED;
    }
}
