package io.kvpool.protocol;

/**
 * The one exception of the control plane: a stable numeric code and a message that names the likely cause and the
 * fix. Hot-path operations never throw it; they return {@link Status} codes.
 */
public final class PoolException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int code;

    /**
     * @param errorCode what went wrong.
     * @param message   the cause and the fix, with {@code name=value} pairs for the values involved.
     */
    public PoolException(final ErrorCode errorCode, final String message)
    {
        this(errorCode.code(), message, null);
    }

    /**
     * @param errorCode what went wrong.
     * @param message   the cause and the fix.
     * @param cause     the underlying failure.
     */
    public PoolException(final ErrorCode errorCode, final String message, final Throwable cause)
    {
        this(errorCode.code(), message, cause);
    }

    /**
     * For codes received from a peer, which may be unknown to this version.
     *
     * @param code    the number as received.
     * @param message the peer's message.
     * @param cause   the underlying failure, or {@code null}.
     */
    public PoolException(final int code, final String message, final Throwable cause)
    {
        super(message, cause);
        this.code = code;
    }

    /**
     * @return the stable number, known to this version or not.
     */
    public int code()
    {
        return code;
    }

    /**
     * @return the code, or {@code null} where the number came from a newer peer.
     */
    public ErrorCode errorCode()
    {
        return ErrorCode.of(code);
    }

    /**
     * @return the message without the code's name: what a manager sends a peer, whose own exception names the code.
     */
    public String detail()
    {
        return super.getMessage();
    }

    @Override
    public String getMessage()
    {
        // Names wire errors (5000s) and pool error codes alike; a number neither knows stays a number.
        return io.kvpool.protocol.wire.WireError.name(code) + ": " + super.getMessage();
    }
}
