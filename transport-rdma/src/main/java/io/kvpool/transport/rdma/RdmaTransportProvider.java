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
 * Available where libibverbs loads and lists a device; the manager must have one too (it answers RDMA_CONNECT with
 * UNSUPPORTED otherwise, and opening fails with that reason).
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
        return null;
    }

    @Override
    public BlockTransport open(final TransportContext context)
    {
        return new RdmaBlockTransport(Verbs.load().orElseThrow(() ->
            new IllegalStateException(Verbs.unavailableReason())), context);
    }
}
