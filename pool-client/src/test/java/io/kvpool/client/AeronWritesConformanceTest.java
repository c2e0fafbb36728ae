package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransportContext;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The Aeron data path over UDP to a manager that takes puts' bytes over Aeron only ({@code data-tcp: false}):
 * the suite's writes go as DATA_WRITE chunks through the data agent, as they do wherever TCP is off.
 */
class AeronWritesConformanceTest extends AeronUdpTransportConformanceTest
{
    @Override
    ManagerFixture newFixture()
    {
        return new ManagerFixture(160L << 20, 8L << 20, ManagerContext.Threading.SHARED, AeronIdle.BACKOFF,
            new ManagerContext().aeronDriverTimeout(), 1, false);
    }

    @Override
    boolean tcpWrites()
    {
        return false;
    }

    @Override
    BlockTransport open(final TransportContext context)
    {
        assertFalse(context.tcpPutsOn(1), "a manager without data-tcp: puts over Aeron");
        return super.open(context);
    }

    @Override
    boolean reachesRemoteManagers()
    {
        // A remote manager (the rig's) takes puts over TCP: the suite runs against it as AeronUdp.
        return false;
    }
}
