package io.kvpool.client.transport;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.kvpool.client.internal.EmbeddedDrivers;
import io.kvpool.protocol.AeronTimeouts;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.protocol.wire.DataEncoder;

/**
 * Where an {@link AeronBlockTransport}'s Aeron comes from: the media driver it embeds (when the context names a
 * directory for one), its Aeron client, and the channel of its publication to the manager's data stream. Stateless.
 */
final class DataAeron
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.client.aeron");

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
}
