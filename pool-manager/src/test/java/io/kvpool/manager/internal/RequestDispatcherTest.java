package io.kvpool.manager.internal;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.wire.BatchRequestEncoder;
import io.kvpool.protocol.wire.BatchResponseDecoder;
import io.kvpool.protocol.wire.CreateNamespaceFlyweight;
import io.kvpool.protocol.wire.ErrorFlyweight;
import io.kvpool.protocol.wire.HelloFlyweight;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.protocol.wire.NamespaceOkDecoder;
import io.kvpool.protocol.wire.StatsResponseDecoder;
import io.kvpool.protocol.wire.StatsSnapshot;
import io.kvpool.protocol.wire.TokenProof;
import io.kvpool.protocol.wire.WireError;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.kvpool.manager.internal.DispatcherFixture.keys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestDispatcherTest
{
    private final DispatcherFixture fixture = new DispatcherFixture("admin-secret");

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldRefuseWrongTokenAndUnknownNamespaceAlikeAndCountBoth()
    {
        final UnsafeBuffer wrongToken = fixture.hello("alpha", "beta-token").last();
        final UnsafeBuffer unknown = fixture.hello("gamma", "whatever").last();
        for (final UnsafeBuffer answer : new UnsafeBuffer[]{wrongToken, unknown})
        {
            assertEquals(MessageType.ERROR, MessageHeader.templateId(answer, 0));
            final ErrorFlyweight error = new ErrorFlyweight();
            error.wrap(answer, 0, answer.capacity());
            assertEquals(WireError.NOT_AUTHORIZED, error.code());
            assertEquals("unknown namespace or wrong token", error.message());
        }
        assertEquals(2, fixture.metrics.rejected("not_authorized"));
        assertEquals(0, fixture.sessions.size(), "a refused HELLO opens no session");
        assertTrue(fixture.session("alpha", "alpha-token") != 0);
        assertEquals(1, fixture.sessions.size());
    }

    @Test
    void shouldBoundSessionsAndRefusalChannelsAndCountEveryRefusal()
    {
        fixture.dispatcher.limits(new SessionLimits(2, 2, 3));
        assertTrue(fixture.session("alpha", "alpha-token") != 0);
        assertTrue(fixture.session("beta", "beta-token") != 0);
        final UnsafeBuffer third = fixture.hello("alpha", "alpha-token").last();
        final ErrorFlyweight error = new ErrorFlyweight();
        error.wrap(third, 0, third.capacity());
        assertEquals(WireError.LIMIT_REACHED, error.code());
        assertTrue(error.message().contains("max-sessions"), error.message());
        assertEquals(2, fixture.sessions.size());

        // Refusals: three channels at once, each the manager's smallest; the rest counted and not answered.
        final int opened = fixture.channels.size();
        for (int i = 0; i < 10; i++)
        {
            fixture.hello("alpha", "wrong");
        }
        assertEquals(3, fixture.sessions.refusalsInFlight());
        assertEquals(opened + 2, fixture.channels.size(), "two more refusal channels (one already open)");
        for (int i = 1; i < fixture.channels.size(); i++)
        {
            final RecordingChannel channel = fixture.channels.get(i);
            assertTrue(channel.channel.equals("aeron:ipc?term-length=64k|sparse=true") ||
                channel.channel.equals("aeron:ipc?term-length=1m|sparse=true"), channel.channel);
        }
        assertEquals(10, fixture.metrics.rejected("not_authorized"));
        assertEquals(1, fixture.metrics.rejected("limit_reached"));
    }

    @Test
    void shouldRefuseReplayedStaleOrClearCredentials()
    {
        final byte[] credential = TokenProof.create("alpha-token", "alpha", System.currentTimeMillis());
        assertEquals(MessageType.HELLO_OK, helloWith("alpha", credential, HelloFlyweight.CREDENTIAL_PROOF));
        assertEquals(WireError.NOT_AUTHORIZED, errorOf(helloWith("alpha", credential,
            HelloFlyweight.CREDENTIAL_PROOF)), "the same credential again: a replay");
        final byte[] stale = TokenProof.create("alpha-token", "alpha",
            System.currentTimeMillis() - TokenProof.MAX_SKEW_MILLIS - 60_000);
        assertEquals(WireError.NOT_AUTHORIZED, errorOf(helloWith("alpha", stale, HelloFlyweight.CREDENTIAL_PROOF)));
        final byte[] forBeta = TokenProof.create("alpha-token", "beta", System.currentTimeMillis());
        assertEquals(WireError.NOT_AUTHORIZED, errorOf(helloWith("alpha", forBeta, HelloFlyweight.CREDENTIAL_PROOF)),
            "a proof made for another namespace");
        final byte[] clear = "alpha-token".getBytes(StandardCharsets.UTF_8);
        assertEquals(WireError.NOT_AUTHORIZED, errorOf(helloWith("alpha", clear, 0)), "a token in clear");
        assertEquals(1, fixture.sessions.size());
    }

    private int helloWith(final String namespace, final byte[] credential, final int kind)
    {
        final int length = HelloFlyweight.encode(fixture.request, 0, 9, 7, namespace, credential, "aeron:ipc", "t");
        fixture.request.putInt(MessageHeader.LENGTH + 4, kind, MessageHeader.ORDER);
        fixture.dispatcher.onMessage(fixture.request, 0, length);
        final UnsafeBuffer answer = fixture.channels.getLast().last();
        return MessageHeader.templateId(answer, 0);
    }

    private int errorOf(final int template)
    {
        assertEquals(MessageType.ERROR, template);
        final UnsafeBuffer answer = fixture.channels.getLast().last();
        final ErrorFlyweight error = new ErrorFlyweight();
        error.wrap(answer, 0, answer.capacity());
        return error.code();
    }

    @Test
    void shouldGiveNothingOfAnotherNamespace()
    {
        final long alpha = fixture.session("alpha", "alpha-token");
        final long beta = fixture.session("beta", "beta-token");
        final BlockBatch reserved = keys(1);
        decode(fixture.batch(beta, MessageType.RESERVE, 0, reserved), reserved);
        assertEquals(Status.OK, reserved.status(0));
        reserved.length(0, 100);
        decode(fixture.batch(beta, MessageType.COMMIT, 0, reserved), reserved);
        assertEquals(Status.OK, reserved.status(0));

        final BlockBatch lookup = keys(1);
        assertEquals(0, decode(fixture.batch(alpha, MessageType.LOOKUP, 0, lookup), lookup));
        assertEquals(Status.NOT_FOUND, lookup.status(0), "alpha does not see beta's key");
        final BlockBatch removal = keys(1);
        decode(fixture.batch(alpha, MessageType.REMOVE, 0, removal), removal);
        assertEquals(Status.NOT_FOUND, removal.status(0), "alpha cannot remove beta's key");

        final BlockBatch pins = keys(1);
        assertEquals(1, decode(fixture.batch(beta, MessageType.PIN, 0, pins), pins));
        final BlockBatch foreignUnpin = keys(1);
        foreignUnpin.pinId(0, pins.pinId(0));
        decode(fixture.batch(alpha, MessageType.UNPIN, 0, foreignUnpin), foreignUnpin);
        assertEquals(Status.UNKNOWN_PIN, foreignUnpin.status(0), "alpha cannot release beta's pin");

        final BlockBatch second = keys(2);
        decode(fixture.batch(beta, MessageType.RESERVE, 0, second), second);
        final BlockBatch foreignCommit = keys(2);
        foreignCommit.blockIndex(0, second.blockIndex(0));
        foreignCommit.generation(0, second.generation(0));
        decode(fixture.batch(alpha, MessageType.COMMIT, 0, foreignCommit), foreignCommit);
        assertEquals(Status.UNKNOWN_RESERVATION, foreignCommit.status(0), "alpha cannot seal beta's reservation");

        final BlockBatch stillThere = keys(1);
        assertEquals(1, decode(fixture.batch(beta, MessageType.LOOKUP, 0, stillThere), stillThere));

        final UnsafeBuffer stats = stats(alpha);
        final StatsSnapshot snapshot = StatsResponseDecoder.decode(stats, 0, stats.capacity());
        assertEquals(1, snapshot.pool().namespaces().size(), "a namespace session sees only its own figures");
        assertEquals("alpha", snapshot.pool().namespaces().getFirst().info().name());
    }

    @Test
    void shouldKeepAdminAndNamespaceSessionsToTheirOwnOperations()
    {
        final UnsafeBuffer badAdmin = fixture.hello("", "guess").last();
        assertEquals(WireError.NOT_AUTHORIZED, errorCode(badAdmin));
        final long admin = fixture.session("", "admin-secret");
        final long alpha = fixture.session("alpha", "alpha-token");

        assertEquals(WireError.NOT_AUTHORIZED, errorCode(fixture.batch(admin, MessageType.LOOKUP, 0, keys(1))));
        final UnsafeBuffer refused = createNamespace(alpha, "delta");
        assertEquals(WireError.NOT_AUTHORIZED, errorCode(refused));
        final UnsafeBuffer created = createNamespace(admin, "delta");
        assertEquals(MessageType.NAMESPACE_OK, MessageHeader.templateId(created, 0));
        assertEquals("delta", NamespaceOkDecoder.decode(created, 0, created.capacity()).name());
        assertEquals(ErrorCode.NAMESPACE_CONFLICT.code(), errorCode(createNamespace(admin, "alpha")));
        final StatsSnapshot all = StatsResponseDecoder.decode(stats(admin), 0, stats(admin).capacity());
        assertEquals(3, all.pool().namespaces().size());
        assertEquals(3, fixture.metrics.rejected("not_authorized"));
        assertEquals(1, fixture.metrics.rejected("refused"));
    }

    @Test
    void shouldAnswerMalformedRequestsOfKnownSessionsAndDropOthers()
    {
        final long alpha = fixture.session("alpha", "alpha-token");
        final RecordingChannel channel = fixture.channelOf(alpha);
        final BlockBatch batch = keys(1, 2);
        final int length = BatchRequestEncoder.encode(fixture.request, 0,
            MessageType.LOOKUP, 0, 42, alpha, batch);
        fixture.dispatcher.onMessage(fixture.request, 0, length - 5);
        assertEquals(WireError.TRUNCATED, errorCode(channel.last()));
        assertEquals(42, MessageHeader.correlationId(channel.last(), 0), "the error names the request");

        MessageHeader.frameLength(fixture.request, 0, length - 5);
        fixture.dispatcher.onMessage(fixture.request, 0, length - 5);
        assertEquals(WireError.MALFORMED, errorCode(channel.last()));

        MessageHeader.write(fixture.request, 0, MessageType.BATCH_RESPONSE, MessageHeader.LENGTH, 43, alpha);
        fixture.dispatcher.onMessage(fixture.request, 0, MessageHeader.LENGTH);
        assertEquals(WireError.UNKNOWN_TEMPLATE, errorCode(channel.last()));

        final int before = channel.messages.size();
        MessageHeader.write(fixture.request, 0, MessageType.STATS, MessageHeader.LENGTH, 44, alpha + 1);
        fixture.dispatcher.onMessage(fixture.request, 0, MessageHeader.LENGTH);
        assertEquals(before, channel.messages.size(), "nothing is sent for an unknown session");
        assertEquals(1, fixture.metrics.rejected("unknown_session"));
        assertEquals(1, fixture.metrics.rejected("truncated"));
        assertEquals(1, fixture.metrics.rejected("malformed"));
        assertEquals(1, fixture.metrics.rejected("unknown_template"));
    }

    @Test
    void shouldRefuseEverythingWithShuttingDownAfterShutdownBegins()
    {
        final long alpha = fixture.session("alpha", "alpha-token");
        fixture.dispatcher.shutDown();
        assertEquals(WireError.SHUTTING_DOWN, errorCode(fixture.batch(alpha, MessageType.LOOKUP, 0, keys(1))));
        assertEquals(WireError.SHUTTING_DOWN, errorCode(fixture.hello("alpha", "alpha-token").last()));
    }

    @Test
    void shouldRetryAnAnswerItsChannelQueuedFromEveryFlushOfQueuedSessions()
    {
        final long alpha = fixture.session("alpha", "alpha-token");
        final long beta = fixture.session("beta", "beta-token");
        final RecordingChannel pushingBack = fixture.channelOf(alpha);
        final RecordingChannel other = fixture.channelOf(beta);
        final int before = pushingBack.messages.size();
        assertEquals(0, fixture.sessions.flushQueued(), "nothing queued yet");
        assertEquals(0, pushingBack.flushes + other.flushes, "no channel is flushed while none queued");

        pushingBack.pushingBack = true;
        final long[] asked = new long[2];
        for (int i = 0; i < asked.length; i++)
        {
            asked[i] = fixture.nextCorrelationId();
            fixture.dispatcher.onMessage(fixture.request, 0, BatchRequestEncoder.encode(fixture.request, 0,
                MessageType.LOOKUP, 0, asked[i], alpha, keys(i)));
        }
        assertEquals(2, pushingBack.pending());
        assertEquals(0, fixture.sessions.flushQueued(), "still pushing back");
        assertEquals(1, pushingBack.flushes);
        pushingBack.pushingBack = false;
        assertEquals(2, fixture.sessions.flushQueued(), "both answers go on the next flush, not the next poll");
        assertEquals(before + 2, pushingBack.messages.size());
        for (int i = 0; i < asked.length; i++)
        {
            final UnsafeBuffer answer = pushingBack.messages.get(before + i);
            assertEquals(MessageType.BATCH_RESPONSE, MessageHeader.templateId(answer, 0));
            assertEquals(asked[i], MessageHeader.correlationId(answer, 0), "answers in the order asked");
        }
        assertEquals(0, fixture.sessions.flushQueued());
        assertEquals(2, pushingBack.flushes, "a drained session is flushed no more");
        assertEquals(0, other.flushes, "a session that never queued is never flushed");

        // A session closed with answers queued is dropped, not flushed.
        pushingBack.pushingBack = true;
        fixture.dispatcher.onMessage(fixture.request, 0, BatchRequestEncoder.encode(fixture.request, 0,
            MessageType.LOOKUP, 0, fixture.nextCorrelationId(), alpha, keys(3)));
        fixture.sessions.close(alpha);
        assertEquals(0, fixture.sessions.flushQueued());
        assertEquals(2, pushingBack.flushes);
    }

    private UnsafeBuffer createNamespace(final long session, final String name)
    {
        final int length = CreateNamespaceFlyweight.encode(fixture.request, 0, fixture.nextCorrelationId(), session,
            name, 128 * 1024, 0, 0, "delta-token");
        fixture.dispatcher.onMessage(fixture.request, 0, length);
        return fixture.channelOf(session).last();
    }

    private UnsafeBuffer stats(final long session)
    {
        final int length = MessageHeader.write(fixture.request, 0, MessageType.STATS, MessageHeader.LENGTH,
            fixture.nextCorrelationId(), session);
        fixture.dispatcher.onMessage(fixture.request, 0, length);
        return fixture.channelOf(session).last();
    }

    private static int decode(final UnsafeBuffer answer, final BlockBatch batch)
    {
        assertEquals(MessageType.BATCH_RESPONSE, MessageHeader.templateId(answer, 0), "got " +
            MessageType.name(MessageHeader.templateId(answer, 0)));
        return BatchResponseDecoder.decodeInto(answer, 0, answer.capacity(), batch);
    }

    private static int errorCode(final UnsafeBuffer answer)
    {
        assertEquals(MessageType.ERROR, MessageHeader.templateId(answer, 0));
        final ErrorFlyweight error = new ErrorFlyweight();
        assertEquals(WireError.NONE, error.wrap(answer, 0, answer.capacity()));
        return error.code();
    }
}
