package io.kvpool.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * getToDevice / putFromDevice refuse misuse before anything moves (the transfers themselves run on the GPU
 * machine).
 */
class DeviceArgumentsTest
{
    private static ManagerFixture fixture;

    @BeforeAll
    static void start()
    {
        fixture = new ManagerFixture(32L << 20);
        fixture.createNamespace("gpu", 65536, 0, "");
    }

    @AfterAll
    static void stop()
    {
        fixture.close();
    }

    @Test
    void shouldRefuseDeviceTransfersBeforeTheRegionIsRegisteredOrWithWrongArguments()
    {
        try (KvPool pool = KvPool.connect(fixture.poolContext()))
        {
            final KvNamespace ns = pool.namespace("gpu", 65536);
            final IllegalStateException unregistered = assertThrows(IllegalStateException.class,
                () -> ns.getToDevice(ManagerFixture.keys(0, 2), new long[2]));
            assertTrue(unregistered.getMessage().contains("KvPool.registerWith"), unregistered.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ns.getToDevice(ManagerFixture.keys(0, 2), new long[3]));
            assertThrows(IllegalArgumentException.class,
                () -> ns.putFromDevice(ManagerFixture.keys(0, 1), new long[1], new int[]{65537}));
            assertThrows(IllegalArgumentException.class,
                () -> ns.putFromDevice(ManagerFixture.keys(0, 1), new long[1], new int[2]));
            assertEquals(0, fixture.stats().pool().openReservations(), "nothing was reserved");
        }
        try (KvPool remote = KvPool.connect(fixture.poolContext().transport("aeron")))
        {
            remote.namespace("gpu", 65536);
            final IllegalStateException noMapping = assertThrows(IllegalStateException.class,
                () -> remote.registerWith(null));
            assertTrue(noMapping.getMessage().contains("no mapped region"), noMapping.getMessage());
        }
    }
}
