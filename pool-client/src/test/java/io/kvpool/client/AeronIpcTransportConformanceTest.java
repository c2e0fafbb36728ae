package io.kvpool.client;

import io.kvpool.client.transport.AeronTransportProvider;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransportContext;

class AeronIpcTransportConformanceTest extends BlockTransportConformanceTest
{
    @Override
    BlockTransport open(final TransportContext context)
    {
        return new AeronTransportProvider().open(context);
    }

    @Override
    int statusAfterPeerLoss()
    {
        return Status.TRANSPORT_FAILED;
    }
}
