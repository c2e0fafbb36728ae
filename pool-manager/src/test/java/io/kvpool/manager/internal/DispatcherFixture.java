package io.kvpool.manager.internal;

import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolCore;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.wire.BatchRequestEncoder;
import io.kvpool.protocol.wire.HelloFlyweight;
import io.kvpool.protocol.wire.HelloOkDecoder;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.transport.cxl.RegionSource;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A pool with two token-protected namespaces behind a dispatcher whose response channels record what is sent.
 */
final class DispatcherFixture implements AutoCloseable
{
    final Path directory;
    final PoolCore pool;
    final ManagerMetrics metrics = new ManagerMetrics();
    final SessionRegistry sessions = new SessionRegistry(1_000_000_000L);
    final List<RecordingChannel> channels = new ArrayList<>();
    final RequestDispatcher dispatcher;
    final ExpandableArrayBuffer request = new ExpandableArrayBuffer(MessageHeader.MAX_FRAME_LENGTH);
    private long correlationId = 1;

    DispatcherFixture(final String adminToken)
    {
        try
        {
            directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-dispatch-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        pool = PoolCore.open(new PoolContext().regionSource(RegionSource.file(directory.resolve("region"), 16L << 20))
            .slabSizeBytes(2L << 20).minBlockSizeBytes(4096).maxNamespaces(8));
        pool.createNamespace("alpha", 64 * 1024, 0, 4, RequestDispatcher.sha256("alpha-token"));
        pool.createNamespace("beta", 64 * 1024, 0, 4, RequestDispatcher.sha256("beta-token"));
        dispatcher = new RequestDispatcher(pool, sessions, (channel, stream) ->
        {
            final RecordingChannel recording = new RecordingChannel(channel, stream);
            channels.add(recording);
            return recording;
        }, metrics, System::nanoTime, adminToken, "/dev/shm/region", 10_000_000_000L, 10_000_000_000L);
    }

    /**
     * Sends HELLO and returns the channel the answer went to.
     */
    RecordingChannel hello(final String namespace, final String token)
    {
        final int length = HelloFlyweight.encode(request, 0, correlationId++, 7, namespace, token, "aeron:ipc",
            "test");
        dispatcher.onMessage(request, 0, length);
        return channels.getLast();
    }

    /**
     * @return the session id a successful HELLO gave.
     */
    long session(final String namespace, final String token)
    {
        final RecordingChannel channel = hello(namespace, token);
        final UnsafeBuffer answer = channel.last();
        if (MessageHeader.templateId(answer, 0) != MessageType.HELLO_OK)
        {
            throw new AssertionError("HELLO refused: " + MessageType.name(MessageHeader.templateId(answer, 0)));
        }
        return HelloOkDecoder.decode(answer, 0, answer.capacity()).sessionId();
    }

    RecordingChannel channelOf(final long sessionId)
    {
        return (RecordingChannel)sessions.get(sessionId).channel();
    }

    /**
     * Sends a batch request and returns the answer.
     */
    UnsafeBuffer batch(final long sessionId, final int templateId, final int kind, final BlockBatch batch)
    {
        final int length = BatchRequestEncoder.encode(request, 0, templateId, kind,
            correlationId++, sessionId, batch);
        final RecordingChannel channel = channelOf(sessionId);
        final int before = channel.messages.size();
        dispatcher.onMessage(request, 0, length);
        if (channel.messages.size() != before + 1)
        {
            throw new AssertionError("expected exactly one answer, got " + (channel.messages.size() - before));
        }
        return channel.last();
    }

    long nextCorrelationId()
    {
        return correlationId++;
    }

    static BlockBatch keys(final int... values)
    {
        final BlockBatch batch = new BlockBatch();
        for (final int value : values)
        {
            final byte[] key = new byte[32];
            key[0] = (byte)value;
            key[1] = (byte)(value >> 8);
            key[2] = 0x5A;
            batch.addKey(key);
        }
        return batch;
    }

    @Override
    public void close()
    {
        pool.close();
        FileTrees.delete(directory);
    }
}
