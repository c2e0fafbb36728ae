package io.kvpool.protocol;

/**
 * Stable numeric codes carried by {@link PoolException} on the control plane. Each subsystem owns a range:
 * <pre>
 *   1000-1999  region mapping and region format
 *   2000-2999  namespaces and quotas
 *   3000-3999  index and recovery
 *   4000-4999  configuration
 *   5000-5999  wire protocol (io.kvpool.protocol.wire.WireError)
 *   6000-6999  client connection
 * </pre>
 * Codes are never renumbered. A code from a newer peer that this version does not know is kept as its number by
 * {@link PoolException#code()}, and {@link #of(int)} answers {@code null} for it. Retired codes, never produced and
 * never to be reused: 1006 (prefaulting fails over to touching pages instead), 6001 (a request without an answer is
 * {@link #MANAGER_UNREACHABLE} or {@link #OUTCOME_UNKNOWN}).
 */
public enum ErrorCode
{
    /** The region's source could not be opened, sized or mapped (permissions, missing device, bad size). */
    REGION_MAP_FAILED(1000),
    /** The region does not start with the kvpool magic number: it was never formatted, or belongs to something
     * else. */
    REGION_BAD_MAGIC(1001),
    /** The region was formatted by an incompatible major version. */
    REGION_BAD_VERSION(1002),
    /** The region's recorded geometry disagrees with the requested one or with itself. */
    REGION_BAD_GEOMETRY(1003),
    /** The region (or its file) is shorter than its superblock says it is. */
    REGION_TRUNCATED(1004),
    /** Formatting was not requested but the region is empty, or formatting would destroy an existing pool. */
    REGION_NOT_FORMATTED(1005),

    /** A namespace with this name already exists with a different block size or quota. */
    NAMESPACE_CONFLICT(2000),
    /** No namespace has this name or id. */
    NAMESPACE_UNKNOWN(2001),
    /** Every namespace slot of the region is in use. */
    NAMESPACE_TABLE_FULL(2002),
    /** The namespace's block size or quota is out of range for this region's geometry. */
    NAMESPACE_INVALID(2003),
    /** The guaranteed minimum slabs of all namespaces would exceed the region's slab count. */
    QUOTA_OVERCOMMITTED(2004),

    /** The persistent index could not be created, opened or recovered. */
    INDEX_FAILED(3000),

    /** A configuration value is missing or out of range. */
    CONFIG_INVALID(4000),
    /** The service could not start: Aeron media driver, metrics endpoint, or a port already in use. */
    SERVICE_START_FAILED(4001),

    /** No manager answered within the connect timeout. */
    MANAGER_UNREACHABLE(6000),
    /** The manager restarted while a request that is not safe to repeat was in flight: its outcome is unknown. */
    OUTCOME_UNKNOWN(6002),
    /** The manager refused the request as a whole (the message carries its wire error). */
    REQUEST_REFUSED(6003),
    /** The client is closed. */
    CLIENT_CLOSED(6004);

    private final int code;

    ErrorCode(final int code)
    {
        this.code = code;
    }

    /**
     * @return the stable number of this code.
     */
    public int code()
    {
        return code;
    }

    /**
     * Looks a code up by number.
     *
     * @param code number received from a peer or read from a log.
     * @return the code, or {@code null} where this version does not know the number.
     */
    public static ErrorCode of(final int code)
    {
        for (final ErrorCode value : values())
        {
            if (value.code == code)
            {
                return value;
            }
        }
        return null;
    }
}
