package io.kvpool.protocol.transport;

import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Makes {@link BlockTransport}s of one kind; found through {@link ServiceLoader}. A client asks every provider
 * whether it can reach the region and takes the one with the highest priority that can.
 */
public interface BlockTransportProvider
{
    /**
     * @return the transport's name: "cxl", "rdma", "aeron".
     */
    String name();

    /**
     * @return preference among usable transports; higher wins (cxl 100, rdma 50, aeron 10).
     */
    int priority();

    /**
     * Probes without side effects that outlive the call.
     *
     * @return {@code null} when a transport can be opened, else why not (e.g. "no RDMA device: ...").
     */
    String unavailableReason(TransportContext context);

    /**
     * @return an open transport; the caller owns it.
     */
    BlockTransport open(TransportContext context);

    /**
     * @return every provider on the class path, highest priority first.
     */
    static List<BlockTransportProvider> all()
    {
        return ServiceLoader.load(BlockTransportProvider.class).stream().map(ServiceLoader.Provider::get)
            .sorted(Comparator.comparingInt(BlockTransportProvider::priority).reversed()).toList();
    }
}
