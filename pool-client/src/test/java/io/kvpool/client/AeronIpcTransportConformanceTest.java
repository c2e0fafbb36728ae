package io.kvpool.client;

import io.kvpool.client.transport.AeronTransportProvider;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransportContext;

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

    @Override
    int statusAfterPeerLoss()
    {
        return Status.TRANSPORT_FAILED;
    }
}
