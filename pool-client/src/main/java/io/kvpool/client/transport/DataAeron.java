package io.kvpool.client.transport;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.kvpool.client.internal.EmbeddedDrivers;
import io.kvpool.client.internal.UdpEndpoints;
import io.kvpool.protocol.AeronTimeouts;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.protocol.wire.DataEncoder;

import java.util.Random;

/**
 * Where an {@link AeronBlockTransport}'s Aeron comes from: the media driver it embeds (when the context names a
 * directory for one), its Aeron client, the channel of its publication to the manager's data stream, and the
 * subscription the manager answers on. Stateless.
 */
final class DataAeron
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.client.aeron");
    /** The stream a data session's answers come on over UDP (each on a port of its own). */
    private static final int UDP_REPLY_STREAM_ID = 3001;

    private DataAeron()
    {
    }

    /**
     * @return a lease on the embedded data driver of {@code context.embeddedDriverDir()} (its "-data" sibling),
     *         shared with every transport of this process that names the directory ({@link EmbeddedDrivers}).
     */
    static EmbeddedDrivers.Lease embeddedDriver(final TransportContext context)
    {
        final long livenessNs = AeronTimeouts.clientLivenessTimeoutNs(AeronTimeouts.driverTimeoutMs(),
            AeronTimeouts.AERON_DEFAULT_CLIENT_LIVENESS_NS);
        return EmbeddedDrivers.acquire(context.embeddedDriverDir().resolveSibling(
            context.embeddedDriverDir().getFileName() + "-data"), () -> new MediaDriver.Context()
            .clientLivenessTimeoutNs(livenessNs)
            .publicationUnblockTimeoutNs(AeronTimeouts.publicationUnblockTimeoutNs(livenessNs))
            .dirDeleteOnStart(true).dirDeleteOnShutdown(true)
            // One thread (spinning, if asked): a client may run one of these per data lane, and spinning
            // threads beyond the host's cores starve the ones with work.
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(context.aeronIdle().strategy(20_000))
            .termBufferSparseFile(true));
    }

    /**
     * @param driver the embedded driver's lease, or {@code null} for the context's Aeron directory.
     * @return an Aeron client of that driver.
     */
    static Aeron connect(final TransportContext context, final EmbeddedDrivers.Lease driver)
    {
        return Aeron.connect(new Aeron.Context().aeronDirectoryName(driver != null ?
            driver.aeronDirectoryName() : context.aeronDir().toString())
            .driverTimeoutMs(Math.max(5_000, AeronTimeouts.driverTimeoutMs()))
            // Aeron's default handler exits the JVM when the driver goes away; here that only fails transfers.
            .errorHandler(ex -> LOG.log(System.Logger.Level.DEBUG, "aeron: " + ex)));
    }

    /** @return the channel of the publication to the manager's data stream: IPC, or UDP to its endpoint. */
    static String publicationChannel(final TransportContext context)
    {
        return (context.managerEndpoint() == null ? "aeron:ipc?" :
            "aeron:udp?endpoint=" + context.managerEndpoint() + DataEncoder.SEND_PARAMS + "|") + "term-length=" +
            DataEncoder.termLength(context.dataLanes()) + "|mtu=" + DataEncoder.MTU;
    }

    /**
     * The subscription a data session's answers come on, and the stream and channel that DATA_OPEN names for them.
     */
    record Replies(Subscription subscription, int streamId, String channel)
    {
    }

    /**
     * Subscribes for a data session's answers: over IPC on a stream of this process's choosing, or over UDP on an
     * ephemeral port of the response host (with the window and socket buffer of {@link DataEncoder#RECEIVE_PARAMS}:
     * the whole window in flight, a 2 MiB block in the buffer), once the driver has bound it.
     *
     * @return the subscription, or {@code null} (none left open) where the UDP port was not bound within
     *         {@code timeoutNs}.
     */
    static Replies subscribeReplies(
        final Aeron aeron, final TransportContext context, final Random random, final long timeoutNs)
    {
        if (context.managerEndpoint() == null)
        {
            final int streamId = 100_000 + random.nextInt(1_000_000_000);
            return new Replies(aeron.addSubscription("aeron:ipc", streamId), streamId, "aeron:ipc");
        }
        final Subscription subscription = aeron.addSubscription("aeron:udp?endpoint=" + context.responseHost() +
            ":0" + DataEncoder.RECEIVE_PARAMS, UDP_REPLY_STREAM_ID);
        final String resolved = UdpEndpoints.awaitResolved(subscription, Thread::onSpinWait, timeoutNs);
        if (resolved == null)
        {
            subscription.close();
            return null;
        }
        return new Replies(subscription, UDP_REPLY_STREAM_ID,
            ChannelUri.parse("aeron:udp?endpoint=" + resolved + DataEncoder.SEND_PARAMS).toString());
    }
}
