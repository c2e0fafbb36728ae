package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import io.kvpool.protocol.Payloads;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
            Duration.ofSeconds(15));
             Arena arena = Arena.ofConfined())
        {
            fixture.createNamespace("stalls", 65_536, 0, "");
            final MemorySegment[] sources = ManagerFixture.segments(arena, 4, 65_536);
            for (int i = 0; i < sources.length; i++)
            {
                Payloads.fill(sources[i], 7 + i);
            }
            try (KvPool local = KvPool.connect(fixture.poolContext());
                 KvPool remote = KvPool.connect(fixture.poolContext().transport("aeron")
                     .managerEndpoint(fixture.manager.udpEndpoint()).responseHost("127.0.0.1")))
            {
                assertEquals(4, local.namespace("stalls", 65_536).put(ManagerFixture.keys(1, 4), sources)
                    .okCount());
                final MemorySegment[] destinations = ManagerFixture.segments(arena, 4, 65_536);
                assertEquals(4, remote.namespace("stalls", 65_536).get(ManagerFixture.keys(1, 4), destinations)
                    .okCount());
                for (int i = 0; i < sources.length; i++)
                {
                    assertEquals(-1, destinations[i].mismatch(sources[i]), "block " + i);
                }
            }
        }
    }
}
