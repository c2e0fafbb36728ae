package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.wire.BatchRequestEncoder;
import io.kvpool.protocol.wire.BatchResponseDecoder;
import io.kvpool.protocol.wire.ErrorFlyweight;
import io.kvpool.protocol.wire.HelloFlyweight;
import io.kvpool.protocol.wire.HelloOkDecoder;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.protocol.wire.SessionDescriptor;
import io.kvpool.protocol.wire.WireError;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control protocol over the manager's stream sockets (Unix-domain and TCP), as a client without Aeron uses it,
 * and what the manager does with a peer that sends garbage, floods it with connections, or stops reading.
 */
class StreamControlTest
{
    private final Path directory;
    private final PoolManager manager;
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(1 << 16);

    StreamControlTest() throws IOException
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-stream-");
        manager = PoolManager.launch(new ManagerContext().pool(new PoolContext()
                .regionFile(directory.resolve("region")).regionSizeBytes(32L << 20).slabSizeBytes(2L << 20)
                .prefault(false))
            .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1).adminToken("admin")
            .controlEndpoint("127.0.0.1:0").maxSessions(40)
            .addNamespace(new ManagerContext.NamespaceSpec("stream", 64 * 1024, 0, 0, "stream-token")));
    }

    @AfterEach
    void tearDown() throws IOException
    {
        manager.close();
        FileTrees.delete(directory);
    }

    @Test
    void shouldServeTheProtocolOnTheUnixSocketAndOverTcp() throws Exception
    {
        final Path socket = manager.controlSocket();
        assertEquals(directory.resolve("aeron.sock"), socket);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        for (final SocketChannel channel : List.of(unix(), tcp()))
        {
            try (channel)
            {
                final SessionDescriptor session = hello(channel, "stream", "stream-token");
                assertTrue(manager.description().contains("control socket " + socket), manager.description());
                assertEquals(64 * 1024, session.blockSizeBytes());
                assertTrue(session.geometry().namespaceTableOffset() > 0 && session.geometry().slabTableOffset() > 0,
                    "HELLO_OK carries the whole geometry: " + session.geometry());
                final BlockBatch keys = new BlockBatch();
                keys.addKey(new byte[32]);
                send(channel, BatchRequestEncoder.encode(out, 0, MessageType.LOOKUP, 0, 2, session.sessionId(),
                    keys));
                final UnsafeBuffer answer = receive(channel);
                assertEquals(MessageType.BATCH_RESPONSE, MessageHeader.templateId(answer, 0));
                final BlockBatch result = new BlockBatch();
                result.addZeroKey();
                BatchResponseDecoder.decodeInto(answer, 0, answer.capacity(), result);
                assertEquals(Status.NOT_FOUND, result.status(0));
            }
        }
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldAnswerEveryPipelinedRequestInOrder() throws Exception
    {
        try (SocketChannel channel = unix())
        {
            final SessionDescriptor session = hello(channel, "stream", "stream-token");
            // Far more frames in one write than the manager handles in one poll: none may wait for more bytes.
            final int requests = 300;
            final BlockBatch keys = new BlockBatch();
            keys.addKey(new byte[32]);
            int length = 0;
            for (int i = 0; i < requests; i++)
            {
                length += BatchRequestEncoder.encode(out, length, MessageType.LOOKUP, 0, 1000 + i,
                    session.sessionId(), keys);
            }
            send(channel, length);
            for (int i = 0; i < requests; i++)
            {
                final UnsafeBuffer answer = receive(channel);
                assertEquals(MessageType.BATCH_RESPONSE, MessageHeader.templateId(answer, 0));
                assertEquals(1000 + i, MessageHeader.correlationId(answer, 0), "answered in the order asked");
            }
        }
    }

    @Test
    void shouldAnswerBadFramesAndCloseWhereTheStreamCannotGoOn() throws Exception
    {
        try (SocketChannel channel = unix())
        {
            // An unknown template of a sound length: answered, and the connection goes on.
            MessageHeader.write(out, 0, 999, MessageHeader.LENGTH, 5, 0);
            send(channel, MessageHeader.LENGTH);
            assertEquals(WireError.UNKNOWN_TEMPLATE, errorCode(receive(channel)));
            assertNotNull(hello(channel, "stream", "stream-token"));
            // A wrong token: refused on the connection, which stays.
            assertEquals(WireError.NOT_AUTHORIZED, errorCode(helloAnswer(channel, "stream", "wrong")));
        }
        for (final int frameLength : new int[]{10, MessageHeader.MAX_FRAME_LENGTH + 1, 23, Integer.MAX_VALUE})
        {
            // On both sockets: the Unix-domain one and the TCP endpoint.
            try (SocketChannel channel = frameLength % 2 == 0 ? unix() : tcp())
            {
                MessageHeader.write(out, 0, MessageType.HELLO, frameLength, 6, 0);
                send(channel, MessageHeader.LENGTH);
                assertEquals(frameLength < MessageHeader.LENGTH ? WireError.TRUNCATED : WireError.OVERSIZED,
                    errorCode(receive(channel)));
                assertEquals(-1, channel.read(ByteBuffer.allocate(16)), "closed: the stream cannot be resynchronized");
            }
        }
        try (SocketChannel channel = unix())
        {
            // Half a frame, then gone: nothing to answer, nothing held.
            channel.write(ByteBuffer.wrap(new byte[10]));
        }
        assertServing();
    }

    @Test
    void shouldBoundConnectionsAndDropAPeerThatStopsReading() throws Exception
    {
        final List<SocketChannel> flood = new ArrayList<>();
        try
        {
            for (int i = 0; i < 60; i++)
            {
                flood.add(unix());
            }
            Thread.sleep(300);
            int refused = 0;
            for (final SocketChannel channel : flood)
            {
                channel.configureBlocking(false);
                refused += channel.read(ByteBuffer.allocate(1)) < 0 ? 1 : 0;
            }
            assertEquals(20, refused, "40 connections at most (the session limit), the rest closed at once");
        }
        finally
        {
            for (final SocketChannel channel : flood)
            {
                channel.close();
            }
        }
        // The flood's connections are gone; the manager notices on its next polls and takes new ones again.
        awaitServing();
        try (SocketChannel channel = unix())
        {
            final SessionDescriptor session = hello(channel, "stream", "stream-token");
            // Ask and never read: the answers pile up past the bound and the manager hangs up.
            MessageHeader.write(out, 0, MessageType.STATS, MessageHeader.LENGTH, 1, session.sessionId());
            final ByteBuffer request = ByteBuffer.allocate(MessageHeader.LENGTH);
            out.getBytes(0, request, 0, MessageHeader.LENGTH);
            channel.configureBlocking(false);
            boolean dropped = false;
            for (int i = 0; i < 400_000 && !dropped; i++)
            {
                request.rewind();
                try
                {
                    if (channel.write(request) == 0)
                    {
                        Thread.sleep(1);
                    }
                }
                catch (final IOException ex)
                {
                    dropped = true;
                }
            }
            assertTrue(dropped, "a peer that never reads is disconnected");
        }
        awaitServing();
    }

    private void awaitServing() throws Exception
    {
        final long deadlineNs = System.nanoTime() + 5_000_000_000L;
        while (true)
        {
            try
            {
                assertServing();
                return;
            }
            catch (final IOException ex)
            {
                if (System.nanoTime() > deadlineNs)
                {
                    throw ex;
                }
                Thread.sleep(20);
            }
        }
    }

    private void assertServing() throws Exception
    {
        try (SocketChannel channel = unix())
        {
            assertNotNull(hello(channel, "stream", "stream-token"), "the manager serves on");
        }
    }

    private SocketChannel unix() throws IOException
    {
        final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(manager.controlSocket()));
        return channel;
    }

    private SocketChannel tcp() throws IOException
    {
        final String endpoint = manager.controlEndpoint();
        final int colon = endpoint.lastIndexOf(':');
        return SocketChannel.open(new InetSocketAddress(endpoint.substring(0, colon),
            Integer.parseInt(endpoint.substring(colon + 1))));
    }

    private SessionDescriptor hello(final SocketChannel channel, final String namespace, final String token)
        throws IOException
    {
        final UnsafeBuffer answer = helloAnswer(channel, namespace, token);
        assertEquals(MessageType.HELLO_OK, MessageHeader.templateId(answer, 0));
        return HelloOkDecoder.decode(answer, 0, answer.capacity());
    }

    private UnsafeBuffer helloAnswer(final SocketChannel channel, final String namespace, final String token)
        throws IOException
    {
        send(channel, HelloFlyweight.encode(out, 0, 1, 0, namespace, token, "ignored", "stream-test"));
        return receive(channel);
    }

    private void send(final SocketChannel channel, final int length) throws IOException
    {
        final ByteBuffer bytes = ByteBuffer.allocate(length);
        out.getBytes(0, bytes, 0, length);
        while (bytes.hasRemaining())
        {
            channel.write(bytes);
        }
    }

    private static UnsafeBuffer receive(final SocketChannel channel) throws IOException
    {
        final ByteBuffer head = ByteBuffer.allocate(MessageHeader.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, head);
        final int length = head.getInt(4);
        final ByteBuffer frame = ByteBuffer.allocate(length);
        frame.put(head.array());
        readFully(channel, frame);
        return new UnsafeBuffer(frame.array());
    }

    private static void readFully(final SocketChannel channel, final ByteBuffer buffer) throws IOException
    {
        while (buffer.hasRemaining())
        {
            if (channel.read(buffer) < 0)
            {
                throw new IOException("closed by the manager");
            }
        }
    }

    private static int errorCode(final UnsafeBuffer answer)
    {
        assertEquals(MessageType.ERROR, MessageHeader.templateId(answer, 0));
        final ErrorFlyweight error = new ErrorFlyweight();
        error.wrap(answer, 0, answer.capacity());
        return error.code();
    }
}
