package io.kvpool.manager;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.AeronTimeouts;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Starting the Aeron side of a manager and of its data lanes: a media driver in a directory of its own, a client of
 * it, UDP endpoints. Stateless.
 */
final class AeronStart
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.manager");

    private AeronStart()
    {
    }

    /** The embedded media driver's duty cycle as one of the manager thread's agents (threading SHARED). */
    record InvokedDriver(AgentInvoker invoker) implements Agent
    {
        @Override
        public int doWork()
        {
            return invoker.invoke();
        }

        @Override
        public String roleName()
        {
            return "media-driver";
        }
    }

    /**
     * @param context         threading SHARED: the driver runs on the caller's thread ({@link ThreadingMode#INVOKER});
     *                        DEDICATED: on a thread each for its conductor, sender and receiver, the sender and
     *                        receiver waiting as {@link ManagerContext#idleStrategy()}, the conductor backing off.
     * @param driverTimeoutMs how long a client or the next manager waits for this one's media driver heartbeat
     *                        before calling it dead.
     */
    static MediaDriver launchDriver(
        final Path dir, final ManagerContext context, final long driverTimeoutMs)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(driverTimeoutMs * 2 + 1000);
        // A driver killed with the previous manager leaves its directory behind with a heartbeat that goes stale
        // within the driver timeout: wait that long before calling the directory busy.
        while (Files.exists(dir.resolve("cnc.dat")) &&
            CommonContext.isDriverActive(dir.toFile(), driverTimeoutMs, message -> { }))
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new PoolException(ErrorCode.SERVICE_START_FAILED, "a media driver is active in " + dir +
                    ": another manager is running there; stop it, or use --embedded-aeron-dir for another " +
                    "directory, or --aeron-dir to use that driver as an external one");
            }
            sleep(100);
        }
        // A client silent for two driver timeouts is gone (not Aeron's 10 s: a lost client's resources go sooner).
        final long livenessNs = AeronTimeouts.clientLivenessTimeoutNs(driverTimeoutMs, 0);
        return MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(dir.toString())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .driverTimeoutMs(driverTimeoutMs)
            .clientLivenessTimeoutNs(livenessNs)
            .publicationUnblockTimeoutNs(AeronTimeouts.publicationUnblockTimeoutNs(livenessNs))
            .threadingMode(context.threading() == ManagerContext.Threading.SHARED ? ThreadingMode.INVOKER :
                ThreadingMode.DEDICATED)
            .conductorIdleStrategy(AeronIdle.BACKOFF.strategy(context.idlePark().toNanos()))
            .senderIdleStrategy(context.idleStrategy())
            .receiverIdleStrategy(context.idleStrategy())
            .termBufferSparseFile(true)
            .warnIfDirectoryExists(false));
    }

    /**
     * @return an Aeron client of the driver in {@code dir}; one of an invoked driver (threading SHARED) drives it
     *         while it waits at start, as the driver has no thread of its own.
     */
    static Aeron connectAeron(final Path dir, final MediaDriver driver, final long driverTimeoutMs)
    {
        return Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(dir.toString())
            .driverAgentInvoker(driver == null ? null : driver.sharedAgentInvoker())
            .driverTimeoutMs(driverTimeoutMs * 5)
            .errorHandler(ex -> LOG.log(System.Logger.Level.ERROR, "aeron: " + ex, ex)));
    }

    /**
     * @return {@code host:port}, with port 0 replaced by a port free now.
     */
    static String concretePort(final String endpoint)
    {
        final int colon = endpoint.lastIndexOf(':');
        if (!endpoint.endsWith(":0"))
        {
            return endpoint;
        }
        final String host = endpoint.substring(0, colon);
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(host, 0)))
        {
            return host + ":" + socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new PoolException(ErrorCode.SERVICE_START_FAILED, "cannot find a free UDP port on " + host + ": " +
                ex);
        }
    }

    static String awaitResolvedEndpoint(final Subscription subscription)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String resolved;
        while ((resolved = subscription.resolvedEndpoint()) == null)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new PoolException(ErrorCode.SERVICE_START_FAILED, "UDP endpoint " +
                    ChannelUri.parse(subscription.channel()).get("endpoint") + " did not bind within 5 s");
            }
            sleep(10);
        }
        return resolved;
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new PoolException(ErrorCode.SERVICE_START_FAILED, "interrupted while starting");
        }
    }
}
