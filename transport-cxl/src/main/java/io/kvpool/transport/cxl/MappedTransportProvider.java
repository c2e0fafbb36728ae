package io.kvpool.transport.cxl;

import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.BlockTransportProvider;
import io.kvpool.protocol.transport.TransportContext;

import java.nio.file.Path;

/**
 * Provides the CXL transport wherever this host can map the region: the path the engine names, the manager's path
 * hint, or any devdax device with the region's UUID. Priority 100: nothing beats load/store.
 */
public final class MappedTransportProvider implements BlockTransportProvider
{
    @Override
    public String name()
    {
        return "cxl";
    }

    @Override
    public int priority()
    {
        return 100;
    }

    @Override
    public String unavailableReason(final TransportContext context)
    {
        try (Region ignored = map(context))
        {
            return null;
        }
        catch (final PoolException ex)
        {
            return ex.getMessage();
        }
    }

    @Override
    public BlockTransport open(final TransportContext context)
    {
        return new MappedBlockTransport(map(context), true);
    }

    private static Region map(final TransportContext context)
    {
        return RegionLocator.map(context.session().regionUuid(), context.regionPath(),
            Path.of(context.session().pathHint()));
    }
}
