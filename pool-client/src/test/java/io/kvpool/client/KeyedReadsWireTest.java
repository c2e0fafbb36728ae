package io.kvpool.client;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.wire.DataDecoder;
import io.kvpool.protocol.wire.DataEncoder;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.protocol.wire.Streams;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.kvpool.client.ManagerFixture.key;
import static io.kvpool.client.ManagerFixture.keys;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DATA_READ_KEYS as a peer writes it byte by byte, straight onto the manager's data stream: malformed frames are
 * dropped without an answer and without wedging the session, and a well-formed one is answered per key — bytes and
 * location for a hit, INVALID_LENGTH where the reader's capacity is short, NOT_FOUND for a key of another namespace
 * (a session reads only its own) or one never stored.
 */
class KeyedReadsWireTest
{
    private static final int BLOCK_BYTES = 64 * 1024;
    private static final int RESPONSE_STREAM_ID = 4711;
    private final ManagerFixture fixture = new ManagerFixture(64L << 20);
    private final ExpandableArrayBuffer frame = new ExpandableArrayBuffer(64 * 1024);
    private final Map<Integer, ByteArrayOutputStream> chunks = new HashMap<>();
    private DirectBuffer lastDone;
    private int lastDoneTemplate;

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldDropMalformedKeyedReadsAndAnswerWellFormedOnesPerKey()
    {
        fixture.createNamespace("wire", BLOCK_BYTES, 0, "");
        fixture.createNamespace("other", BLOCK_BYTES, 0, "");
        try (Arena arena = Arena.ofConfined();
             KvPool local = KvPool.connect(fixture.poolContext());
             ManagerClient session = ManagerClient.connect(fixture.clientContext("wire", ""));
             Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(
                 fixture.directory.resolve("aeron").toString()));
             Publication data = aeron.addPublication(Streams.IPC_CHANNEL, Streams.DATA_STREAM_ID);
             Subscription replies = aeron.addSubscription("aeron:ipc", RESPONSE_STREAM_ID))
        {
            final MemorySegment full = arena.allocate(BLOCK_BYTES);
            final MemorySegment small = arena.allocate(100);
            Payloads.fill(full, 11);
            Payloads.fill(small, 12);
            assertEquals(2, local.namespace("wire", BLOCK_BYTES).put(keys(1, 2), new MemorySegment[] {full, small})
                .okCount());
            assertEquals(1, local.namespace("other", BLOCK_BYTES).put(keys(3, 1), new MemorySegment[] {full})
                .okCount());
            final long sessionId = session.session().sessionId();
            final FragmentAssembler assembler = new FragmentAssembler(this::onReply);

            send(data, DataEncoder.encodeOpen(frame, 1, sessionId, RESPONSE_STREAM_ID, "aeron:ipc"));
            awaitDone(replies, assembler, 1, MessageType.DATA_DONE);

            // Malformed: a count its length disagrees with, a negative count, a count past the batch limit, a
            // frame cut short of its count. None is answered.
            int length = DataEncoder.encodeReadKeysHeader(frame, 2, sessionId, 2);
            frame.putInt(24, 3, MessageHeader.ORDER);
            send(data, length);
            length = DataEncoder.encodeReadKeysHeader(frame, 3, sessionId, 0);
            frame.putInt(24, -1, MessageHeader.ORDER);
            send(data, length);
            length = DataEncoder.encodeReadKeysHeader(frame, 4, sessionId, 1);
            frame.putInt(24, DataEncoder.MAX_KEYED_ENTRIES + 1, MessageHeader.ORDER);
            send(data, length);
            length = DataEncoder.encodeReadKeysHeader(frame, 5, sessionId, 1);
            MessageHeader.frameLength(frame, 0, 28);
            send(data, 28);

            // Well formed: stored, stored but longer than its capacity, another namespace's, never stored, and a
            // negative capacity.
            length = DataEncoder.encodeReadKeysHeader(frame, 6, sessionId, 5);
            final long[] keyIds = {1, 2, 3, 4, 1};
            final int[] capacities = {BLOCK_BYTES, 99, BLOCK_BYTES, BLOCK_BYTES, -1};
            for (int i = 0; i < keyIds.length; i++)
            {
                DataEncoder.putReadKey(frame, i, key(keyIds[i]), 0, capacities[i]);
            }
            send(data, length);
            awaitDone(replies, assembler, 6, MessageType.DATA_KEYS_DONE);

            assertEquals(5, DataDecoder.keysDoneCount(lastDone, 0, lastDone.capacity()));
            final int[] expected = {Status.OK, Status.INVALID_LENGTH, Status.NOT_FOUND, Status.NOT_FOUND,
                Status.INVALID_LENGTH};
            for (int i = 0; i < expected.length; i++)
            {
                assertEquals(expected[i], DataDecoder.keysDoneStatus(lastDone, 0, i), "key " + i);
            }
            assertEquals(BLOCK_BYTES, DataDecoder.keysDoneLength(lastDone, 0, 0));
            assertEquals(Checksums.crc32c(full), DataDecoder.keysDoneChecksum(lastDone, 0, 0));
            assertTrue(DataDecoder.keysDoneBlockIndex(lastDone, 0, 0) >= 0);
            assertEquals(-1, DataDecoder.keysDoneBlockIndex(lastDone, 0, 1), "no location given with a refusal");
            assertArrayEquals(full.toArray(ValueLayout.JAVA_BYTE), chunks.get(0).toByteArray());
            assertEquals(1, chunks.size(), "bytes only for the key that fit");
        }
    }

    private void onReply(final DirectBuffer buffer, final int offset, final int length, final Header h)
    {
        final int template = MessageHeader.templateId(buffer, offset);
        if (template == MessageType.DATA_CHUNK)
        {
            final int entry = DataDecoder.chunkEntry(buffer, offset);
            final byte[] bytes = new byte[DataDecoder.chunkLength(buffer, offset)];
            buffer.getBytes(offset + DataEncoder.CHUNK_HEADER_LENGTH, bytes);
            chunks.computeIfAbsent(entry, e -> new ByteArrayOutputStream()).writeBytes(bytes);
        }
        else if (template == MessageType.DATA_DONE || template == MessageType.DATA_KEYS_DONE)
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            lastDone = new UnsafeBuffer(copy);
            lastDoneTemplate = template;
        }
    }

    /**
     * Polls until the answer to {@code correlationId} arrives; any earlier answer (to a malformed request) fails.
     */
    private void awaitDone(
        final Subscription replies, final FragmentAssembler assembler, final long correlationId, final int template)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lastDone == null)
        {
            replies.poll(assembler, 16);
            assertTrue(System.nanoTime() < deadlineNs, "no answer to request " + correlationId);
        }
        assertEquals(correlationId, MessageHeader.correlationId(lastDone, 0), "answered a malformed request");
        assertEquals(template, lastDoneTemplate);
        if (template == MessageType.DATA_DONE)
        {
            lastDone = null;
        }
    }

    private void send(final Publication publication, final int length)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (publication.offer(frame, 0, length) < 0)
        {
            assertTrue(System.nanoTime() < deadlineNs, "data stream not taking frames");
            Thread.onSpinWait();
        }
    }
}
