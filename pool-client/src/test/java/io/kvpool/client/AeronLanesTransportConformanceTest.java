package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TcpPuts;
import io.kvpool.protocol.transport.TransportContext;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Aeron data path over UDP to a manager serving three data lanes: every transfer is split across them (each
 * lane through a media driver of the client's own), puts' bytes over a TCP connection per lane ({@link TcpPuts#ON};
 * by default a client with lanes sends them over Aeron, as {@link AeronLanesWritesConformanceTest} does), and the
 * whole suite holds, the manager's restart included (its lanes come back on the same ports).
 */
class AeronLanesTransportConformanceTest extends AeronUdpTransportConformanceTest
{
    @Override
    ManagerFixture newFixture()
    {
        return new ManagerFixture(160L << 20, 8L << 20, ManagerContext.Threading.SHARED, AeronIdle.BACKOFF,
            new ManagerContext().aeronDriverTimeout(), 3);
    }

    @Override
    TcpPuts tcpPuts()
    {
        return TcpPuts.ON;
    }

    @Override
    BlockTransport open(final TransportContext context)
    {
        if (remote == null)
        {
            final int port = Integer.parseInt(context.managerEndpoint().substring(
                context.managerEndpoint().lastIndexOf(':') + 1));
            assertEquals(List.of(port + 1, port + 2), context.session().dataLanePorts());
        }
        final BlockTransport transport = super.open(context);
        assertEquals("AeronLanesTransport", transport.getClass().getSimpleName(),
            "a manager with lanes gets a transport that splits across them");
        return transport;
    }

    @Override
    boolean reachesRemoteManagers()
    {
        // A remote manager (the rig's) serves one lane: the suite runs against it as AeronUdp.
        return false;
    }
}
