package io.kvpool.protocol.wire;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WireCodecTest
{
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(MessageHeader.MAX_FRAME_LENGTH);

    @Test
    void shouldRoundTripHello()
    {
        final int length = HelloFlyweight.encode(buffer, 0, 77, 4242, "llama", "s3cret", "aeron:ipc", "engine-1");
        assertEquals(WireError.NONE, MessageHeader.validate(buffer, 0, length));
        assertEquals(MessageType.HELLO, MessageHeader.templateId(buffer, 0));
        assertEquals(77, MessageHeader.correlationId(buffer, 0));
        final HelloFlyweight hello = new HelloFlyweight();
        assertEquals(WireError.NONE, hello.wrap(buffer, 0, length));
        assertEquals(4242, hello.responseStreamId());
        assertEquals("llama", hello.namespace());
        assertEquals(HelloFlyweight.CREDENTIAL_PROOF, hello.credentialKind());
        assertEquals(TokenProof.LENGTH, hello.credential().length);
        assertTrue(TokenProof.verify(hello.credential(), TokenProof.tokenHash("s3cret"), "llama"), "proves the token");
        assertFalse(TokenProof.verify(hello.credential(), TokenProof.tokenHash("s3cret"), "other"), "not another's");
        assertFalse(TokenProof.verify(hello.credential(), TokenProof.tokenHash("guess"), "llama"), "nor a guess");
        assertEquals(-1, indexOf(buffer.byteArray(), length, "s3cret".getBytes(StandardCharsets.UTF_8)),
            "the token itself never goes on the wire");
        assertEquals("aeron:ipc", hello.responseChannel());
        assertEquals("engine-1", hello.clientName());
        assertEquals(WireError.MALFORMED, hello.wrap(buffer, 0, length - 1));
    }

    private static int indexOf(final byte[] haystack, final int length, final byte[] needle)
    {
        for (int i = 0; i + needle.length <= length; i++)
        {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length))
            {
                return i;
            }
        }
        return -1;
    }

    @Test
    void shouldRoundTripHelloOk()
    {
        final RegionGeometry geometry = RegionGeometry.layout(64L << 20, 2L << 20, 4096, 8);
        final SessionDescriptor session = new SessionDescriptor(-5L, 3, 65536, 32, 7, UUID.randomUUID(),
            "/dev/shm/pool", geometry, 10_000_000_000L, 5_000_000_000L, List.of(40_101, 65_535),
            SessionDescriptor.FEATURE_KEYED_READS);
        final int length = HelloOkEncoder.encode(buffer, 0, 9, session);
        final SessionDescriptor decoded = HelloOkDecoder.decode(buffer, 0, length);
        assertEquals(session.sessionId(), decoded.sessionId());
        assertEquals(session.namespaceId(), decoded.namespaceId());
        assertEquals(session.blockSizeBytes(), decoded.blockSizeBytes());
        assertEquals(session.blocksPerSlab(), decoded.blocksPerSlab());
        assertEquals(session.regionUuid(), decoded.regionUuid());
        assertEquals(session.pathHint(), decoded.pathHint());
        assertEquals(geometry.dataOffset(), decoded.geometry().dataOffset());
        assertEquals(geometry.blockTableOffset(), decoded.geometry().blockTableOffset());
        assertEquals(geometry, decoded.geometry(), "the whole geometry, table offsets and namespace count too");
        assertEquals(geometry.maxBlocksPerSlab(), decoded.geometry().maxBlocksPerSlab());
        assertEquals(session.pinLeaseNs(), decoded.pinLeaseNs());
        assertEquals(List.of(40_101, 65_535), decoded.dataLanePorts());
        assertTrue(decoded.keyedReads());
        assertNull(HelloOkDecoder.decode(buffer, 0, length + 3));
        assertNull(HelloOkDecoder.decode(buffer, 0, length - 4), "a lane cut off");
        buffer.putInt(length - 4, 0, MessageHeader.ORDER);
        assertNull(HelloOkDecoder.decode(buffer, 0, length), "port 0");
        final SessionDescriptor oneLane = new SessionDescriptor(1L, 3, 65536, 32, 7, UUID.randomUUID(), "", geometry,
            1, 1, List.of(), 0);
        final SessionDescriptor older = HelloOkDecoder.decode(buffer, 0, HelloOkEncoder.encode(buffer, 0, 9, oneLane));
        assertEquals(List.of(), older.dataLanePorts());
        assertFalse(older.keyedReads(), "a manager from before keyed reads sends 0 there");
    }

    @Test
    void shouldRoundTripEveryBatchKind()
    {
        final BlockBatch batch = new BlockBatch();
        for (int i = 0; i < 1024; i++)
        {
            final byte[] key = new byte[32];
            key[0] = (byte)i;
            key[31] = (byte)(i >> 8);
            batch.addKey(key);
            batch.blockIndex(i, 1000 + i);
            batch.generation(i, 7L << 40 | i);
            batch.length(i, 4096 + i);
            batch.checksum(i, -i);
            batch.pinId(i, (long)i << 32 | 5);
        }
        for (final int template : new int[]{MessageType.LOOKUP, MessageType.RESERVE, MessageType.COMMIT,
            MessageType.ABORT, MessageType.UNPIN, MessageType.RENEW})
        {
            final int kind = template == MessageType.RENEW ? BatchRequestEncoder.RENEW_PINS : 0;
            final int length = BatchRequestEncoder.encode(buffer, 0, template, kind, 1, 2, batch);
            assertEquals(WireError.NONE, MessageHeader.validate(buffer, 0, length), MessageType.name(template));
            assertEquals(WireError.NONE, BatchRequestDecoder.validate(buffer, 0, length));
            final BlockBatch decoded = new BlockBatch();
            BatchRequestDecoder.decode(buffer, 0, decoded);
            assertEquals(1024, decoded.size());
            for (int i = 0; i < 1024; i += 97)
            {
                if (MessageType.isKeyBatch(template))
                {
                    assertArrayEquals(batch.key(i), decoded.key(i));
                }
                else if (template == MessageType.UNPIN || template == MessageType.RENEW)
                {
                    assertEquals(batch.pinId(i), decoded.pinId(i));
                }
                else
                {
                    assertEquals(batch.blockIndex(i), decoded.blockIndex(i));
                    assertEquals(batch.generation(i), decoded.generation(i));
                }
                if (template == MessageType.COMMIT)
                {
                    assertEquals(batch.length(i), decoded.length(i));
                    assertEquals(batch.checksum(i), decoded.checksum(i));
                }
            }
        }
    }

    @Test
    void shouldRoundTripGrantsAndKeyedCommits()
    {
        final BlockBatch batch = new BlockBatch();
        for (int i = 0; i < 40; i++)
        {
            final byte[] key = new byte[32];
            key[0] = (byte)(i + 1);
            key[31] = (byte)(7 * i);
            batch.addKey(key);
            batch.blockIndex(i, 500 + i);
            batch.generation(i, 3L << 40 | i);
            batch.length(i, 100 + i);
            batch.checksum(i, 31 * i);
        }
        int length = BatchRequestEncoder.encode(buffer, 0, MessageType.RESERVE, BatchRequestEncoder.GRANT, 1, 2,
            batch);
        assertEquals(BatchRequestEncoder.BODY_HEADER_LENGTH + MessageHeader.LENGTH, length, "a grant sends a count");
        assertEquals(WireError.NONE, BatchRequestDecoder.validate(buffer, 0, length));
        final BlockBatch grants = new BlockBatch();
        BatchRequestDecoder.decode(buffer, 0, grants);
        assertEquals(40, grants.size());
        assertArrayEquals(new byte[32], grants.key(39));

        length = BatchRequestEncoder.encode(buffer, 0, MessageType.COMMIT, BatchRequestEncoder.KEYED, 1, 2, batch);
        assertEquals(WireError.NONE, BatchRequestDecoder.validate(buffer, 0, length));
        final BlockBatch keyed = new BlockBatch();
        BatchRequestDecoder.decode(buffer, 0, keyed);
        for (int i = 0; i < 40; i++)
        {
            assertArrayEquals(batch.key(i), keyed.key(i));
            assertEquals(batch.blockIndex(i), keyed.blockIndex(i));
            assertEquals(batch.generation(i), keyed.generation(i));
            assertEquals(batch.length(i), keyed.length(i));
            assertEquals(batch.checksum(i), keyed.checksum(i));
        }
        assertEquals(WireError.MALFORMED, BatchRequestDecoder.validate(buffer, 0, length - 24),
            "a keyed commit's entries are 56 bytes");
        buffer.putInt(MessageHeader.LENGTH + 4, 2, MessageHeader.ORDER);
        assertEquals(WireError.OUT_OF_RANGE, BatchRequestDecoder.validate(buffer, 0, length), "no kind 2");
        BatchRequestEncoder.encode(buffer, 0, MessageType.LOOKUP, 0, 1, 2, batch);
        buffer.putInt(MessageHeader.LENGTH + 4, 1, MessageHeader.ORDER);
        assertEquals(WireError.OUT_OF_RANGE, BatchRequestDecoder.validate(buffer, 0,
            BatchRequestEncoder.frameLength(MessageType.LOOKUP, 0, 40)), "a lookup has one kind");
    }

    @Test
    void shouldRefuseBatchesWhoseCountOrLengthIsWrong()
    {
        final BlockBatch batch = new BlockBatch();
        batch.addKey(new byte[32]);
        final int length = BatchRequestEncoder.encode(buffer, 0, MessageType.LOOKUP, 0, 1, 2, batch);
        assertEquals(WireError.MALFORMED, BatchRequestDecoder.validate(buffer, 0, length - 1));
        buffer.putInt(MessageHeader.LENGTH, 1025, MessageHeader.ORDER);
        assertEquals(WireError.OUT_OF_RANGE, BatchRequestDecoder.validate(buffer, 0, length));
        buffer.putInt(MessageHeader.LENGTH, 1, MessageHeader.ORDER);
        buffer.putInt(MessageHeader.LENGTH + 4, 3, MessageHeader.ORDER);
        assertEquals(WireError.OUT_OF_RANGE, BatchRequestDecoder.validate(buffer, 0, length));
    }

    @Test
    void shouldRoundTripBatchResponse()
    {
        final BlockBatch batch = new BlockBatch();
        for (int i = 0; i < 3; i++)
        {
            batch.addKey(new byte[32]);
        }
        batch.status(0, Status.OK);
        batch.offset(0, 1L << 33);
        batch.status(1, Status.NOT_FOUND);
        batch.status(2, Status.LEASE_EXPIRED);
        batch.pinId(2, 99);
        final int length = BatchResponseEncoder.encode(buffer, 0, 5, 6, 1, batch);
        final BlockBatch decoded = new BlockBatch();
        for (int i = 0; i < 3; i++)
        {
            decoded.addKey(new byte[32]);
        }
        assertEquals(1, BatchResponseDecoder.decodeInto(buffer, 0, length, decoded));
        assertEquals(Status.OK, decoded.status(0));
        assertEquals(1L << 33, decoded.offset(0));
        assertEquals(Status.NOT_FOUND, decoded.status(1));
        assertEquals(Status.LEASE_EXPIRED, decoded.status(2));
        assertEquals(99, decoded.pinId(2));
        decoded.clear();
        assertEquals(Integer.MIN_VALUE, BatchResponseDecoder.decodeInto(buffer, 0, length, decoded),
            "a response for another batch size is refused");
    }

    @Test
    void shouldRoundTripErrorNamespaceAndStats()
    {
        int length = ErrorFlyweight.encode(buffer, 0, 3, 4, 7777, "from a newer peer");
        final ErrorFlyweight error = new ErrorFlyweight();
        assertEquals(WireError.NONE, error.wrap(buffer, 0, length));
        assertEquals(7777, error.code(), "unknown codes pass through as their number");
        assertEquals("ERROR(7777)", WireError.name(error.code()));
        assertEquals("from a newer peer", error.message());

        final NamespaceInfo info = new NamespaceInfo(4, "mistral-7b", 131072, 16, 1, 9);
        length = NamespaceOkEncoder.encode(buffer, 0, 1, 2, info);
        assertEquals(info, NamespaceOkDecoder.decode(buffer, 0, length));

        final PoolStats.Namespace ns = new PoolStats.Namespace(info, 3, 48, 10, 2, 36, 100, 20, 5, 1, 0, 4, 1, 6);
        final PoolStats pool = new PoolStats(1L << 30, 64L << 20, 15, 2, 2, 7, 38, 1234, List.of(ns));
        final StatsSnapshot snapshot = new StatsSnapshot(3, 2, 999, 4, pool);
        length = StatsResponseEncoder.encode(buffer, 0, 1, 2, snapshot);
        assertEquals(snapshot, StatsResponseDecoder.decode(buffer, 0, length));
    }

    @Test
    void shouldValidateHeaders()
    {
        final UnsafeBuffer small = new UnsafeBuffer(new byte[10]);
        assertEquals(WireError.TRUNCATED, MessageHeader.validate(small, 0, 10));
        assertEquals(WireError.OVERSIZED, MessageHeader.validate(buffer, 0, MessageHeader.MAX_FRAME_LENGTH + 1));
        MessageHeader.write(buffer, 0, 999, MessageHeader.LENGTH, 1, 1);
        assertEquals(WireError.UNKNOWN_TEMPLATE, MessageHeader.validate(buffer, 0, MessageHeader.LENGTH));
        MessageHeader.write(buffer, 0, MessageType.STATS, MessageHeader.LENGTH + 8, 1, 1);
        assertEquals(WireError.TRUNCATED, MessageHeader.validate(buffer, 0, MessageHeader.LENGTH));
        buffer.putShort(MessageHeader.VERSION_OFFSET, (short)(MessageHeader.PROTOCOL_VERSION + 1), MessageHeader.ORDER);
        assertEquals(WireError.PROTOCOL_VERSION, MessageHeader.validate(buffer, 0, MessageHeader.LENGTH + 8));
    }
}
