package io.kvpool.cli;

import io.kvpool.client.BatchResult;
import io.kvpool.client.BlockKeys;
import io.kvpool.client.KvNamespace;
import io.kvpool.client.KvPool;
import io.kvpool.client.KvPoolContext;
import io.kvpool.cli.trace.MooncakeTrace;
import io.kvpool.cli.trace.TraceRequest;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Payloads;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * One engine process of {@code kvpool demo}: replays its share of a Mooncake trace (every request whose index
 * modulo the engine count is its id) against the pool, as an inference engine would: probe the prompt's blocks,
 * get the leading hits (every byte checked against what their writer put), put the rest. Prints progress lines
 * ({@code P <requests done>}) and a final {@code RESULT} line the demo aggregates.
 * <p>
 * Arguments: aeronDir namespace blockSizeBytes trace(|-sample) engineId engines limit transport(|auto).
 */
public final class DemoEngine
{
    /** Classpath resource of the shipped trace sample. */
    static final String SAMPLE = MooncakeTrace.SAMPLE;

    private DemoEngine()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path aeronDir = Path.of(args[0]);
        final String namespace = args[1];
        final long blockSizeBytes = Long.parseLong(args[2]);
        final String trace = args[3];
        final int engine = Integer.parseInt(args[4]);
        final int engines = Integer.parseInt(args[5]);
        final int limit = Integer.parseInt(args[6]);
        final String transport = args.length > 7 && !"auto".equals(args[7]) ? args[7] : null;
        final List<TraceRequest> all = load(trace, limit);

        final Histogram latency = new Histogram(3_600_000_000L, 3);
        long requests = 0;
        long blocksRequested = 0;
        long blocksHit = 0;
        long bytesServed = 0;
        long getNanos = 0;
        long corrupt = 0;
        long stored = 0;
        try (KvPool pool = KvPool.connect(new KvPoolContext().aeronDir(aeronDir).clientName("demo-engine-" + engine)
            .connectTimeout(Duration.ofSeconds(30)).transport(transport));
             Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = pool.namespace(namespace, blockSizeBytes);
            System.out.println("T " + pool.transportChoice());
            final MemorySegment[] buffers = new MemorySegment[BlockBatch.MAX_KEYS];
            for (int i = 0; i < buffers.length; i++)
            {
                buffers[i] = arena.allocate(blockSizeBytes, 4096);
            }
            final MemorySegment expected = arena.allocate(blockSizeBytes, 4096);
            for (int r = engine; r < all.size(); r += engines)
            {
                final long[] ids = all.get(r).hashIds();
                final int blocks = Math.min(ids.length, BlockBatch.MAX_KEYS);
                final BlockKeys keys = MooncakeTrace.keys(ids, blocks);
                final int leading = blocks == 0 ? 0 : ns.exists(keys);
                if (leading > 0)
                {
                    final long start = System.nanoTime();
                    final BatchResult got = ns.get(keys.prefix(leading), Arrays.copyOf(buffers, leading));
                    final long elapsed = System.nanoTime() - start;
                    getNanos += elapsed;
                    latency.recordValue(Math.max(1, elapsed / 1000));
                    final int served = got.leadingOk();
                    blocksHit += served;
                    bytesServed += got.bytes();
                    for (int i = 0; i < served; i++)
                    {
                        Payloads.fill(expected, ids[i]);
                        corrupt += buffers[i].mismatch(expected) == -1 ? 0 : 1;
                    }
                }
                if (leading < blocks)
                {
                    final BlockKeys missing = keys.suffix(leading);
                    final MemorySegment[] sources = Arrays.copyOf(buffers, blocks - leading);
                    for (int i = 0; i < sources.length; i++)
                    {
                        Payloads.fill(sources[i], ids[leading + i]);
                    }
                    stored += ns.put(missing, sources).okCount();
                }
                blocksRequested += blocks;
                requests++;
                if (requests % 25 == 0)
                {
                    System.out.println("P " + requests);
                }
            }
        }
        final ByteBuffer encoded = ByteBuffer.allocate(latency.getNeededByteBufferCapacity());
        final int length = latency.encodeIntoCompressedByteBuffer(encoded);
        System.out.println("RESULT " + requests + " " + blocksRequested + " " + blocksHit + " " + bytesServed + " " +
            getNanos + " " + corrupt + " " + stored + " " +
            Base64.getEncoder().encodeToString(Arrays.copyOf(encoded.array(), length)));
    }

    static List<TraceRequest> load(final String trace, final int limit) throws Exception
    {
        final List<TraceRequest> requests;
        try (BufferedReader reader = "-sample".equals(trace) ?
            new BufferedReader(new InputStreamReader(DemoEngine.class.getResourceAsStream(SAMPLE),
                StandardCharsets.UTF_8)) : Files.newBufferedReader(Path.of(trace)))
        {
            requests = MooncakeTrace.read(reader, trace, MooncakeTrace.OnMalformed.SKIP,
                warning -> System.err.println("skipped " + warning));
        }
        return limit > 0 && limit < requests.size() ? requests.subList(0, limit) : requests;
    }
}
