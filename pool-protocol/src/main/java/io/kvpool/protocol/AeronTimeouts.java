package io.kvpool.protocol;

import java.util.concurrent.TimeUnit;

/**
 * How long kvpool's Aeron clients and media drivers wait for one another's heartbeats before calling the other
 * side dead. Two seconds by default, so that a lost manager or client is noticed quickly. Hosts whose CPUs stall
 * for seconds at a time (emulated ones, as in the hardware rig; badly overloaded ones) raise it with
 * {@code -Dkvpool.aeron.driverTimeoutMs=MILLIS}; the manager, the client and their media drivers all read it.
 * Stateless and thread-safe.
 */
public final class AeronTimeouts
{
    /** The system property that sets {@link #driverTimeoutMs()}. */
    public static final String DRIVER_TIMEOUT_PROPERTY = "kvpool.aeron.driverTimeoutMs";
    /** {@link #driverTimeoutMs()} when the property is not set. */
    public static final long DEFAULT_DRIVER_TIMEOUT_MS = 2_000;
    /** Aeron's own default client liveness timeout: clients' embedded drivers keep at least this. */
    public static final long AERON_DEFAULT_CLIENT_LIVENESS_NS = TimeUnit.SECONDS.toNanos(10);

    private AeronTimeouts()
    {
    }

    /**
     * @return how long a client waits for its media driver's heartbeat, and (doubled) how long a driver keeps a
     * silent client: {@code kvpool.aeron.driverTimeoutMs}, else {@link #DEFAULT_DRIVER_TIMEOUT_MS}.
     * @throws IllegalArgumentException naming the property when it is not a positive number of milliseconds.
     */
    public static long driverTimeoutMs()
    {
        return parse(System.getProperty(DRIVER_TIMEOUT_PROPERTY));
    }

    /**
     * @param driverTimeoutMs a client's driver timeout.
     * @param floorNs         the least a driver should keep a silent client (Aeron's default is 10 s).
     * @return how long a media driver keeps a client that has stopped sending keepalives: twice the client's driver
     * timeout, and at least {@code floorNs}.
     */
    public static long clientLivenessTimeoutNs(final long driverTimeoutMs, final long floorNs)
    {
        return Math.max(floorNs, TimeUnit.MILLISECONDS.toNanos(2 * driverTimeoutMs));
    }

    /**
     * Aeron refuses to start a media driver whose publication unblock timeout is not longer than its client
     * liveness timeout: the unblock timeout must grow when the liveness timeout does.
     *
     * @param clientLivenessTimeoutNs the driver's client liveness timeout.
     * @return half as long again as {@code clientLivenessTimeoutNs}, and at least Aeron's default of 15 s.
     */
    public static long publicationUnblockTimeoutNs(final long clientLivenessTimeoutNs)
    {
        return Math.max(TimeUnit.SECONDS.toNanos(15), clientLivenessTimeoutNs + clientLivenessTimeoutNs / 2);
    }

    /**
     * @param value the property's text, or null when it is not set.
     * @return the timeout in milliseconds it gives.
     * @throws IllegalArgumentException naming the property when it is not a positive number of milliseconds.
     */
    static long parse(final String value)
    {
        if (value == null)
        {
            return DEFAULT_DRIVER_TIMEOUT_MS;
        }
        final long timeoutMs;
        try
        {
            timeoutMs = Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(DRIVER_TIMEOUT_PROPERTY + "=" + value +
                " is not a number of milliseconds", ex);
        }
        if (timeoutMs <= 0)
        {
            throw new IllegalArgumentException(DRIVER_TIMEOUT_PROPERTY + "=" + value + " must be positive");
        }
        return timeoutMs;
    }
}
