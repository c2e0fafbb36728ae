package io.kvpool.client;

import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.transport.cxl.MappedTransportProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class MappedTransportConformanceTest extends BlockTransportConformanceTest
{
    @Override
    BlockTransport open(final TransportContext context)
    {
        final MappedTransportProvider provider = new MappedTransportProvider();
        assertNull(provider.unavailableReason(context));
        final BlockTransport transport = provider.open(context);
        assertEquals("cxl", transport.name());
        return transport;
    }

    @Override
    int statusAfterPeerLoss()
    {
        // The bytes live in shared memory this process maps: the manager's death does not take them away.
        return Status.OK;
    }
}
