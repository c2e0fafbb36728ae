package io.kvpool.transport.rdma;

import io.kvpool.protocol.test.Hardware;
import io.kvpool.transport.rdma.internal.Verbs;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Device discovery through the real libibverbs: what it reports must agree with what the kernel shows in
 * /sys/class/infiniband, and the provider must say why it cannot serve.
 */
class RdmaDiscoveryTest
{
    @Test
    void shouldReportTheDevicesTheKernelHasAndWhyTheTransportIsUnavailable()
    {
        final RdmaTransportProvider provider = new RdmaTransportProvider();
        final String reason = provider.unavailableReason(null);
        if (Verbs.load().isEmpty())
        {
            assertTrue(reason.contains("libibverbs.so.1 cannot be loaded"), reason);
            return;
        }
        final List<String> devices = Verbs.load().orElseThrow().deviceNames();
        assertEquals(Hardware.RDMA.probe().isPresent(), !devices.isEmpty(),
            "libibverbs and /sys/class/infiniband agree on whether a device exists: " + devices);
        if (devices.isEmpty())
        {
            assertTrue(reason.startsWith("no RDMA device"), reason);
        }
        else
        {
            assertNull(reason, "a host with a device can use the transport");
        }
        assertNull(Verbs.unavailableReason());
        assertEquals(50, provider.priority());
        assertEquals("rdma", provider.name());
    }
}
