package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.transport.TcpPuts;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.DataLanes;
import io.kvpool.protocol.transport.TransportContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data lanes fitted to the host ({@code data-lanes: auto}, the default on both sides): how many a host of so many
 * cores gets, a manager that leaves out a lane whose port is taken instead of failing (while lanes asked for fail
 * the start, leaving nothing bound), and a client that opens no more lanes than it allows itself.
 */
class DataLanesFitTest
{
    private static final int BLOCK = 64 * 1024;

    @TempDir(factory = ShmTempDirFactory.class)
    Path directory;

    @Test
    void shouldFitOneLanePerFourCoresUpToFour()
    {
        assertEquals(List.of(1, 1, 1, 1, 2, 2, 3, 4, 4, 4),
            List.of(0, 1, 2, 7, 8, 11, 12, 16, 17, 128).stream().map(DataLanes::forCores).toList());
        assertEquals(1, new ManagerContext().dataLanesAuto(16).dataLanes(), "no UDP endpoint: one lane");
        assertEquals(4, new ManagerContext().endpoint("127.0.0.1:0").dataLanesAuto(16).dataLanes());
        assertEquals(1, new ManagerContext().endpoint("127.0.0.1:0").externalAeronDir(Path.of("/dev/shm/x"))
            .dataLanesAuto(16).dataLanes(), "lanes need the embedded driver");
        assertEquals(3, new ManagerContext().endpoint("127.0.0.1:0").dataLanesAuto(16).dataLanes(3).dataLanes());
        assertEquals(DataLanes.forThisHost(), new KvPoolContext().dataLanes());
        assertEquals(5, new KvPoolContext().dataLanes(5).dataLanes());
        assertThrows(IllegalArgumentException.class, () -> new KvPoolContext().dataLanes(0));
        assertThrows(IllegalArgumentException.class, () -> new KvPoolContext().dataLanes(18));
        assertEquals(List.of(DataLanes.AUTO, 3, 0, 99), List.of("auto", "3", "0", "99").stream()
            .map(DataLanes::parse).toList(), "the setters check the range");
        for (final String bad : List.of("", "many", "Auto", "-1", "12345678901", "2.5"))
        {
            assertEquals("expected a number of lanes or auto", assertThrows(IllegalArgumentException.class,
                () -> DataLanes.parse(bad)).getMessage(), bad);
        }
    }

    @Test
    void shouldLeaveOutAFittedLaneWhosePortIsTaken() throws Exception
    {
        final int port = freePorts(4);
        try (DatagramSocket squatter = bind(port + 2);
             PoolManager manager = PoolManager.launch(context(port).dataLanesAuto(16)))
        {
            assertTrue(squatter.isBound());
            assertEquals(2, manager.dataLanes(), "lanes 0 and 1 serve; lane 2's port is taken, so 2 and 3 are left");
            createNamespace(manager);
            try (ManagerClient control = ManagerClient.connect(new ManagerClientContext()
                .aeronDir(manager.aeronDir()).namespace("lanes").connectTimeout(Duration.ofSeconds(20))))
            {
                assertEquals(List.of(port + 1), control.session().dataLanePorts());
                final String endpoint = manager.udpEndpoint();
                assertEquals(2, transportContext(control, endpoint, 4).dataLanes());
                assertEquals(1, transportContext(control, endpoint, 1).dataLanes());
                assertEquals(1, transportContext(control, endpoint, 0).dataLanes(), "never fewer than one");
                assertEquals(1, transportContext(control, null, 4).dataLanes(), "IPC has one path");
            }
            assertPutAndGetOverUdp(manager, 4, 1);
            assertPutAndGetOverUdp(manager, 1, 1_000);
        }
    }

    @Test
    void shouldFailTheStartWhereLanesAskedForCannotBind() throws Exception
    {
        final int port = freePorts(3);
        try (DatagramSocket squatter = bind(port + 1))
        {
            assertTrue(squatter.isBound());
            assertThrows(RuntimeException.class, () -> PoolManager.launch(context(port).dataLanes(3)));
        }
        // Nothing of the failed start is left bound: a manager starts on the same ports with its lanes.
        try (PoolManager manager = PoolManager.launch(context(port).dataLanes(3)))
        {
            assertEquals(3, manager.dataLanes());
            createNamespace(manager);
            assertPutAndGetOverUdp(manager, 3, 2_000);
        }
    }

    private ManagerContext context(final int port)
    {
        return new ManagerContext().pool(new PoolContext().regionFile(directory.resolve("region"))
                .regionSizeBytes(64L << 20).slabSizeBytes(8L << 20).minBlockSizeBytes(4096).prefault(false))
            .endpoint("127.0.0.1:" + port).embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1)
            .adminToken("admin");
    }

    private static void createNamespace(final PoolManager manager)
    {
        try (ManagerClient admin = ManagerClient.connect(new ManagerClientContext().aeronDir(manager.aeronDir())
            .token("admin").connectTimeout(Duration.ofSeconds(20))))
        {
            admin.createNamespace("lanes", BLOCK, 0, 0, "");
        }
    }

    private static TransportContext transportContext(
        final ManagerClient control, final String endpoint, final int maxDataLanes)
    {
        return new TransportContext(control.session(), () -> control.session().sessionId(), endpoint, "127.0.0.1",
            null, null, null, control::rdmaConnect, AeronIdle.BACKOFF, maxDataLanes, TcpPuts.AUTO);
    }

    /**
     * Puts 16 blocks over UDP through a client allowing itself {@code maxLanes} lanes, gets them back through
     * another, and checks every byte.
     */
    private void assertPutAndGetOverUdp(final PoolManager manager, final int maxLanes, final long firstKey)
    {
        final int blocks = 16;
        try (Arena arena = Arena.ofConfined();
             KvPool writer = KvPool.connect(udpClient(manager, maxLanes, "writer-" + firstKey));
             KvPool reader = KvPool.connect(udpClient(manager, maxLanes, "reader-" + firstKey)))
        {
            final MemorySegment[] sources = ManagerFixture.filled(arena, blocks, BLOCK, firstKey);
            final BatchResult put = writer.namespace("lanes", BLOCK).put(ManagerFixture.keys(firstKey, blocks),
                sources);
            assertEquals(blocks, put.okCount(), "first status " + Status.name(put.status(0)));
            final MemorySegment[] destinations = ManagerFixture.segments(arena, blocks, BLOCK);
            final BatchResult got = reader.namespace("lanes", BLOCK).get(ManagerFixture.keys(firstKey, blocks),
                destinations);
            assertEquals(blocks, got.okCount(), "first status " + Status.name(got.status(0)));
            for (int i = 0; i < blocks; i++)
            {
                assertEquals(-1, destinations[i].mismatch(sources[i]), "block " + i);
            }
        }
    }

    private KvPoolContext udpClient(final PoolManager manager, final int maxLanes, final String name)
    {
        return new KvPoolContext().aeronDir(manager.aeronDir()).transport("aeron")
            .managerEndpoint(manager.udpEndpoint()).responseHost("127.0.0.1").dataLanes(maxLanes)
            .embeddedDriverDir(directory.resolve("client-" + name)).connectTimeout(Duration.ofSeconds(20));
    }

    /**
     * @return a UDP port of loopback that is free, with the {@code count - 1} after it, when asked.
     */
    private static int freePorts(final int count) throws SocketException
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            final int port;
            try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
            {
                port = probe.getLocalPort();
            }
            if (port + count <= 65_535 && free(port, count))
            {
                return port;
            }
        }
        throw new IllegalStateException("no " + count + " free consecutive UDP ports on loopback");
    }

    private static boolean free(final int port, final int count)
    {
        for (int k = 0; k < count; k++)
        {
            try (DatagramSocket probe = bind(port + k))
            {
                assertTrue(probe.isBound());
            }
            catch (final UncheckedIOException ex)
            {
                return false;
            }
        }
        return true;
    }

    private static DatagramSocket bind(final int port)
    {
        try
        {
            return new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
