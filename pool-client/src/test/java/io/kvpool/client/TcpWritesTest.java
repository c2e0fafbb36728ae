package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.stream.Collectors;

import static io.kvpool.client.ManagerFixture.keys;
import static io.kvpool.client.ManagerFixture.segments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client off the fabric puts through KvPool as an engine does, its bytes over TCP (the manager's default), to a
 * manager of one lane and of three: every byte of every length (one byte, a part of a chunk, whole blocks, heap
 * sources) is read back both by load/store on the mapped region and over the network, and the manager's TCP
 * connections are what carried them.
 */
class TcpWritesTest
{
    private static final int BLOCK_BYTES = 256 * 1024;
    private static final int[] LENGTHS = {1, 4095, 61_313, 65_536, 200_000, BLOCK_BYTES, BLOCK_BYTES, 77};

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void shouldPutEveryByteOverTcpAndGetItBackByEveryPath(final int lanes)
    {
        try (ManagerFixture fixture = new ManagerFixture(64L << 20, 2L << 20, ManagerContext.Threading.SHARED,
            AeronIdle.BACKOFF, new ManagerContext().aeronDriverTimeout(), lanes);
             Arena arena = Arena.ofConfined())
        {
            fixture.createNamespace("tcp", BLOCK_BYTES, 0, "");
            try (KvPool local = KvPool.connect(fixture.poolContext());
                 KvPool remote = KvPool.connect(fixture.poolContext().transport("aeron")
                     .managerEndpoint(fixture.manager.udpEndpoint()).responseHost("127.0.0.1").dataLanes(lanes)
                     .embeddedDriverDir(fixture.directory.resolve("remote-host"))))
            {
                final MemorySegment[] sources = new MemorySegment[LENGTHS.length];
                for (int i = 0; i < LENGTHS.length; i++)
                {
                    // Every other source on the heap: the socket takes those through a copy of the JDK's.
                    sources[i] = i % 2 == 0 ? arena.allocate(LENGTHS[i]) : MemorySegment.ofArray(new byte[LENGTHS[i]]);
                    Payloads.fill(sources[i], 1000 + i);
                }
                final KvNamespace writer = remote.namespace("tcp", BLOCK_BYTES);
                assertEquals(LENGTHS.length, writer.put(keys(1, LENGTHS.length), sources).okCount());
                assertTrue(tcpConnectionThreads() >= lanes, "the manager took the bytes on " + lanes +
                    " TCP connection(s): " + tcpConnectionThreads());

                for (final KvNamespace reader : new KvNamespace[]{local.namespace("tcp", BLOCK_BYTES),
                    remote.namespace("tcp", BLOCK_BYTES)})
                {
                    final MemorySegment[] destinations = segments(arena, LENGTHS.length, BLOCK_BYTES);
                    final BatchResult got = reader.get(keys(1, LENGTHS.length), destinations);
                    for (int i = 0; i < LENGTHS.length; i++)
                    {
                        assertEquals(Status.OK, got.status(i), "key " + (i + 1));
                        assertEquals(LENGTHS[i], got.length(i), "key " + (i + 1));
                        assertEquals(-1, destinations[i].asSlice(0, LENGTHS[i]).mismatch(sources[i]),
                            "key " + (i + 1));
                    }
                }
            }
        }
    }

    /** @return the manager's TCP data connections' threads alive in this JVM (named for their listener). */
    private static long tcpConnectionThreads()
    {
        final Set<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
            .collect(Collectors.toSet());
        return names.stream().filter(name -> name.matches("kvpool-data-tcp\\d+-\\d+")).count();
    }
}
