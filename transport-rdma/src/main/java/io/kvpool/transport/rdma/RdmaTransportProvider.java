package io.kvpool.transport.rdma;

import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.BlockTransportProvider;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.transport.rdma.internal.Verbs;

import java.util.List;
import java.util.Optional;

/**
 * The one-sided RDMA data path (RDMA READ for get, RDMA WRITE for put, through FFM bindings to libibverbs).
 * Priority 50: below mapping the region, above Aeron.
 * <p>
 * Today it discovers devices for real (through libibverbs) and says what it found; the queue-pair exchange with the
 * manager and the READ/WRITE chains are not built yet, so even where a device exists it reports itself unavailable
 * with that reason and the client falls back. Not a fake: nothing pretends to move bytes.
 */
public final class RdmaTransportProvider implements BlockTransportProvider
{
    @Override
    public String name()
    {
        return "rdma";
    }

    @Override
    public int priority()
    {
        return 50;
    }

    @Override
    public String unavailableReason(final TransportContext context)
    {
        final Optional<Verbs> verbs = Verbs.load();
        if (verbs.isEmpty())
        {
            return Verbs.unavailableReason();
        }
        final List<String> devices = verbs.get().deviceNames();
        if (devices.isEmpty())
        {
            return "no RDMA device: libibverbs found none (ibv_get_device_list returned 0; on hosts without RDMA " +
                "hardware, Soft-RoCE gives one: modprobe rdma_rxe; rdma link add rxe0 type rxe netdev IFACE)";
        }
        return "RDMA devices " + devices + " found, but kvpool's verbs data path (queue-pair exchange with the " +
            "manager, READ/WRITE chains) is not built yet";
    }

    @Override
    public BlockTransport open(final TransportContext context)
    {
        throw new IllegalStateException("the RDMA transport is unavailable: " + unavailableReason(context));
    }
}
