package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;

/**
 * A manager whose Aeron heartbeat timeouts are raised for hosts that stall (the rig's emulated ones use 15 s) still
 * starts and serves: Aeron refuses a media driver whose publication unblock timeout does not exceed its client
 * liveness timeout, so raising one must raise the other (it once did not, and every guest's manager failed to
 * start).
 */
class LongAeronTimeoutsTest
{
    @Test
    void shouldServeOverIpcAndUdpWithHeartbeatTimeoutsRaisedToFifteenSeconds()
    {
        try (ManagerFixture fixture = new ManagerFixture(64L << 20, 2L << 20, ManagerContext.Threading.SHARED,
            Duration.ofSeconds(15)))
        {
            fixture.assertPutLocallyGetOverUdp("stalls", 65_536, 4);
        }
    }
}
