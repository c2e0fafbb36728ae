package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
        try (ManagerFixture fixture = new ManagerFixture(64L << 20, 2L << 20, threading))
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
            fixture.assertPutLocallyGetOverUdp("threads", 262_144, 3);
        }
    }

    private static Set<String> agentThreads(final Set<String> names)
    {
        return names.stream().filter(name -> name.contains("kvpool-") || name.contains("conductor") ||
            name.contains("media-driver")).filter(name -> !name.startsWith("aeron-client")).collect(
            Collectors.toSet());
    }
}
