package io.kvpool.bench.jmh;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.wire.BatchRequestDecoder;
import io.kvpool.protocol.wire.BatchRequestEncoder;
import io.kvpool.protocol.wire.BatchResponseDecoder;
import io.kvpool.protocol.wire.BatchResponseEncoder;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.protocol.wire.WireError;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The control protocol's codecs: a LOOKUP request of 32 keys encoded and decoded (validated first, as the manager
 * does), and its response of 32 locations encoded and decoded into the client's batch. One message = one
 * operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ProtocolBenchmark
{
    private static final int KEYS = 32;

    private final UnsafeBuffer request = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final UnsafeBuffer response = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final BlockBatch batch = new BlockBatch();
    private final BlockBatch decoded = new BlockBatch();
    private int requestLength;
    private int responseLength;

    @Setup
    public void setUp()
    {
        for (int i = 0; i < KEYS; i++)
        {
            final byte[] key = new byte[BlockBatch.KEY_BYTES];
            key[0] = (byte)i;
            key[31] = (byte)~i;
            batch.addKey(key);
            batch.status(i, Status.OK);
            batch.blockIndex(i, 1000 + i);
            batch.generation(i, 7);
            batch.offset(i, (1000L + i) << 16);
            batch.length(i, 65536);
        }
        requestLength = BatchRequestEncoder.encode(request, 0, MessageType.LOOKUP, 0, 1, 2, batch);
        responseLength = BatchResponseEncoder.encode(response, 0, 1, 2, KEYS, batch);
    }

    @Benchmark
    public int encodeRequest()
    {
        return BatchRequestEncoder.encode(request, 0, MessageType.LOOKUP, 0, 1, 2, batch);
    }

    @Benchmark
    public int decodeRequest()
    {
        if (BatchRequestDecoder.validate(request, 0, requestLength) != WireError.NONE)
        {
            throw new IllegalStateException("the request does not validate");
        }
        decoded.clear();
        BatchRequestDecoder.decode(request, 0, decoded);
        return decoded.size();
    }

    @Benchmark
    public int encodeResponse()
    {
        return BatchResponseEncoder.encode(response, 0, 1, 2, KEYS, batch);
    }

    @Benchmark
    public int decodeResponse()
    {
        return BatchResponseDecoder.decodeInto(response, 0, responseLength, batch);
    }
}
