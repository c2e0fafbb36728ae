package io.kvpool.client;

import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TcpPuts;
import io.kvpool.protocol.transport.TransportContext;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The Aeron data path over three lanes to a manager that takes puts' bytes over TCP too, with the client's default
 * ({@link TcpPuts#AUTO}): with several lanes the suite's writes go over Aeron, split into chunks across the lanes'
 * publications, each lane's window filled as it takes them.
 */
class AeronLanesWritesConformanceTest extends AeronLanesTransportConformanceTest
{
    @Override
    TcpPuts tcpPuts()
    {
        return TcpPuts.AUTO;
    }

    @Override
    BlockTransport open(final TransportContext context)
    {
        assertFalse(context.tcpPutsOn(3), "three lanes: puts over Aeron");
        return super.open(context);
    }
}
