package io.kvpool.manager.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.wire.BatchRequestEncoder;
import io.kvpool.protocol.wire.BatchResponseDecoder;
import io.kvpool.protocol.wire.CreateNamespaceFlyweight;
import io.kvpool.protocol.wire.ErrorFlyweight;
import io.kvpool.protocol.wire.HelloFlyweight;
import io.kvpool.protocol.wire.HelloOkDecoder;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.protocol.wire.NamespaceOkDecoder;
import io.kvpool.protocol.wire.StatsResponseDecoder;
import io.kvpool.protocol.wire.WireError;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feeds the manager's request path with hostile input. Two drivers share one oracle: no exception escapes, a
 * message in a live session gets exactly one well-formed answer, and the pool's books still balance.
 * <ul>
 * <li>{@link #fuzzDispatcher(byte[])}: a Jazzer fuzz test, run with {@code JAZZER_FUZZ=1}. Jazzer 0.24's
 * instrumentation cannot read Java 25 class files (its ASM stops at "Unsupported class file major version 69"),
 * so on this JDK it runs uninstrumented and is left out of {@code ./kvpool test}.</li>
 * <li>{@link #shouldAnswerEverySeededMutationWithWellFormedMessage()}: a seeded random corpus (valid messages of
 * every type, mutated: bit flips, truncations, splices, forged lengths and counts), for machines where Jazzer's
 * agent cannot run. The seed is printed on failure.</li>
 * </ul>
 */
class DecoderFuzzTest
{
    private static DispatcherFixture fixture;
    private static long session;

    @BeforeAll
    static void startPool()
    {
        fixture = new DispatcherFixture("");
        session = fixture.session("alpha", "alpha-token");
    }

    @AfterAll
    static void stopPool()
    {
        fixture.close();
    }

    @FuzzTest(maxDuration = "30s")
    @EnabledIfEnvironmentVariable(named = "JAZZER_FUZZ", matches = ".+",
        disabledReason = "Jazzer 0.24 cannot instrument Java 25 classes (JAZZER_FUZZ=1 runs it uninstrumented); " +
            "shouldAnswerEverySeededMutationWithWellFormedMessage runs the seeded corpus instead")
    void fuzzDispatcher(final byte[] input)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[Math.max(input.length + 24, 64)]);
        // Point every input at the live session so that answers can be checked, whatever the fuzzer wrote there.
        buffer.putBytes(0, input);
        if (input.length >= MessageHeader.LENGTH)
        {
            buffer.putLong(MessageHeader.SESSION_ID_OFFSET, session, MessageHeader.ORDER);
        }
        deliverAndCheck(buffer, input.length);
    }

    @Test
    void shouldAnswerEverySeededMutationWithWellFormedMessage()
    {
        final long seed = Long.getLong("kvpool.fuzz.seed", System.nanoTime());
        final Random random = new Random(seed);
        final List<byte[]> corpus = validMessages();
        try
        {
            for (int i = 0; i < 20_000; i++)
            {
                final byte[] message = mutate(corpus.get(random.nextInt(corpus.size())), random);
                final UnsafeBuffer buffer = new UnsafeBuffer(message);
                if (message.length >= MessageHeader.LENGTH && random.nextInt(10) != 0)
                {
                    buffer.putLong(MessageHeader.SESSION_ID_OFFSET, session, MessageHeader.ORDER);
                }
                deliverAndCheck(buffer, message.length);
            }
        }
        catch (final AssertionError | RuntimeException ex)
        {
            throw new AssertionError("fuzz failure with -Dkvpool.fuzz.seed=" + seed + ": " + ex.getMessage(), ex);
        }
        final PoolStats stats = fixture.pool.stats();
        for (final PoolStats.Namespace ns : stats.namespaces())
        {
            assertEquals(ns.capacityBlocks(), ns.freeBlocks() + ns.writingBlocks() + ns.sealedBlocks());
        }
        assertTrue(fixture.metrics.rejectedTotal() > 1000, "the mutations were mostly refused");
        for (final RecordingChannel opened : fixture.channels)
        {
            assertTrue(opened.channel.matches("aeron:(ipc|udp\\?endpoint=[^|?]+)[?|]term-length=(1m|64k)\\|sparse=true"),
                "a channel with a parameter the manager did not choose: " + opened.channel);
        }
    }

    @Test
    void shouldAnswerEverySeededMutationOnAStreamConnection()
    {
        // The same corpus as it arrives on the control socket: the connection is where every answer goes.
        final long seed = Long.getLong("kvpool.fuzz.seed", System.nanoTime());
        final Random random = new Random(seed);
        final List<byte[]> corpus = validMessages();
        final RecordingChannel connection = new RecordingChannel("stream", 0);
        final int channelsBefore = fixture.channels.size();
        try
        {
            for (int i = 0; i < 5_000; i++)
            {
                final byte[] message = mutate(corpus.get(random.nextInt(corpus.size())), random);
                final int before = connection.messages.size();
                fixture.dispatcher.onMessage(new UnsafeBuffer(message), 0, message.length, connection);
                final boolean goodbye = message.length >= MessageHeader.LENGTH &&
                    MessageHeader.templateId(new UnsafeBuffer(message), 0) == MessageType.GOODBYE;
                if (!goodbye)
                {
                    assertTrue(connection.messages.size() >= before, "answers never vanish");
                }
                for (int m = before; m < connection.messages.size(); m++)
                {
                    checkWellFormed(connection.messages.get(m));
                }
            }
        }
        catch (final AssertionError | RuntimeException ex)
        {
            throw new AssertionError("fuzz failure with -Dkvpool.fuzz.seed=" + seed + ": " + ex.getMessage(), ex);
        }
        assertTrue(connection.messages.size() > 1000, "most mutations are answered on the connection");
        assertEquals(channelsBefore, fixture.channels.size(), "no publication is opened for a stream peer");
    }

    private static void deliverAndCheck(final UnsafeBuffer buffer, final int length)
    {
        final boolean forSession = length >= MessageHeader.LENGTH &&
            MessageHeader.sessionId(buffer, 0) == session && fixture.sessions.get(session) != null;
        final boolean hello = length >= MessageHeader.LENGTH &&
            MessageHeader.templateId(buffer, 0) == MessageType.HELLO;
        final boolean goodbye = forSession && MessageHeader.templateId(buffer, 0) == MessageType.GOODBYE &&
            MessageHeader.validate(buffer, 0, length) == WireError.NONE;
        final RecordingChannel channel = forSession ? fixture.channelOf(session) : null;
        final int before = channel == null ? 0 : channel.messages.size();
        fixture.dispatcher.onMessage(buffer, 0, length);
        if (goodbye)
        {
            session = fixture.session("alpha", "alpha-token");
            return;
        }
        if (channel != null && !hello)
        {
            assertEquals(before + 1, channel.messages.size(), "exactly one answer per request");
            checkWellFormed(channel.last());
        }
        if (hello && fixture.channels.getLast().messages.size() == 1)
        {
            checkWellFormed(fixture.channels.getLast().last());
        }
    }

    private static void checkWellFormed(final UnsafeBuffer answer)
    {
        final int length = answer.capacity();
        assertEquals(WireError.NONE, MessageHeader.validate(answer, 0, length));
        switch (MessageHeader.templateId(answer, 0))
        {
            case MessageType.ERROR ->
            {
                final ErrorFlyweight error = new ErrorFlyweight();
                assertEquals(WireError.NONE, error.wrap(answer, 0, length));
                assertTrue(error.code() != WireError.INTERNAL, "an internal error: " + error.message());
            }
            case MessageType.BATCH_RESPONSE ->
            {
                final BlockBatch batch = new BlockBatch();
                for (int i = answer.getInt(MessageHeader.LENGTH, MessageHeader.ORDER); i > 0; i--)
                {
                    batch.addZeroKey();
                }
                assertTrue(BatchResponseDecoder.decodeInto(answer, 0, length, batch) != Integer.MIN_VALUE);
            }
            case MessageType.HELLO_OK -> assertNotNull(HelloOkDecoder.decode(answer, 0,
                length));
            case MessageType.NAMESPACE_OK -> assertNotNull(NamespaceOkDecoder.decode(answer, 0, length));
            case MessageType.STATS_RESPONSE -> assertNotNull(StatsResponseDecoder.decode(answer, 0, length));
            default -> throw new AssertionError("unexpected answer " +
                MessageType.name(MessageHeader.templateId(answer, 0)));
        }
    }

    private static List<byte[]> validMessages()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(MessageHeader.MAX_FRAME_LENGTH);
        final List<byte[]> messages = new ArrayList<>();
        final BlockBatch batch = DispatcherFixture.keys(1, 2, 3, 4);
        for (int i = 0; i < batch.size(); i++)
        {
            batch.blockIndex(i, i * 3L);
            batch.generation(i, 1);
            batch.length(i, 100);
            batch.pinId(i, i);
        }
        for (final int template : new int[]{MessageType.LOOKUP, MessageType.LONGEST_PREFIX, MessageType.RESERVE,
            MessageType.PIN, MessageType.REMOVE, MessageType.COMMIT, MessageType.ABORT, MessageType.UNPIN})
        {
            messages.add(copy(buffer, BatchRequestEncoder.encode(buffer, 0, template, 0, 1, session, batch)));
        }
        messages.add(copy(buffer, BatchRequestEncoder.encode(buffer, 0, MessageType.RENEW, 1, 1, session, batch)));
        messages.add(copy(buffer, HelloFlyweight.encode(buffer, 0, 1, 5, "alpha", "alpha-token", "aeron:ipc", "f")));
        // Hostile response channels: the manager must choose every parameter of what it opens, or open nothing.
        for (final String channel : new String[]{"aeron:ipc?term-length=256m|sparse=false",
            "aeron:udp?endpoint=127.0.0.1:9|term-length=64m|sparse=false|mtu=65504",
            "aeron:udp?control=127.0.0.1:9|control-mode=dynamic", "aeron-spy:aeron:ipc", "aeron:tcp?endpoint=a:1",
            "aeron:udp?endpoint=h:1|alias=x|tags=1,2|session-id=7|init-term-id=1|term-id=1|term-offset=64"})
        {
            messages.add(copy(buffer, HelloFlyweight.encode(buffer, 0, 1, 5, "alpha", "alpha-token", channel, "f")));
            messages.add(copy(buffer, HelloFlyweight.encode(buffer, 0, 1, 5, "nope", "wrong", channel, "f")));
        }
        messages.add(copy(buffer, CreateNamespaceFlyweight.encode(buffer, 0, 1, session, "x", 65536, 0, 0, "")));
        messages.add(copy(buffer, MessageHeader.write(buffer, 0, MessageType.STATS, MessageHeader.LENGTH, 1,
            session)));
        messages.add(copy(buffer, ErrorFlyweight.encode(buffer, 0, 1, session, 5000, "a response sent as request")));
        return messages;
    }

    private static byte[] mutate(final byte[] original, final Random random)
    {
        byte[] message = original.clone();
        final int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++)
        {
            switch (random.nextInt(6))
            {
                case 0 -> message[random.nextInt(message.length)] ^= (byte)(1 << random.nextInt(8));
                case 1 -> message = Arrays.copyOf(message, random.nextInt(message.length + 1));
                case 2 -> message = Arrays.copyOf(message, message.length + random.nextInt(64));
                case 3 ->
                {
                    if (message.length >= 8)
                    {
                        final UnsafeBuffer view = new UnsafeBuffer(message);
                        view.putInt(MessageHeader.FRAME_LENGTH_OFFSET, random.nextBoolean() ? message.length :
                            random.nextInt(), MessageHeader.ORDER);
                    }
                }
                case 4 ->
                {
                    if (message.length >= MessageHeader.LENGTH + 8)
                    {
                        new UnsafeBuffer(message).putInt(MessageHeader.LENGTH, random.nextInt(2048) - 10,
                            MessageHeader.ORDER);
                    }
                }
                default ->
                {
                    if (message.length >= 2)
                    {
                        new UnsafeBuffer(message).putShort(0, (short)random.nextInt(64), MessageHeader.ORDER);
                    }
                }
            }
            if (message.length == 0)
            {
                break;
            }
        }
        return message;
    }

    private static byte[] copy(final ExpandableArrayBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }
}
