package io.kvpool.protocol.wire;

import io.kvpool.protocol.ErrorCode;

/**
 * Error codes of the wire protocol (range 5000-5999 of {@link ErrorCode}'s scheme), carried in ERROR messages.
 * Control-plane errors of other subsystems (e.g. {@code NAMESPACE_CONFLICT}, 2000) travel in ERROR messages with
 * their own numbers. A receiver keeps a number it does not know as that number.
 */
public final class WireError
{
    /** Not an error. */
    public static final int NONE = 0;
    /** Shorter than its header or than its frame length says. */
    public static final int TRUNCATED = 5000;
    /** Longer than {@link MessageHeader#MAX_FRAME_LENGTH}. */
    public static final int OVERSIZED = 5001;
    /** A field is inconsistent: body length does not match the entry count, a string runs past the frame, etc. */
    public static final int MALFORMED = 5002;
    /** A template id this version does not know, or one that is a response. */
    public static final int UNKNOWN_TEMPLATE = 5003;
    /** Another protocol version. */
    public static final int PROTOCOL_VERSION = 5004;
    /** A value out of range: more than 1024 entries, a block size of 0, a renew kind that does not exist. */
    public static final int OUT_OF_RANGE = 5005;
    /** The session id names no session: HELLO first, or HELLO again after a manager restart. */
    public static final int UNKNOWN_SESSION = 5006;
    /** Wrong token for the namespace, or an operation this session may not perform. */
    public static final int NOT_AUTHORIZED = 5007;
    /** The manager is shutting down; retry against its successor. */
    public static final int SHUTTING_DOWN = 5008;
    /** The request was valid but failed inside the manager; the message says why. */
    public static final int INTERNAL = 5009;
    /** The manager cannot serve this kind of request here (e.g. RDMA_CONNECT without an RDMA device). */
    public static final int UNSUPPORTED = 5010;
    /** The manager's limit on sessions (in all, or for the client's host) is reached; retry later or close some. */
    public static final int LIMIT_REACHED = 5011;

    private WireError()
    {
    }

    /**
     * @param code an error number.
     * @return its name: a wire error, an {@link ErrorCode}, or {@code ERROR(<n>)}.
     */
    public static String name(final int code)
    {
        return switch (code)
        {
            case NONE -> "NONE";
            case TRUNCATED -> "TRUNCATED";
            case OVERSIZED -> "OVERSIZED";
            case MALFORMED -> "MALFORMED";
            case UNKNOWN_TEMPLATE -> "UNKNOWN_TEMPLATE";
            case PROTOCOL_VERSION -> "PROTOCOL_VERSION";
            case OUT_OF_RANGE -> "OUT_OF_RANGE";
            case UNKNOWN_SESSION -> "UNKNOWN_SESSION";
            case NOT_AUTHORIZED -> "NOT_AUTHORIZED";
            case SHUTTING_DOWN -> "SHUTTING_DOWN";
            case INTERNAL -> "INTERNAL";
            case UNSUPPORTED -> "UNSUPPORTED";
            case LIMIT_REACHED -> "LIMIT_REACHED";
            default ->
            {
                final ErrorCode known = ErrorCode.of(code);
                yield known != null ? known.name() : "ERROR(" + code + ")";
            }
        };
    }
}
