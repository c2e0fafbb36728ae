package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import io.kvpool.protocol.Payloads;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Both threading modes serve the control plane (IPC) and the Aeron data path (UDP), and run the threads they
 * promise: SHARED one thread for the embedded driver, control and data agents; DEDICATED a thread each.
 */
class ManagerThreadingTest
{
    @ParameterizedTest
    @EnumSource(ManagerContext.Threading.class)
    void shouldServeInEitherThreadingMode(final ManagerContext.Threading threading)
    {
        try (ManagerFixture fixture = new ManagerFixture(64L << 20, 2L << 20, threading);
             Arena arena = Arena.ofConfined())
        {
            final Set<String> threads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .collect(Collectors.toSet());
            if (threading == ManagerContext.Threading.SHARED)
            {
                assertEquals(Set.of("[media-driver,kvpool-data,kvpool-manager]"), agentThreads(threads));
            }
            else
            {
                assertEquals(Set.of("[sender,receiver,driver-conductor]", "kvpool-data", "kvpool-manager"),
                    agentThreads(threads));
            }
            fixture.createNamespace("threads", 262_144, 0, "");
            final MemorySegment[] sources = ManagerFixture.segments(arena, 3, 262_144);
            for (int i = 0; i < sources.length; i++)
            {
                Payloads.fill(sources[i], 31 + i);
            }
            try (KvPool local = KvPool.connect(fixture.poolContext());
                 KvPool remote = KvPool.connect(fixture.poolContext().transport("aeron")
                     .managerEndpoint(fixture.manager.udpEndpoint()).responseHost("127.0.0.1")))
            {
                assertEquals(3, local.namespace("threads", 262_144).put(ManagerFixture.keys(1, 3), sources)
                    .okCount());
                final MemorySegment[] destinations = ManagerFixture.segments(arena, 3, 262_144);
                assertEquals(3, remote.namespace("threads", 262_144).get(ManagerFixture.keys(1, 3), destinations)
                    .okCount());
                for (int i = 0; i < sources.length; i++)
                {
                    assertEquals(-1, destinations[i].mismatch(sources[i]), "block " + i);
                }
            }
        }
    }

    private static Set<String> agentThreads(final Set<String> names)
    {
        return names.stream().filter(name -> name.contains("kvpool-") || name.contains("conductor") ||
            name.contains("media-driver")).filter(name -> !name.startsWith("aeron-client")).collect(
            Collectors.toSet());
    }
}
