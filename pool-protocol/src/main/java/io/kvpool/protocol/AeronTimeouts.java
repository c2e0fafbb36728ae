package io.kvpool.protocol;

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
