package io.kvpool.client.transport;

import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.BlockTransportProvider;
import io.kvpool.protocol.transport.TransportContext;

/**
 * Provides the Aeron fallback data path; usable wherever the control plane is (it rides the same endpoint).
 * Priority 10: the last resort. Over UDP to a manager that serves several data lanes, transfers are split across
 * them ({@link AeronLanesTransport}).
 */
public final class AeronTransportProvider implements BlockTransportProvider
{
    @Override
    public String name()
    {
        return "aeron";
    }

    @Override
    public int priority()
    {
        return 10;
    }

    @Override
    public String unavailableReason(final TransportContext context)
    {
        return null;
    }

    @Override
    public BlockTransport open(final TransportContext context)
    {
        // Lanes are UDP ports: a client on the manager's host (IPC) has one path, and needs no more.
        return context.dataLanes() > 1 ? new AeronLanesTransport(context) : new AeronBlockTransport(context, true);
    }
}
