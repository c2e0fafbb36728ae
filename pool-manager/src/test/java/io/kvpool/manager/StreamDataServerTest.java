package io.kvpool.manager;

import io.kvpool.manager.internal.StreamDataServer;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.wire.DataDecoder;
import io.kvpool.protocol.wire.DataEncoder;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.kvpool.manager.PoolFixture.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The manager's side of puts over TCP ({@link StreamDataServer}), driven by hand-made frames over real sockets:
 * bytes land only in blocks reserved with the generation named, every refusal is answered per entry, a connection
 * that breaks the protocol is closed without harm to the others, and a writer that dies, stalls or outlives its
 * session never keeps a block's write intent.
 */
class StreamDataServerTest
{
    private static final long BLOCK = 256 * 1024;
    private static final long SESSION = 0x5E55_1011L;
    private static final long STALL_NS = TimeUnit.MILLISECONDS.toNanos(300);

    private final PoolFixture fixture = new PoolFixture();
    private final Map<Long, Integer> live = new ConcurrentHashMap<>();
    private final Arena arena = Arena.ofConfined();
    private PoolCore pool;
    private int namespace;
    private StreamDataServer server;

    @BeforeEach
    void setUp() throws IOException
    {
        pool = PoolCore.open(fixture.context(16 * MIB));
        namespace = pool.createNamespace("m", BLOCK, 0, 2).id();
        live.put(SESSION, namespace);
        server = StreamDataServer.open("127.0.0.1", 0, pool.region().segment(), pool.geometry(), live, 4, STALL_NS,
            "test-data-tcp");
    }

    @AfterEach
    void tearDown()
    {
        server.close();
        pool.close();
        arena.close();
        fixture.close();
    }

    @Test
    void shouldStoreReservedBlocksAndAnswerEveryEntrysStatus() throws IOException
    {
        final BlockBatch reserved = reserve(0, 3);
        final MemorySegment payload = arena.allocate(BLOCK);
        Payloads.fill(payload, 7);
        try (SocketChannel channel = openSession())
        {
            // Entry 0 whole; entry 1 with a generation the block does not have; entry 2 past its block's end;
            // entry 3 announced by the end but never sent.
            write(channel, reserved, 0, reserved.generation(0), 0, payload, 0);
            write(channel, reserved, 1, reserved.generation(1) + 1, 0, payload, 1);
            write(channel, reserved, 2, reserved.generation(2), BLOCK - 100, payload.asSlice(0, 200), 2);
            assertArrayEquals(new int[]{Status.OK, Status.UNKNOWN_RESERVATION, Status.OUT_OF_RANGE,
                Status.TRANSPORT_FAILED}, end(channel, 41, 4));
            assertEquals(-1, block(reserved, 0).mismatch(payload), "stored whole");
            assertTrue(block(reserved, 1).mismatch(payload) >= 0, "nothing stored under the wrong generation");

            // The connection serves on: block 1 in two parts (two entries), then block 2.
            write(channel, reserved, 1, reserved.generation(1), 0, payload.asSlice(0, BLOCK / 2), 0);
            write(channel, reserved, 1, reserved.generation(1), BLOCK / 2, payload.asSlice(BLOCK / 2), 1);
            write(channel, reserved, 2, reserved.generation(2), 0, payload, 2);
            assertArrayEquals(new int[]{Status.OK, Status.OK, Status.OK}, end(channel, 42, 3));
            assertEquals(-1, block(reserved, 1).mismatch(payload));
            assertEquals(-1, block(reserved, 2).mismatch(payload));
        }
        for (int i = 0; i < 3; i++)
        {
            assertEquals(0, intent(reserved, i), "every intent withdrawn");
        }
    }

    @Test
    void shouldCloseConnectionsThatBreakTheProtocolAndServeTheOthers() throws IOException
    {
        final BlockBatch reserved = reserve(100, 1);
        final ByteBuffer frame = ByteBuffer.allocate(2048).order(ByteOrder.LITTLE_ENDIAN);
        final UnsafeBuffer view = new UnsafeBuffer(frame);
        try (SocketChannel good = openSession())
        {
            final List<Hostile> hostile = List.of(
                // Before a session: each is dropped by the acceptor, no thread ever made for it.
                (c, b) -> sendRaw(c, new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}),
                (c, b) -> sendFrame(c, b, writeHeader(b, SESSION, reserved, 0, 16)), // a write before DATA_OPEN
                (c, b) -> sendFrame(c, b, DataEncoder.encodeOpen(b, 1, SESSION + 1, 0, "tcp")), // unknown session
                (c, b) -> sendFrame(c, b, DataEncoder.encodeOpen(b, 1, SESSION, 0, "x".repeat(1100))), // oversized
                (c, b) ->
                {
                    // A write sent before the DATA_OPEN's answer came.
                    final int open = DataEncoder.encodeOpen(b, 1, SESSION, 0, "tcp");
                    DataEncoder.encodeWriteEnd(new UnsafeBuffer(b, open, 32), 2, SESSION, 0);
                    sendFrame(c, b, open + DataEncoder.COUNTED_HEADER_LENGTH);
                },
                // In a session: each is refused by the connection's thread.
                (c, b) ->
                {
                    open(c, b);
                    sendFrame(c, b, DataEncoder.encodeWriteEnd(b, 2, SESSION + 1, 0)); // another session's frame
                },
                (c, b) ->
                {
                    open(c, b);
                    sendFrame(c, b, DataEncoder.encodeOpen(b, 2, SESSION, 0, "tcp")); // a second DATA_OPEN
                },
                (c, b) ->
                {
                    open(c, b);
                    final int length = writeHeader(b, SESSION, reserved, 0, 16);
                    b.putInt(52, 17, MessageHeader.ORDER); // length that is not the frame's
                    sendFrame(c, b, length);
                },
                (c, b) ->
                {
                    open(c, b);
                    // More bytes than a slab holds: refused before a byte of them is read.
                    writeHeader(b, SESSION, reserved, 0, (int)(pool.geometry().slabSizeBytes() + 1));
                    sendFrame(c, b, DataEncoder.WRITE_HEADER_LENGTH);
                },
                (c, b) ->
                {
                    open(c, b);
                    final int length = writeHeader(b, SESSION, reserved, 0, 16);
                    b.putInt(48, TransferBatch.MAX_ENTRIES, MessageHeader.ORDER); // entry out of range
                    sendFrame(c, b, length);
                },
                (c, b) ->
                {
                    open(c, b);
                    sendFrame(c, b, DataEncoder.encodeReadHeader(b, 2, SESSION, 0)); // reads are Aeron's
                },
                (c, b) ->
                {
                    open(c, b);
                    MessageHeader.write(b, 0, MessageType.DATA_WRITE_END, 40, 2, SESSION); // end of 40 bytes
                    sendFrame(c, b, 40);
                },
                (c, b) ->
                {
                    open(c, b);
                    MessageHeader.write(b, 0, MessageType.DATA_WRITE, 8, 2, SESSION); // shorter than a header
                    sendFrame(c, b, MessageHeader.LENGTH);
                });
            for (int i = 0; i < hostile.size(); i++)
            {
                try (SocketChannel bad = connect())
                {
                    frame.clear();
                    hostile.get(i).send(bad, view);
                    assertTrue(closedByPeer(bad), "hostile input " + i + " closes its connection");
                }
            }
            final MemorySegment payload = arena.allocate(BLOCK);
            Payloads.fill(payload, 11);
            write(good, reserved, 0, reserved.generation(0), 0, payload, 0);
            assertArrayEquals(new int[]{Status.OK}, end(good, 5, 1), "the well-behaved connection still served");
            assertEquals(-1, block(reserved, 0).mismatch(payload));
        }
        assertEquals(0, intent(reserved, 0));
    }

    @Test
    void shouldWithdrawTheIntentOfAWriterThatDiesOrStallsInsideABlock() throws IOException
    {
        final BlockBatch reserved = reserve(200, 2);
        final MemorySegment payload = arena.allocate(BLOCK);
        try (SocketChannel dying = openSession())
        {
            sendPartOfBlock(dying, reserved, 0, payload);
            awaitTrue(() -> intent(reserved, 0) != 0, "the server began storing block 0");
        }
        awaitTrue(() -> intent(reserved, 0) == 0, "a writer that died mid-block withdraws its intent");

        try (SocketChannel stalled = openSession())
        {
            sendPartOfBlock(stalled, reserved, 1, payload);
            awaitTrue(() -> intent(reserved, 1) != 0, "the server began storing block 1");
            // Nothing more for longer than the stall timeout: the server hangs up and withdraws.
            assertTrue(closedByPeer(stalled), "a stalled writer is disconnected");
            awaitTrue(() -> intent(reserved, 1) == 0, "and its intent withdrawn");
        }
        awaitTrue(() -> server.connections() == 0, "every connection's thread ended");
    }

    @Test
    void shouldCloseConnectionsWithoutASessionAndThoseWhoseSessionEnded() throws IOException
    {
        try (SocketChannel silent = connect(); SocketChannel ended = openSession())
        {
            assertTrue(closedByPeer(silent), "no DATA_OPEN within the timeout");
            live.remove(SESSION);
            assertTrue(closedByPeer(ended), "its session closed by the control plane");
        }
    }

    @Test
    void shouldCloseConnectionsBeyondItsLimit() throws IOException
    {
        final SocketChannel[] open = new SocketChannel[4];
        try
        {
            for (int i = 0; i < open.length; i++)
            {
                open[i] = openSession();
            }
            try (SocketChannel fifth = connect())
            {
                assertTrue(closedByPeer(fifth), "beyond 4 connections");
            }
        }
        finally
        {
            for (final SocketChannel channel : open)
            {
                if (channel != null)
                {
                    channel.close();
                }
            }
        }
    }

    @Test
    void shouldStopEveryConnectionBeforeCloseReturns() throws IOException
    {
        final BlockBatch reserved = reserve(300, 1);
        try (SocketChannel writer = openSession())
        {
            sendPartOfBlock(writer, reserved, 0, arena.allocate(BLOCK));
            awaitTrue(() -> intent(reserved, 0) != 0, "the server began storing the block");
            server.close();
            assertEquals(0, intent(reserved, 0), "withdrawn before close returned: the region may go");
            assertEquals(0, server.connections());
        }
    }

    /** Something a hostile peer sends. */
    private interface Hostile
    {
        void send(SocketChannel channel, UnsafeBuffer frame) throws IOException;
    }

    private BlockBatch reserve(final long first, final int count)
    {
        final BlockBatch batch = new BlockBatch();
        for (int i = 0; i < count; i++)
        {
            batch.addKey(PoolFixture.key(first + i));
        }
        assertEquals(count, pool.reserve(namespace, batch));
        return batch;
    }

    private MemorySegment block(final BlockBatch reserved, final int i)
    {
        return pool.region().segment().asSlice(reserved.offset(i), BLOCK);
    }

    private int intent(final BlockBatch reserved, final int i)
    {
        return BlockTableDescriptor.writerIntent(pool.region().segment(),
            pool.geometry().blockEntryOffset(reserved.blockIndex(i)));
    }

    private SocketChannel connect() throws IOException
    {
        final SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()));
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return channel;
    }

    private SocketChannel openSession() throws IOException
    {
        final SocketChannel channel = connect();
        open(channel, new UnsafeBuffer(ByteBuffer.allocate(256)));
        return channel;
    }

    /** Sends a DATA_OPEN of the test's session and checks its answer. */
    private static void open(final SocketChannel channel, final UnsafeBuffer frame) throws IOException
    {
        sendFrame(channel, frame, DataEncoder.encodeOpen(frame, 9, SESSION, 0, "tcp"));
        final UnsafeBuffer done = receive(channel);
        assertEquals(MessageType.DATA_DONE, MessageHeader.templateId(done, 0));
        assertEquals(9, MessageHeader.correlationId(done, 0));
        assertEquals(0, DataDecoder.doneCount(done, 0, MessageHeader.frameLength(done, 0)));
    }

    private static int writeHeader(
        final UnsafeBuffer frame, final long session, final BlockBatch reserved, final int i, final int bytes)
    {
        DataEncoder.encodeWriteHeader(frame, 3, session, reserved.blockIndex(i), reserved.generation(i),
            reserved.offset(i), 0, bytes);
        return DataEncoder.WRITE_HEADER_LENGTH;
    }

    private static void write(
        final SocketChannel channel, final BlockBatch reserved, final int i, final long generation, final long at,
        final MemorySegment bytes, final int entry) throws IOException
    {
        final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocate(DataEncoder.WRITE_HEADER_LENGTH));
        DataEncoder.encodeWriteHeader(header, 3, SESSION, reserved.blockIndex(i), generation, reserved.offset(i) + at,
            entry, (int)bytes.byteSize());
        sendFrame(channel, header, DataEncoder.WRITE_HEADER_LENGTH);
        final ByteBuffer body = bytes.asByteBuffer();
        while (body.hasRemaining())
        {
            channel.write(body);
        }
    }

    private void sendPartOfBlock(
        final SocketChannel channel, final BlockBatch reserved, final int i, final MemorySegment payload)
        throws IOException
    {
        final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocate(DataEncoder.WRITE_HEADER_LENGTH));
        DataEncoder.encodeWriteHeader(header, 3, SESSION, reserved.blockIndex(i), reserved.generation(i),
            reserved.offset(i), 0, (int)BLOCK);
        sendFrame(channel, header, DataEncoder.WRITE_HEADER_LENGTH);
        final ByteBuffer half = payload.asSlice(0, BLOCK / 2).asByteBuffer();
        while (half.hasRemaining())
        {
            channel.write(half);
        }
    }

    private static int[] end(final SocketChannel channel, final long correlationId, final int count)
        throws IOException
    {
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocate(DataEncoder.COUNTED_HEADER_LENGTH));
        sendFrame(channel, frame, DataEncoder.encodeWriteEnd(frame, correlationId, SESSION, count));
        final UnsafeBuffer done = receive(channel);
        assertEquals(MessageType.DATA_DONE, MessageHeader.templateId(done, 0));
        assertEquals(correlationId, MessageHeader.correlationId(done, 0));
        final int[] statuses = new int[DataDecoder.doneCount(done, 0, MessageHeader.frameLength(done, 0))];
        for (int i = 0; i < statuses.length; i++)
        {
            statuses[i] = DataDecoder.doneStatus(done, 0, i);
        }
        return statuses;
    }

    private static void sendFrame(final SocketChannel channel, final UnsafeBuffer frame, final int length)
        throws IOException
    {
        final byte[] bytes = new byte[length];
        frame.getBytes(0, bytes);
        sendRaw(channel, bytes);
    }

    private static void sendRaw(final SocketChannel channel, final byte[] bytes) throws IOException
    {
        final ByteBuffer out = ByteBuffer.wrap(bytes);
        while (out.hasRemaining())
        {
            channel.write(out);
        }
    }

    private static UnsafeBuffer receive(final SocketChannel channel) throws IOException
    {
        final ByteBuffer in = ByteBuffer.allocate(MessageHeader.MAX_FRAME_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        in.limit(MessageHeader.LENGTH);
        readFully(channel, in);
        in.limit(in.getInt(MessageHeader.FRAME_LENGTH_OFFSET));
        readFully(channel, in);
        return new UnsafeBuffer(in.flip());
    }

    private static void readFully(final SocketChannel channel, final ByteBuffer in) throws IOException
    {
        while (in.hasRemaining())
        {
            if (channel.read(in) < 0)
            {
                throw new IOException("closed by the server");
            }
        }
    }

    /**
     * @return whether the server closed the connection (a read sees its end, or a reset) within 5 s; answers sent
     *         before are read past.
     */
    private static boolean closedByPeer(final SocketChannel channel)
    {
        try
        {
            channel.socket().setSoTimeout(5_000);
            final byte[] bytes = new byte[256];
            while (channel.socket().getInputStream().read(bytes) >= 0)
            {
                // An answer (DATA_DONE of a DATA_OPEN) before the hang-up.
            }
            return true;
        }
        catch (final SocketTimeoutException ex)
        {
            return false;
        }
        catch (final IOException ex)
        {
            return true; // reset
        }
    }

    private static void awaitTrue(final BooleanSupplier condition, final String what)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean() && System.nanoTime() - deadlineNs < 0)
        {
            Thread.onSpinWait();
        }
        assertTrue(condition.getAsBoolean(), what);
    }
}
