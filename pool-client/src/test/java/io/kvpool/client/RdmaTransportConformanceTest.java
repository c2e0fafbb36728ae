package io.kvpool.client;

import io.kvpool.protocol.Status;
import io.kvpool.protocol.test.Hardware;
import io.kvpool.protocol.test.RequiresHardware;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.transport.rdma.RdmaTransportProvider;
import org.junit.jupiter.api.Tag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The conformance suite on the verbs transport; runs only where an RDMA device exists (the rig's Soft-RoCE VMs),
 * against a manager in this JVM, or on another host where the environment names one ({@link RemoteManager}).
 */
@Tag("rdma")
@RequiresHardware(Hardware.RDMA)
class RdmaTransportConformanceTest extends BlockTransportConformanceTest
{
    @Override
    BlockTransport open(final TransportContext context)
    {
        final RdmaTransportProvider provider = new RdmaTransportProvider();
        assertNull(provider.unavailableReason(context));
        final BlockTransport transport = provider.open(context);
        assertEquals("rdma", transport.name());
        return transport;
    }

    @Override
    boolean reachesRemoteManagers()
    {
        return true;
    }

    @Override
    int statusAfterPeerLoss()
    {
        return Status.TRANSPORT_FAILED;
    }
}
