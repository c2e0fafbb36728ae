package io.kvpool.bench;

import io.kvpool.client.BlockKeys;
import io.kvpool.client.KvNamespace;
import io.kvpool.client.KvPool;
import io.kvpool.manager.ManagerContext;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.ByteSizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./kvpool bench remote}: GET throughput of the remote data path (kvpool's Aeron transport over UDP on
 * loopback) beside Redis (the remote backend LMCache ships with, started here from the OS package) holding the
 * same values, with the same number of client threads and values per request (one GET, or a batch get beside an
 * MGET of the same keys). Prints both and the ratio.
 */
@Command(
    name = "remote",
    mixinStandardHelpOptions = true,
    description = "GET throughput of kvpool over Aeron UDP (loopback) beside redis-server, same values, same threads.")
final class RemoteCommand implements Callable<Integer>
{
    /**
     * The most lanes {@code --lanes auto} gives. Measured on a 16-core host (bench/RESULTS-remote.txt): 6 lanes
     * served four client threads best; 8 (20 spinning threads) fell to a third.
     */
    static final int MAX_AUTO_LANES = 6;
    /** Value sizes: the manager's default smallest block up to the largest bulk string Redis is started to take. */
    private static final int MIN_SIZE = 16 << 10;
    private static final int MAX_SIZE = 64 << 20;

    @Spec
    private CommandSpec spec;

    @Option(names = "--sizes", split = ",", paramLabel = "SIZE", defaultValue = "256k,2m",
        description = "Value sizes (default: ${DEFAULT-VALUE}).")
    private List<String> sizes;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
        description = "Client threads (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "N",
        description = "Values per request (default: ${DEFAULT-VALUE}): kvpool gets N keys in one batch, Redis " +
            "answers one MGET of the same N keys (as an engine fetches a prompt's blocks).")
    private int batch;

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "5",
        description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
    private int seconds;

    @Option(names = "--values", paramLabel = "N", defaultValue = "32",
        description = "Distinct values (default: ${DEFAULT-VALUE}).")
    private int values;

    @Option(names = "--threading", defaultValue = "shared", paramLabel = "shared|dedicated",
        description = "The manager's threading and the client-side media driver's: shared (one thread a side, " +
            "the default, best on few cores) or dedicated (a thread per duty; hosts with cores to spare).")
    private String threading;
    private ManagerContext.Threading mode;

    @Option(names = "--idle", defaultValue = "auto", paramLabel = "auto|backoff|spin|yield",
        description = "How the data path's threads wait, on both sides: backoff (little CPU when idle), spin " +
            "(busy-spin: the fastest, a core per thread, on hosts with cores to spare) or yield (spin offering the " +
            "core to others: for more such threads than cores). Default auto: spin with more than one lane, else " +
            "backoff.")
    private String idle;
    private AeronIdle idleMode;

    @Option(names = "--client-idle", paramLabel = "backoff|spin|yield",
        description = "How the client side waits, when it should differ from --idle (spinning threads beyond the " +
            "cores there are starve the ones with work; yielding ones take turns).")
    private String clientIdle;
    private AeronIdle clientIdleMode;

    @Option(names = "--lanes", defaultValue = "auto", paramLabel = "N|auto",
        description = "The manager's Aeron data lanes; clients split every transfer across them. Pair with " +
            "--client-drivers own or process, so that each client lane has a driver too. Default auto: as many " +
            "as leave a core for each spinning thread (a manager lane and a client driver per lane, and the client " +
            "threads), at most " + MAX_AUTO_LANES + "; one on a small host.")
    private String lanesText;
    private int lanes;

    @Option(names = "--client-drivers", defaultValue = "auto", paramLabel = "auto|shared|own|process",
        description = "The client side's media drivers: shared (one for every client thread, as a host runs one), " +
            "own (each client thread embeds its own, one per lane, as engine processes do) or process (one per " +
            "lane, embedded and shared by every client thread, as one engine's threads do). Default auto: " +
            "process with more than one lane, else shared.")
    private String clientDrivers;
    private AeronLoopback.ClientDrivers clientDriversMode;

    @Option(names = "--redis-server", defaultValue = "redis-server", paramLabel = "PATH",
        description = "The redis-server binary (default: ${DEFAULT-VALUE}, from the OS package).")
    private String redisServer;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        mode = Options.parsed("--threading", threading, ManagerContext.Threading::parse);
        lanes = lanesText.equals("auto") ? autoLanes(Runtime.getRuntime().availableProcessors(), threads) :
            Options.parsed("--lanes", lanesText, RemoteCommand::parseLanes);
        idleMode = idle.equals("auto") ? (lanes > 1 ? AeronIdle.SPIN : AeronIdle.BACKOFF) :
            Options.parsed("--idle", idle, AeronIdle::parse);
        clientIdleMode = clientIdle == null ? idleMode :
            Options.parsed("--client-idle", clientIdle, AeronIdle::parse);
        requireAtLeastOne("--threads", threads);
        requireAtLeastOne("--seconds", seconds);
        requireAtLeastOne("--values", values);
        final int[] sizeBytes = new int[sizes.size()];
        for (int i = 0; i < sizeBytes.length; i++)
        {
            sizeBytes[i] = Options.parsed("--sizes", sizes.get(i), RemoteCommand::parseSize);
        }
        if (batch < 1 || batch > BlockBatch.MAX_KEYS || batch > values)
        {
            throw new IllegalArgumentException("--batch=" + batch + ": expected 1 to " + BlockBatch.MAX_KEYS + ", and at most --values (" +
                values + ")");
        }
        clientDriversMode = clientDrivers.equals("auto") ? (lanes > 1 ? AeronLoopback.ClientDrivers.PROCESS :
            AeronLoopback.ClientDrivers.SHARED) : Options.parsed("--client-drivers", clientDrivers,
            AeronLoopback.ClientDrivers::parse);
        out.printf("kvpool: %d lane(s), threading %s, idle %s (client %s), client drivers %s; %d cores%n", lanes,
            threading, name(idleMode), name(clientIdleMode), name(clientDriversMode),
            Runtime.getRuntime().availableProcessors());
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        out.printf("%-8s %8s %6s %14s %12s %14s %12s %8s%n", "size", "threads", "batch", "redis ops/s", "redis GB/s",
            "kvpool ops/s", "kvpool GB/s", "ratio");
        for (final int size : sizeBytes)
        {
            final double redis = redis(size);
            final double kvpool = kvpool(size);
            out.printf(Locale.ROOT, "%-8s %8d %6d %14.0f %12.2f %14.0f %12.2f %7.2fx%n", ByteSizes.format(size),
                threads, batch, redis, redis * size / 1e9, kvpool, kvpool * size / 1e9, kvpool / redis);
            out.flush();
        }
        return 0;
    }

    private double redis(final int size) throws Exception
    {
        final int port = freePort();
        final Process server = new ProcessBuilder(redisServer, "--port", Integer.toString(port), "--bind",
            "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--proto-max-bulk-len",
            Integer.toString(MAX_SIZE)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        try
        {
            awaitRedis(port);
            final byte[] value = new byte[size];
            new Random(size).nextBytes(value);
            try (Jedis loader = new Jedis("127.0.0.1", port))
            {
                for (int i = 0; i < values; i++)
                {
                    loader.set(key(i), value);
                }
            }
            return measure(() ->
            {
                final Jedis jedis = new Jedis("127.0.0.1", port);
                return new Worker()
                {
                    public long get()
                    {
                        final int first = ThreadLocalRandom.current().nextInt(values);
                        if (batch == 1)
                        {
                            final byte[] got = jedis.get(key(first));
                            return got.length == size && got[size - 1] == value[size - 1] ? 1 : 0;
                        }
                        final byte[][] keys = new byte[batch][];
                        for (int i = 0; i < batch; i++)
                        {
                            keys[i] = key((first + i) % values);
                        }
                        long verified = 0;
                        for (final byte[] got : jedis.mget(keys))
                        {
                            verified += got.length == size && got[size - 1] == value[size - 1] ? 1 : 0;
                        }
                        return verified;
                    }

                    public void close()
                    {
                        jedis.close();
                    }
                };
            });
        }
        finally
        {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private double kvpool(final int size) throws Exception
    {
        try (AeronLoopback pool = new AeronLoopback(size, values, mode, idleMode, clientIdleMode, lanes))
        {
            return measure(() ->
            {
                final KvPool client = pool.connect(clientDriversMode);
                final KvNamespace ns = client.namespace(AeronLoopback.NAMESPACE, size);
                final Arena arena = Arena.ofShared();
                final MemorySegment[] destination = new MemorySegment[batch];
                for (int i = 0; i < batch; i++)
                {
                    destination[i] = arena.allocate(size, 4096);
                }
                final byte[][] keys = new byte[batch][];
                return new Worker()
                {
                    public long get()
                    {
                        final int first = ThreadLocalRandom.current().nextInt(values);
                        for (int i = 0; i < batch; i++)
                        {
                            keys[i] = AeronLoopback.key((first + i) % values);
                            destination[i].set(ValueLayout.JAVA_BYTE, size - 1, (byte)0);
                        }
                        if (ns.get(BlockKeys.of(keys), destination).okCount() != batch)
                        {
                            return 0;
                        }
                        long verified = 0;
                        for (final MemorySegment got : destination)
                        {
                            verified += got.get(ValueLayout.JAVA_BYTE, size - 1) == 7 ? 1 : 0;
                        }
                        return verified;
                    }

                    public void close()
                    {
                        client.close();
                        arena.close();
                    }
                };
            });
        }
    }

    /**
     * Runs {@link #threads} workers for a second of warm-up, then {@link #seconds} measured.
     *
     * @return verified values per second.
     */
    private double measure(final WorkerFactory factory) throws Exception
    {
        final List<Worker> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            workers.add(factory.create());
        }
        final AtomicLong verified = new AtomicLong();
        final long warmupEndNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        final long endNs = warmupEndNs + TimeUnit.SECONDS.toNanos(seconds);
        final List<Thread> running = new ArrayList<>();
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (final Worker worker : workers)
        {
            final Thread thread = new Thread(() ->
            {
                try
                {
                    while (System.nanoTime() - warmupEndNs < 0)
                    {
                        worker.get();
                    }
                    long count = 0;
                    while (System.nanoTime() - endNs < 0)
                    {
                        count += worker.get();
                    }
                    verified.addAndGet(count);
                }
                catch (final Throwable t)
                {
                    failures.add(t);
                }
            });
            thread.start();
            running.add(thread);
        }
        for (final Thread thread : running)
        {
            thread.join();
        }
        for (final Worker worker : workers)
        {
            worker.close();
        }
        if (!failures.isEmpty())
        {
            throw new IllegalStateException("a client failed: " + failures.getFirst(), failures.getFirst());
        }
        return verified.get() / (double)seconds;
    }

    private interface Worker
    {
        long get();

        void close();
    }

    @FunctionalInterface
    private interface WorkerFactory
    {
        Worker create() throws Exception;
    }

    /**
     * @return the lanes {@code --lanes auto} gives: as many as leave a core for every spinning thread (per lane a
     *         manager thread and a client-side driver, plus the client threads), 1 to {@link #MAX_AUTO_LANES}.
     */
    static int autoLanes(final int cores, final int threads)
    {
        return Math.max(1, Math.min(MAX_AUTO_LANES, (cores - threads) / 2));
    }

    /**
     * @return a value size the benchmark's pool can hold in one block (and Redis in one bulk string): a multiple of
     *         64 bytes from the manager's default smallest block, 16 KiB, to 64 MiB.
     */
    static int parseSize(final String text)
    {
        final long size = ByteSizes.parse(text);
        if (size % 64 != 0 || size < MIN_SIZE || size > MAX_SIZE)
        {
            throw new IllegalArgumentException("expected a multiple of 64 bytes from 16k to 64m (a pool block)");
        }
        return (int)size;
    }

    private static int parseLanes(final String text)
    {
        final int lanes;
        try
        {
            lanes = Integer.parseInt(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("expected a number of lanes or auto", ex);
        }
        if (lanes < 1)
        {
            throw new IllegalArgumentException("expected at least 1");
        }
        return lanes;
    }

    /**
     * @throws IllegalArgumentException naming the option and its value when it is below 1.
     */
    private static void requireAtLeastOne(final String name, final int value)
    {
        if (value < 1)
        {
            throw new IllegalArgumentException(name + "=" + value + ": expected at least 1");
        }
    }

    /**
     * @return a choice as its option spells it.
     */
    private static String name(final Enum<?> choice)
    {
        return choice.name().toLowerCase(Locale.ROOT);
    }

    private static byte[] key(final int i)
    {
        return ("kv:" + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static void awaitRedis(final int port) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true)
        {
            try (Jedis jedis = new Jedis("127.0.0.1", port))
            {
                if ("PONG".equals(jedis.ping()))
                {
                    return;
                }
            }
            catch (final RuntimeException ex)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new IllegalStateException("redis-server did not answer on port " + port, ex);
                }
            }
            Thread.sleep(50);
        }
    }
}
