package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import io.kvpool.protocol.AeronIdle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every threading mode, with either way of waiting, serves the control plane (IPC) and the Aeron data path (UDP,
 * every byte compared), and runs the threads it promises: SHARED one thread for the embedded driver, control and
 * data agents; DEDICATED a thread each, the driver's conductor, sender and receiver included. Either way the
 * listener for puts over TCP has a thread of its own, which blocks rather than polls.
 */
class ManagerThreadingTest
{
    @ParameterizedTest
    @CsvSource({"SHARED, BACKOFF", "DEDICATED, BACKOFF", "SHARED, SPIN", "DEDICATED, SPIN"})
    void shouldServeInEveryThreadingMode(final ManagerContext.Threading threading, final AeronIdle idle)
    {
        try (ManagerFixture fixture = new ManagerFixture(64L << 20, 2L << 20, threading, idle,
            new ManagerContext().aeronDriverTimeout()))
        {
            final Set<String> threads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .collect(Collectors.toSet());
            if (threading == ManagerContext.Threading.SHARED)
            {
                assertEquals(Set.of("[media-driver,kvpool-data,kvpool-manager]", "kvpool-data-tcp0"),
                    agentThreads(threads));
            }
            else
            {
                assertEquals(Set.of("driver-conductor", "sender", "receiver", "kvpool-data", "kvpool-manager",
                    "kvpool-data-tcp0"), agentThreads(threads));
            }
            fixture.assertPutLocallyGetOverUdp("threads", 262_144, 3);
        }
    }

    private static Set<String> agentThreads(final Set<String> names)
    {
        return names.stream().filter(name -> name.contains("kvpool-") || name.contains("conductor") ||
            name.contains("media-driver") || name.equals("sender") || name.equals("receiver"))
            .filter(name -> !name.startsWith("aeron-client")).collect(Collectors.toSet());
    }
}
