package io.kvpool.bench.replay;

import io.kvpool.client.BatchResult;
import io.kvpool.client.BlockKeys;
import io.kvpool.client.KvNamespace;
import io.kvpool.client.KvPool;
import io.kvpool.client.KvPoolContext;
import io.kvpool.cli.trace.MooncakeTrace;
import io.kvpool.cli.trace.TraceRequest;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.Status;
import org.HdrHistogram.Histogram;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Replays a Mooncake-format trace against a pool as inference engines use it: per request, a longest-prefix lookup
 * of its blocks, a get of the leading hits (every byte checked against what the block's writer put), and a put of
 * the rest. Requests are dealt round-robin to the client threads (request i to client i mod N), each with its own
 * connection, in trace order; with a speed, each request waits for its trace time divided by the speed.
 * Not thread-safe: one replay at a time.
 */
public final class TraceReplay
{
    private final List<TraceRequest> requests;
    private final Settings settings;

    /**
     * @param blockSizeBytes bytes of KV per prefix block.
     * @param clients        client threads.
     * @param speed          0: as fast as possible; else trace time / speed.
     * @param prefillRate    prefill tokens per second the saving is stated at.
     * @param tokensPerBlock tokens per prefix block.
     */
    public record Settings(long blockSizeBytes, int clients, double speed, double prefillRate, int tokensPerBlock)
    {
        public Settings
        {
            if (blockSizeBytes < 1 || clients < 1 || clients > 256 || speed < 0 || !(prefillRate > 0) ||
                tokensPerBlock < 1)
            {
                throw new IllegalArgumentException("blockSizeBytes=" + blockSizeBytes + " clients=" + clients +
                    " speed=" + speed + " prefillRate=" + prefillRate + " tokensPerBlock=" + tokensPerBlock +
                    ": need blockSizeBytes >= 1, 1 <= clients <= 256, speed >= 0, prefillRate > 0, " +
                    "tokensPerBlock >= 1");
            }
        }
    }

    public TraceReplay(final List<TraceRequest> requests, final Settings settings)
    {
        this.requests = List.copyOf(requests);
        this.settings = settings;
    }

    /**
     * Runs the replay.
     *
     * @param connect        opens one client connection (called once per client thread).
     * @param namespace      the namespace to use (it must exist with {@link Settings#blockSizeBytes()}).
     * @param traceName      for the report.
     * @param capacityBlocks the namespace's capacity, for the report and the LRU reference.
     * @param evictions      reads the pool's eviction count (called before and after).
     * @param progress       receives the number of requests done so far, from any thread.
     */
    public ReplayReport run(
        final Supplier<KvPool> connect, final String namespace, final String traceName, final long capacityBlocks,
        final LongSupplier evictions, final LongConsumer progress) throws InterruptedException
    {
        final int clients = Math.min(settings.clients(), Math.max(1, requests.size()));
        final List<Client> running = new ArrayList<>();
        final AtomicLong done = new AtomicLong();
        final long evictionsBefore = evictions.getAsLong();
        final long startNs = System.nanoTime();
        for (int c = 0; c < clients; c++)
        {
            final Client client = new Client(c, clients, connect, namespace, startNs, done, progress);
            running.add(client);
            client.thread.start();
        }
        for (final Client client : running)
        {
            client.thread.join();
        }
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        for (final Client client : running)
        {
            if (client.failure != null)
            {
                throw new IllegalStateException("client " + client.id + " failed: " + client.failure, client.failure);
            }
        }
        final Client total = running.getFirst();
        for (final Client client : running.subList(1, running.size()))
        {
            total.add(client);
        }
        final LruSimulator.Result lru = LruSimulator.simulate(requests, capacityBlocks);
        return new ReplayReport(traceName, requests.size(), clients, settings.blockSizeBytes(),
            settings.tokensPerBlock(), capacityBlocks, total.transport, total.blocksRequested, total.blocksHit,
            total.blocksRequested == 0 ? 0 : (double)total.blocksHit / total.blocksRequested, lru.hitRate(),
            total.blocksStored, Map.copyOf(total.putFailures), evictions.getAsLong() - evictionsBefore,
            total.corrupt, total.bytesRead, total.bytesWritten, seconds, requests.size() / seconds,
            (total.bytesRead + total.bytesWritten) / seconds / 1e9, ReplayReport.Latency.of(total.getLatency),
            ReplayReport.Latency.of(total.putLatency),
            settings.prefillRate(), total.blocksHit * (double)settings.tokensPerBlock() / settings.prefillRate(),
            settings.speed());
    }

    /** One client thread and its tallies. */
    private final class Client
    {
        final int id;
        final Thread thread;
        final Histogram getLatency = new Histogram(3_600_000_000L, 3);
        final Histogram putLatency = new Histogram(3_600_000_000L, 3);
        long blocksRequested;
        long blocksHit;
        long blocksStored;
        /** Blocks a put did not store, by status (the batch's other blocks may have been stored). */
        final Map<String, Long> putFailures = new TreeMap<>();
        long corrupt;
        long bytesRead;
        long bytesWritten;
        String transport;
        Throwable failure;

        Client(
            final int id, final int clients, final Supplier<KvPool> connect, final String namespace,
            final long startNs, final AtomicLong done, final LongConsumer progress)
        {
            this.id = id;
            this.thread = new Thread(() ->
            {
                try
                {
                    replay(clients, connect, namespace, startNs, done, progress);
                }
                catch (final Throwable ex)
                {
                    failure = ex;
                }
            }, "replay-client-" + id);
        }

        private void replay(
            final int clients, final Supplier<KvPool> connect, final String namespace, final long startNs,
            final AtomicLong done, final LongConsumer progress) throws InterruptedException
        {
            final int longest = requests.stream().mapToInt(r -> r.hashIds().length).max().orElse(0);
            try (KvPool pool = connect.get();
                 Arena arena = Arena.ofConfined())
            {
                final KvNamespace ns = pool.namespace(namespace, settings.blockSizeBytes());
                transport = pool.transportChoice();
                final MemorySegment[] buffers = new MemorySegment[Math.max(1, longest)];
                for (int i = 0; i < buffers.length; i++)
                {
                    buffers[i] = arena.allocate(settings.blockSizeBytes(), 4096);
                }
                final MemorySegment expected = arena.allocate(settings.blockSizeBytes(), 4096);
                for (int r = id; r < requests.size(); r += clients)
                {
                    final TraceRequest request = requests.get(r);
                    if (settings.speed() > 0)
                    {
                        final long dueNs = startNs + (long)(request.timestampMs() * 1e6 / settings.speed());
                        final long waitNs = dueNs - System.nanoTime();
                        if (waitNs > 0)
                        {
                            TimeUnit.NANOSECONDS.sleep(waitNs);
                        }
                    }
                    one(ns, request.hashIds(), buffers, expected);
                    progress.accept(done.incrementAndGet());
                }
            }
        }

        private void one(
            final KvNamespace ns, final long[] ids, final MemorySegment[] buffers, final MemorySegment expected)
        {
            final int blocks = ids.length;
            if (blocks == 0)
            {
                return;
            }
            final BlockKeys keys = MooncakeTrace.keys(ids, blocks);
            final int leading = ns.exists(keys);
            int served = 0;
            if (leading > 0)
            {
                final long start = System.nanoTime();
                final BatchResult got = ns.get(keys.prefix(leading), Arrays.copyOf(buffers, leading));
                getLatency.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
                served = got.leadingOk();
                bytesRead += got.bytes();
                for (int i = 0; i < served; i++)
                {
                    Payloads.fill(expected, ids[i]);
                    corrupt += buffers[i].asSlice(0, got.length(i)).mismatch(expected.asSlice(0, got.length(i)))
                        == -1 ? 0 : 1;
                }
            }
            // What was not served is stored: the blocks after the lookup's leading run, and any of the run that
            // went missing between the lookup and the get (evicted), from the first such block on.
            if (served < blocks)
            {
                final MemorySegment[] sources = Arrays.copyOf(buffers, blocks - served);
                for (int i = 0; i < sources.length; i++)
                {
                    Payloads.fill(sources[i], ids[served + i]);
                }
                final long start = System.nanoTime();
                final BatchResult put = ns.put(keys.suffix(served), sources);
                putLatency.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
                final int stored = put.okCount();
                for (int i = 0; i < put.size(); i++)
                {
                    if (put.status(i) != Status.OK)
                    {
                        putFailures.merge(Status.name(put.status(i)), 1L, Long::sum);
                    }
                }
                blocksStored += stored;
                bytesWritten += stored * settings.blockSizeBytes();
            }
            blocksRequested += blocks;
            blocksHit += served;
        }

        void add(final Client other)
        {
            blocksRequested += other.blocksRequested;
            blocksHit += other.blocksHit;
            blocksStored += other.blocksStored;
            other.putFailures.forEach((status, count) -> putFailures.merge(status, count, Long::sum));
            corrupt += other.corrupt;
            bytesRead += other.bytesRead;
            bytesWritten += other.bytesWritten;
            getLatency.add(other.getLatency);
            putLatency.add(other.putLatency);
        }
    }

    /**
     * @return a connection factory for a manager reached through the media driver in {@code aeronDir}.
     */
    public static Supplier<KvPool> connectTo(final Path aeronDir)
    {
        return () -> KvPool.connect(new KvPoolContext().aeronDir(aeronDir).clientName("replay")
            .connectTimeout(Duration.ofSeconds(30)));
    }
}
