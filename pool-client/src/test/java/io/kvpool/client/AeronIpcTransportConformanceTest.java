package io.kvpool.client;

import io.kvpool.client.transport.AeronTransportProvider;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
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
        moveAndCheck(new int[]{1, 61_000, 1 << 20, 3 * 1_000_003}, size -> MemorySegment.ofArray(new byte[size]), 77);
    }

    @Override
    int statusAfterPeerLoss()
    {
        return Status.TRANSPORT_FAILED;
    }
}
