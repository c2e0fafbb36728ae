package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.wire.StatsSnapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real pool manager in this JVM (its own media driver, region file and index in a scratch directory) and
 * clients connected to it over IPC.
 */
final class ManagerFixture implements AutoCloseable
{
    final Path directory;
    PoolManager manager;
    private final ManagerContext.Threading threading;
    private final AeronIdle idle;
    private final int dataLanes;
    private final boolean dataTcp;
    private final long regionBytes;
    private final long slabBytes;
    private final Duration aeronDriverTimeout;

    ManagerFixture(final long regionBytes)
    {
        this(regionBytes, 2L << 20);
    }

    ManagerFixture(final long regionBytes, final long slabBytes)
    {
        this(regionBytes, slabBytes, ManagerContext.Threading.SHARED);
    }

    ManagerFixture(final long regionBytes, final long slabBytes, final ManagerContext.Threading threading)
    {
        this(regionBytes, slabBytes, threading, new ManagerContext().aeronDriverTimeout());
    }

    ManagerFixture(final long regionBytes, final long slabBytes, final ManagerContext.Threading threading,
        final Duration aeronDriverTimeout)
    {
        this(regionBytes, slabBytes, threading, AeronIdle.BACKOFF, aeronDriverTimeout);
    }

    /**
     * @param idle how the manager's data path waits, and the remote client's of {@link #assertPutLocallyGetOverUdp}.
     */
    ManagerFixture(final long regionBytes, final long slabBytes, final ManagerContext.Threading threading,
        final AeronIdle idle, final Duration aeronDriverTimeout)
    {
        this(regionBytes, slabBytes, threading, idle, aeronDriverTimeout, 1);
    }

    /**
     * @param dataLanes the manager's Aeron data lanes (UDP ports from its endpoint's on).
     */
    ManagerFixture(final long regionBytes, final long slabBytes, final ManagerContext.Threading threading,
        final AeronIdle idle, final Duration aeronDriverTimeout, final int dataLanes)
    {
        this(regionBytes, slabBytes, threading, idle, aeronDriverTimeout, dataLanes, true);
    }

    /**
     * @param dataTcp whether the manager takes remote puts' bytes over TCP ({@link ManagerContext#dataTcp}).
     */
    ManagerFixture(final long regionBytes, final long slabBytes, final ManagerContext.Threading threading,
        final AeronIdle idle, final Duration aeronDriverTimeout, final int dataLanes, final boolean dataTcp)
    {
        try
        {
            directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-client-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        this.threading = threading;
        this.idle = idle;
        this.dataLanes = dataLanes;
        this.dataTcp = dataTcp;
        this.regionBytes = regionBytes;
        this.slabBytes = slabBytes;
        this.aeronDriverTimeout = aeronDriverTimeout;
        manager = PoolManager.launch(context());
    }

    private ManagerContext context()
    {
        return new ManagerContext().pool(new PoolContext().regionFile(directory.resolve("region"))
                .regionSizeBytes(regionBytes).slabSizeBytes(slabBytes).minBlockSizeBytes(4096).prefault(false))
            .endpoint("127.0.0.1:0").embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1)
            .adminToken("admin").threading(threading).idle(idle)
            .aeronDriverTimeout(aeronDriverTimeout).dataLanes(dataLanes).dataTcp(dataTcp);
    }

    /**
     * Starts a manager again on the region of one that was closed (it recovers the pool, blocks included), at the
     * UDP endpoint the closed one had bound (as a deployed manager's fixed port).
     */
    void relaunch()
    {
        manager = PoolManager.launch(context().endpoint(manager.udpEndpoint()));
    }

    void createNamespace(final String name, final long blockSizeBytes, final int maxSlabs, final String token)
    {
        try (ManagerClient admin = ManagerClient.connect(clientContext("", "admin")))
        {
            admin.createNamespace(name, blockSizeBytes, 0, maxSlabs, token);
        }
    }

    StatsSnapshot stats()
    {
        try (ManagerClient admin = ManagerClient.connect(clientContext("", "admin")))
        {
            return admin.stats();
        }
    }

    ManagerClientContext clientContext(final String namespace, final String token)
    {
        return new ManagerClientContext().aeronDir(directory.resolve("aeron")).namespace(namespace).token(token)
            .connectTimeout(Duration.ofSeconds(20));
    }

    KvPoolContext poolContext()
    {
        return new KvPoolContext().aeronDir(directory.resolve("aeron")).connectTimeout(Duration.ofSeconds(20));
    }

    /**
     * Creates a namespace, puts blocks of known bytes through a client on this host (IPC, mapped region), gets them
     * through a remote client (Aeron over UDP, through media drivers of its own as a host off the fabric runs them)
     * and asserts every byte.
     */
    void assertPutLocallyGetOverUdp(final String namespace, final int blockSizeBytes, final int blocks)
    {
        createNamespace(namespace, blockSizeBytes, 0, "");
        try (Arena arena = Arena.ofConfined();
             KvPool local = KvPool.connect(poolContext());
             KvPool remote = KvPool.connect(poolContext().transport("aeron").managerEndpoint(manager.udpEndpoint())
                 .responseHost("127.0.0.1").aeronIdle(idle).embeddedDriverDir(directory.resolve("remote-host"))))
        {
            final MemorySegment[] sources = segments(arena, blocks, blockSizeBytes);
            for (int i = 0; i < sources.length; i++)
            {
                Payloads.fill(sources[i], 31 + i);
            }
            assertEquals(blocks, local.namespace(namespace, blockSizeBytes).put(keys(1, blocks), sources).okCount());
            final MemorySegment[] destinations = segments(arena, blocks, blockSizeBytes);
            assertEquals(blocks, remote.namespace(namespace, blockSizeBytes).get(keys(1, blocks), destinations)
                .okCount());
            for (int i = 0; i < sources.length; i++)
            {
                assertEquals(-1, destinations[i].mismatch(sources[i]), "block " + i);
            }
        }
    }

    static MemorySegment[] segments(final Arena arena, final int count, final long bytes)
    {
        final MemorySegment[] segments = new MemorySegment[count];
        for (int i = 0; i < count; i++)
        {
            segments[i] = arena.allocate(bytes, 64);
        }
        return segments;
    }

    /**
     * @return {@code count} segments of {@code bytes}, segment i filled by {@link Payloads#fill} from seed
     *         {@code firstSeed + i}.
     */
    static MemorySegment[] filled(final Arena arena, final int count, final long bytes, final long firstSeed)
    {
        final MemorySegment[] segments = segments(arena, count, bytes);
        for (int i = 0; i < count; i++)
        {
            Payloads.fill(segments[i], firstSeed + i);
        }
        return segments;
    }

    static BlockKeys keys(final long first, final int count)
    {
        final byte[][] keys = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            keys[i] = key(first + i);
        }
        return BlockKeys.of(keys);
    }

    static byte[] key(final long value)
    {
        final byte[] key = new byte[32];
        for (int b = 0; b < 8; b++)
        {
            key[b] = (byte)(value >>> (8 * b));
            key[8 + b] = (byte)(~value >>> (8 * b));
        }
        key[31] = 0x4B;
        return key;
    }

    @Override
    public void close()
    {
        manager.close();
        deleteDirectory();
    }

    void deleteDirectory()
    {
        FileTrees.delete(directory);
    }
}
