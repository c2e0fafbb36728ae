package io.kvpool.transport.cxl;

import io.kvpool.protocol.test.Hardware;
import io.kvpool.protocol.test.RequiresHardware;
import org.junit.jupiter.api.Tag;

/**
 * The contract on a real devdax device (overwritten!): runs only where {@code KVPOOL_DEVDAX} offers one, as the
 * rig's devdax scenario does.
 */
@Tag("devdax")
@RequiresHardware(Hardware.DEVDAX)
class DevDaxRegionTest extends RegionContractTest
{
    @Override
    RegionSource source()
    {
        return RegionSource.devDax(Hardware.DEVDAX.probe().resource().orElseThrow());
    }

    @Override
    RegionKind expectedKind()
    {
        return RegionKind.DEVDAX;
    }
}
