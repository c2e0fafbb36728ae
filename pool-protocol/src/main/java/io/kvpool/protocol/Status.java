package io.kvpool.protocol;

/**
 * Per-key status codes returned by batch operations on the hot path. {@link #OK} is zero; every failure is a
 * negative constant, so a batch result can be checked with {@code status < 0} and never allocates.
 * <p>
 * The numbers are part of the wire contract: they are never renumbered, and a code this version does not know
 * passes through {@link #name(int)} as its number.
 */
public final class Status
{
    /** The operation succeeded for this key. */
    public static final int OK = 0;
    /** The key is not in the pool, or its block is not (yet, or any longer) sealed. */
    public static final int NOT_FOUND = -1;
    /** No block could be found or freed for the namespace: the pool or the namespace's quota is full of pinned or
     * in-flight blocks. Returned at once; nothing blocks. */
    public static final int INSUFFICIENT_CAPACITY = -2;
    /** The reservation or pin named by the request outlived its lease and was reclaimed. */
    public static final int LEASE_EXPIRED = -3;
    /** The reservation named by the request was never issued or has already been committed or aborted. */
    public static final int UNKNOWN_RESERVATION = -4;
    /** The key is already sealed in the pool; reserve returns this so the caller skips the write. */
    public static final int ALREADY_EXISTS = -5;
    /** Another writer holds a reservation for the key. */
    public static final int WRITE_IN_PROGRESS = -6;
    /** The block is pinned by a reader and cannot be removed now. */
    public static final int PINNED = -7;
    // -8 is retired (CLOSED: never sent; a closed client throws CLIENT_CLOSED) and is not reused.
    /** The pin named by the request was never issued or has already been released. */
    public static final int UNKNOWN_PIN = -9;
    /** The committed payload length is negative or larger than the namespace's block size. */
    public static final int INVALID_LENGTH = -10;
    /** Every pin slot is in use; release pins or raise the pin capacity. */
    public static final int PIN_CAPACITY_EXHAUSTED = -11;
    /** A transfer's range lies outside its block or the region. */
    public static final int OUT_OF_RANGE = -12;
    /** A transport could not move the bytes (peer gone, timeout, I/O error). */
    public static final int TRANSPORT_FAILED = -13;

    private Status()
    {
    }

    /**
     * Name of a status code, for logs and error messages.
     *
     * @param status code returned by an operation.
     * @return the constant's name, or {@code "STATUS(<n>)"} for a code this version does not know.
     */
    public static String name(final int status)
    {
        return switch (status)
        {
            case OK -> "OK";
            case NOT_FOUND -> "NOT_FOUND";
            case INSUFFICIENT_CAPACITY -> "INSUFFICIENT_CAPACITY";
            case LEASE_EXPIRED -> "LEASE_EXPIRED";
            case UNKNOWN_RESERVATION -> "UNKNOWN_RESERVATION";
            case ALREADY_EXISTS -> "ALREADY_EXISTS";
            case WRITE_IN_PROGRESS -> "WRITE_IN_PROGRESS";
            case PINNED -> "PINNED";
            case UNKNOWN_PIN -> "UNKNOWN_PIN";
            case INVALID_LENGTH -> "INVALID_LENGTH";
            case PIN_CAPACITY_EXHAUSTED -> "PIN_CAPACITY_EXHAUSTED";
            case OUT_OF_RANGE -> "OUT_OF_RANGE";
            case TRANSPORT_FAILED -> "TRANSPORT_FAILED";
            default -> "STATUS(" + status + ")";
        };
    }
}
