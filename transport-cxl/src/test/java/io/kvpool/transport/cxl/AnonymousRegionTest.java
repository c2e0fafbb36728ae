package io.kvpool.transport.cxl;

class AnonymousRegionTest extends RegionContractTest
{
    @Override
    RegionSource source()
    {
        return RegionSource.anonymous(8 * MIB);
    }

    @Override
    RegionKind expectedKind()
    {
        return RegionKind.ANONYMOUS;
    }

    @Override
    boolean isShared()
    {
        return false;
    }
}
