package io.kvpool.client;

import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransportContext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Aeron data path over UDP on loopback, through a media driver of the client's own (as a host off the CXL
 * fabric would run it), its puts' bytes over TCP (the manager's default: {@link #tcpWrites}).
 */
class AeronUdpTransportConformanceTest extends AeronIpcTransportConformanceTest
{
    @Override
    BlockTransport open(final TransportContext context)
    {
        // Off the CXL fabric: the manager is reached at the UDP port it bound (asked for port 0), through the
        // client's own media driver.
        if (remote == null)
        {
            assertTrue(context.managerEndpoint().matches("127\\.0\\.0\\.1:[1-9][0-9]*"), context.managerEndpoint());
            assertEquals(tcpWrites(), context.session().tcpWrites(), "puts' bytes over TCP");
        }
        else
        {
            assertEquals(remote.endpoint, context.managerEndpoint());
        }
        assertNotNull(context.embeddedDriverDir());
        return super.open(context);
    }

    /**
     * @return whether the manager in this JVM takes puts' bytes over TCP, so that the suite's writes go that way.
     */
    boolean tcpWrites()
    {
        return true;
    }

    @Override
    String managerEndpoint()
    {
        return "udp";
    }
}
