package io.kvpool.bench;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.kvpool.client.BlockKeys;
import io.kvpool.client.KvNamespace;
import io.kvpool.client.KvPool;
import io.kvpool.client.KvPoolContext;
import io.kvpool.client.ManagerClient;
import io.kvpool.client.ManagerClientContext;
import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.Choices;
import io.kvpool.protocol.FileTrees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pool reached as a host off the CXL fabric reaches it, all on this machine: a manager (region in /dev/shm,
 * UDP on 127.0.0.1) holding {@code values} blocks of one size, and a separate client-side media driver shared by
 * every connection (as a host runs one), through which {@link #connect()} opens clients on the Aeron data path.
 * Thread-safe for {@link #connect()}; close once.
 */
public final class AeronLoopback implements AutoCloseable
{
    /** The namespace holding the values. */
    public static final String NAMESPACE = "remote";

    private final Path directory;
    private final PoolManager manager;
    private final MediaDriver clientDriver;
    private final long blockSizeBytes;
    private final AeronIdle clientIdle;
    private final int dataLanes;
    private final AtomicInteger clients = new AtomicInteger();

    /**
     * @param blockSizeBytes size of every value.
     * @param values         distinct values stored (keys {@link #key(int)} 0 to values - 1; every byte 7).
     */
    public AeronLoopback(final long blockSizeBytes, final int values)
    {
        this(blockSizeBytes, values, ManagerContext.Threading.SHARED, AeronIdle.BACKOFF, AeronIdle.BACKOFF, 1);
    }

    /**
     * @param blockSizeBytes size of every value.
     * @param values         distinct values stored (keys {@link #key(int)} 0 to values - 1; every byte 7).
     * @param threading      the manager's threading, and the client-side media driver's: SHARED runs each side's
     *                       driver on one thread (with the manager's agents), DEDICATED gives the driver's conductor,
     *                       sender and receiver a thread each (hosts with cores to spare).
     * @param idle           how the manager's data path waits.
     * @param clientIdle     how the client side's waits: the shared client-side driver's, and the clients' of
     *                       {@link #connect()} (with their own drivers, if they run them).
     * @param dataLanes      the manager's data lanes (clients split their transfers across them).
     */
    public AeronLoopback(
        final long blockSizeBytes, final int values, final ManagerContext.Threading threading, final AeronIdle idle,
        final AeronIdle clientIdle, final int dataLanes)
    {
        this.blockSizeBytes = blockSizeBytes;
        this.clientIdle = clientIdle;
        this.dataLanes = dataLanes;
        try
        {
            directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-loopback-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        final long slab = Math.max(2L << 20, blockSizeBytes * 4);
        manager = PoolManager.launch(new ManagerContext().pool(new PoolContext().regionFile(directory.resolve("region"))
                .regionSizeBytes(Math.max(256L << 20, values * blockSizeBytes * 4)).slabSizeBytes(slab))
            .embeddedAeronDir(directory.resolve("aeron")).endpoint("127.0.0.1:0").metricsPort(-1)
            .threading(threading).idle(idle).dataLanes(dataLanes));
        try (ManagerClient admin = ManagerClient.connect(new ManagerClientContext().aeronDir(manager.aeronDir())))
        {
            admin.createNamespace(NAMESPACE, blockSizeBytes, 0, 0, "");
        }
        try (KvPool loader = KvPool.connect(new KvPoolContext().aeronDir(manager.aeronDir()));
             Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = loader.namespace(NAMESPACE, blockSizeBytes);
            final MemorySegment block = arena.allocate(blockSizeBytes);
            block.fill((byte)7);
            for (int i = 0; i < values; i++)
            {
                ns.put(BlockKeys.of(key(i)), new MemorySegment[]{block});
            }
        }
        clientDriver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(directory.resolve("client-driver").toString())
            .threadingMode(threading == ManagerContext.Threading.SHARED ? ThreadingMode.SHARED : ThreadingMode.DEDICATED)
            .sharedIdleStrategy(AeronIdle.BACKOFF.strategy(20_000))
            .senderIdleStrategy(clientIdle.strategy(20_000))
            .receiverIdleStrategy(clientIdle.strategy(20_000))
            .dirDeleteOnStart(true).dirDeleteOnShutdown(true));
    }

    /**
     * @return a client on the Aeron UDP data path through the client-side media driver every client shares (as a
     *         host runs one); the caller closes it.
     */
    public KvPool connect()
    {
        return connect(ClientDrivers.SHARED);
    }

    /**
     * @param drivers whose media drivers the client's Aeron traffic goes through.
     * @return a client on the Aeron UDP data path; the caller closes it.
     */
    public KvPool connect(final ClientDrivers drivers)
    {
        final KvPoolContext context = new KvPoolContext().transport("aeron").managerEndpoint(manager.udpEndpoint())
            .responseHost("127.0.0.1").aeronDir(Path.of(clientDriver.aeronDirectoryName())).aeronIdle(clientIdle)
            .dataLanes(dataLanes).connectTimeout(Duration.ofSeconds(20));
        switch (drivers)
        {
            case OWN -> context.embeddedDriverDir(directory.resolve("client-" + clients.incrementAndGet()));
            case PROCESS -> context.embeddedDriverDir(directory.resolve("client"));
            case SHARED ->
            {
                // The shared client-side driver, set above.
            }
        }
        return KvPool.connect(context);
    }

    /** Whose media drivers a client's Aeron traffic goes through. */
    public enum ClientDrivers
    {
        /** The one client-side driver this loopback runs for every client (as a host runs one). */
        SHARED,
        /** Drivers embedded in the client, one per data lane, its own (as engine processes that embed them). */
        OWN,
        /** Drivers embedded in this process, one per data lane, shared by every client (an engine's threads). */
        PROCESS;

        /**
         * @param text {@code shared}, {@code own} or {@code process}, in any case.
         * @throws IllegalArgumentException listing the values expected.
         */
        public static ClientDrivers parse(final String text)
        {
            return Choices.parse(values(), text);
        }
    }

    public long blockSizeBytes()
    {
        return blockSizeBytes;
    }

    /**
     * @return the key of value {@code i}.
     */
    public static byte[] key(final int i)
    {
        return ByteBuffer.allocate(32).putInt(i).putInt(0x72656D6F).array();
    }

    @Override
    public void close()
    {
        clientDriver.close();
        manager.close();
        FileTrees.delete(directory);
    }
}
