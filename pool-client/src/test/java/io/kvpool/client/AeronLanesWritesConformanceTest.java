package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import io.kvpool.protocol.AeronIdle;

/**
 * The Aeron data path over three lanes to a manager that takes puts' bytes over Aeron only ({@code data-tcp:
 * false}): the suite's writes are split into chunks across the lanes' publications, each lane's window filled as
 * it takes them.
 */
class AeronLanesWritesConformanceTest extends AeronLanesTransportConformanceTest
{
    @Override
    ManagerFixture newFixture()
    {
        return new ManagerFixture(160L << 20, 8L << 20, ManagerContext.Threading.SHARED, AeronIdle.BACKOFF,
            new ManagerContext().aeronDriverTimeout(), 3, false);
    }

    @Override
    boolean tcpWrites()
    {
        return false;
    }
}
