package io.kvpool.client;

import io.kvpool.client.transport.AeronTransportProvider;
import io.kvpool.manager.ManagerContext;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TcpPuts;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.protocol.wire.SessionDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.stream.Collectors;

import static io.kvpool.client.ManagerFixture.keys;
import static io.kvpool.client.ManagerFixture.segments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client off the fabric puts through KvPool as an engine does, to a manager that takes puts' bytes over TCP (its
 * default): with one lane they go over TCP, with three over Aeron unless the client asks for TCP
 * ({@link TcpPuts}). Every byte of every length (one byte, a part of a chunk, whole blocks, heap
 * sources) is read back both by load/store on the mapped region and over the network, and the manager's TCP
 * connections are what carried them. Where the TCP port cannot be reached, puts go over Aeron.
 */
class TcpWritesTest
{
    private static final int BLOCK_BYTES = 256 * 1024;
    private static final int[] LENGTHS = {1, 4095, 61_313, 65_536, 200_000, BLOCK_BYTES, BLOCK_BYTES, 77};

    @ParameterizedTest
    @CsvSource({"1, AUTO, true", "3, ON, true", "3, AUTO, false"})
    void shouldPutEveryByteAndGetItBackByEveryPath(final int lanes, final TcpPuts mode, final boolean overTcp)
    {
        try (ManagerFixture fixture = new ManagerFixture(64L << 20, 2L << 20, ManagerContext.Threading.SHARED,
            AeronIdle.BACKOFF, new ManagerContext().aeronDriverTimeout(), lanes);
             Arena arena = Arena.ofConfined())
        {
            fixture.createNamespace("tcp", BLOCK_BYTES, 0, "");
            try (KvPool local = KvPool.connect(fixture.poolContext());
                 KvPool remote = KvPool.connect(fixture.poolContext().transport("aeron")
                     .managerEndpoint(fixture.manager.udpEndpoint()).responseHost("127.0.0.1").dataLanes(lanes).tcpPuts(mode)
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
                if (overTcp)
                {
                    assertTrue(tcpConnectionThreads() >= lanes, "the manager took the bytes on " + lanes +
                        " TCP connection(s): " + tcpConnectionThreads());
                }
                else
                {
                    assertEquals(0, tcpConnectionThreads(), "the bytes went over Aeron");
                }

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

    @Test
    void shouldSendPutsOverAeronWhereTheTcpPortCannotBeReached()
    {
        // A manager that serves no TCP, and a client told it does (as behind a firewall that passes the UDP port and
        // not its TCP twin): the put is not lost, it goes over Aeron.
        try (ManagerFixture fixture = new ManagerFixture(64L << 20, 2L << 20, ManagerContext.Threading.SHARED,
            AeronIdle.BACKOFF, new ManagerContext().aeronDriverTimeout(), 1, false);
             Arena arena = Arena.ofConfined())
        {
            fixture.createNamespace("blocked", BLOCK_BYTES, 0, "");
            try (ManagerClient control = ManagerClient.connect(fixture.clientContext("blocked", "")))
            {
                final SessionDescriptor told = withTcpWrites(control.session());
                final TransportContext context = new TransportContext(told, () -> control.session().sessionId(),
                    fixture.manager.udpEndpoint(), "127.0.0.1", fixture.directory.resolve("aeron"),
                    fixture.directory.resolve("client-driver"), null, control::rdmaConnect, AeronIdle.BACKOFF, 1,
                    TcpPuts.AUTO);
                try (BlockTransport transport = new AeronTransportProvider().open(context))
                {
                    for (int round = 0; round < 2; round++)
                    {
                        // The first put finds the port closed; the second, inside the back-off, does not try it.
                        final BlockBatch reserved = new BlockBatch();
                        reserved.addKey(ManagerFixture.key(500 + round));
                        assertEquals(1, control.reserve(reserved));
                        final MemorySegment source = arena.allocate(BLOCK_BYTES);
                        Payloads.fill(source, 500 + round);
                        final TransferBatch write = new TransferBatch();
                        write.add(reserved.blockIndex(0), reserved.generation(0), reserved.offset(0), BLOCK_BYTES,
                            source);
                        transport.write(write).join();
                        assertEquals(Status.OK, write.status(0), "round " + round);
                        reserved.length(0, BLOCK_BYTES);
                        reserved.checksum(0, Checksums.crc32c(source));
                        assertEquals(1, control.commit(reserved));
                        final TransferBatch read = new TransferBatch();
                        read.add(reserved.blockIndex(0), reserved.generation(0), reserved.offset(0), BLOCK_BYTES,
                            arena.allocate(BLOCK_BYTES));
                        transport.read(read).join();
                        assertEquals(Status.OK, read.status(0));
                        assertEquals(-1, read.segment(0).mismatch(source), "round " + round);
                    }
                }
            }
            assertEquals(0, tcpConnectionThreads());
        }
    }

    private static SessionDescriptor withTcpWrites(final SessionDescriptor s)
    {
        return new SessionDescriptor(s.sessionId(), s.namespaceId(), s.blockSizeBytes(), s.blocksPerSlab(),
            s.managerEpoch(), s.regionUuid(), s.pathHint(), s.geometry(), s.reservationLeaseNs(), s.pinLeaseNs(),
            s.dataLanePorts(), s.features() | SessionDescriptor.FEATURE_TCP_WRITES);
    }

    /** @return the manager's TCP data connections' threads alive in this JVM (named for their listener). */
    private static long tcpConnectionThreads()
    {
        final Set<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
            .collect(Collectors.toSet());
        return names.stream().filter(name -> name.matches("kvpool-data-tcp\\d+-\\d+")).count();
    }
}
