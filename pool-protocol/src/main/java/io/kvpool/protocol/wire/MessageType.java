package io.kvpool.protocol.wire;

/**
 * Template ids of the control messages. Requests travel client -> manager, responses manager -> client; every
 * response echoes its request's correlation id. Never renumbered.
 */
public final class MessageType
{
    /** Opens a session: protocol version, namespace, token, response channel. Answered HELLO_OK or ERROR. */
    public static final int HELLO = 1;
    /** The session id, the namespace and the region descriptor (UUID, path hint, geometry). */
    public static final int HELLO_OK = 2;
    /** A request refused as a whole: error code and message. */
    public static final int ERROR = 3;
    /** Closes a session; its pins and reservations lapse with their leases. No answer. */
    public static final int GOODBYE = 4;

    /** Batch of keys: where are their sealed blocks. */
    public static final int LOOKUP = 10;
    /** Batch of keys: which are present (a probe: touches nothing). */
    public static final int CONTAINS = 19;
    /** Batch of keys: how many leading keys are present (a probe). */
    public static final int LONGEST_PREFIX = 11;
    /** Batch of keys: reserve blocks to write. */
    public static final int RESERVE = 12;
    /** Batch of keys: look up and pin. */
    public static final int PIN = 13;
    /** Batch of keys: remove. */
    public static final int REMOVE = 14;
    /** Batch of (block, generation, length, checksum): seal reservations. */
    public static final int COMMIT = 15;
    /** Batch of (block, generation): abandon reservations. */
    public static final int ABORT = 16;
    /** Batch of (block, generation) or pin ids: extend leases. */
    public static final int RENEW = 17;
    /** Batch of pin ids: release pins. */
    public static final int UNPIN = 18;
    /** Per-entry statuses and locations for any batch request. */
    public static final int BATCH_RESPONSE = 20;

    /** Creates a namespace (admin session only). */
    public static final int CREATE_NAMESPACE = 30;
    /** The namespace created (or found with the same layout). */
    public static final int NAMESPACE_OK = 31;

    /** Asks for the pool's figures. */
    public static final int STATS = 40;
    /** The pool's figures. */
    public static final int STATS_RESPONSE = 41;

    /** Data path (stream 1002): binds a session's data responses to a channel. Answered DATA_DONE of 0. */
    public static final int DATA_OPEN = 60;
    /** Data path: read ranges of sealed blocks. Answered by DATA_CHUNKs then DATA_DONE. */
    public static final int DATA_READ = 61;
    /** Data path: one chunk of bytes for a reserved block. */
    public static final int DATA_WRITE = 62;
    /** Data path: one chunk of a read. */
    public static final int DATA_CHUNK = 63;
    /** Data path: per-entry statuses of a read or a sequence of writes. */
    public static final int DATA_DONE = 64;
    /** Data path: ends a sequence of DATA_WRITEs. Answered DATA_DONE. */
    public static final int DATA_WRITE_END = 65;
    /**
     * Data path: look keys up in the session's namespace and read their blocks, in one exchange. Answered by
     * DATA_CHUNKs then DATA_KEYS_DONE.
     */
    public static final int DATA_READ_KEYS = 66;
    /** Data path: per-key status and location of a DATA_READ_KEYS. */
    public static final int DATA_KEYS_DONE = 67;

    /** Control: a client's RDMA endpoint (opaque to the protocol), asking the manager to connect a queue pair. */
    public static final int RDMA_CONNECT = 70;
    /** Control: the manager's RDMA endpoint with the region's key, base and length. */
    public static final int RDMA_ACCEPT = 71;

    private MessageType()
    {
    }

    /**
     * @param templateId a template id.
     * @return whether this version knows it.
     */
    public static boolean isKnown(final int templateId)
    {
        return switch (templateId)
        {
            case HELLO, HELLO_OK, ERROR, GOODBYE, LOOKUP, CONTAINS, LONGEST_PREFIX, RESERVE, PIN, REMOVE, COMMIT, ABORT, RENEW,
                 UNPIN, BATCH_RESPONSE, CREATE_NAMESPACE, NAMESPACE_OK, STATS, STATS_RESPONSE, DATA_OPEN, DATA_READ,
                 DATA_WRITE, DATA_CHUNK, DATA_DONE, DATA_WRITE_END, DATA_READ_KEYS, DATA_KEYS_DONE, RDMA_CONNECT,
                 RDMA_ACCEPT -> true;
            default -> false;
        };
    }

    /**
     * @param templateId a template id.
     * @return whether it is a batch request carrying keys (as opposed to reservations or pin ids).
     */
    public static boolean isKeyBatch(final int templateId)
    {
        return templateId == LOOKUP || templateId == CONTAINS || templateId == LONGEST_PREFIX || templateId == RESERVE || templateId == PIN ||
            templateId == REMOVE;
    }

    /**
     * @param templateId a template id.
     * @return whether it is any batch request.
     */
    public static boolean isBatchRequest(final int templateId)
    {
        return isKeyBatch(templateId) || templateId == COMMIT || templateId == ABORT || templateId == RENEW ||
            templateId == UNPIN;
    }

    /**
     * @param templateId a template id.
     * @return its name, or {@code TEMPLATE(<n>)}.
     */
    public static String name(final int templateId)
    {
        return switch (templateId)
        {
            case HELLO -> "HELLO";
            case HELLO_OK -> "HELLO_OK";
            case ERROR -> "ERROR";
            case GOODBYE -> "GOODBYE";
            case LOOKUP -> "LOOKUP";
            case CONTAINS -> "CONTAINS";
            case LONGEST_PREFIX -> "LONGEST_PREFIX";
            case RESERVE -> "RESERVE";
            case PIN -> "PIN";
            case REMOVE -> "REMOVE";
            case COMMIT -> "COMMIT";
            case ABORT -> "ABORT";
            case RENEW -> "RENEW";
            case UNPIN -> "UNPIN";
            case BATCH_RESPONSE -> "BATCH_RESPONSE";
            case CREATE_NAMESPACE -> "CREATE_NAMESPACE";
            case NAMESPACE_OK -> "NAMESPACE_OK";
            case STATS -> "STATS";
            case STATS_RESPONSE -> "STATS_RESPONSE";
            case DATA_OPEN -> "DATA_OPEN";
            case DATA_READ -> "DATA_READ";
            case DATA_WRITE -> "DATA_WRITE";
            case DATA_CHUNK -> "DATA_CHUNK";
            case DATA_DONE -> "DATA_DONE";
            case DATA_WRITE_END -> "DATA_WRITE_END";
            case DATA_READ_KEYS -> "DATA_READ_KEYS";
            case DATA_KEYS_DONE -> "DATA_KEYS_DONE";
            case RDMA_CONNECT -> "RDMA_CONNECT";
            case RDMA_ACCEPT -> "RDMA_ACCEPT";
            default -> "TEMPLATE(" + templateId + ")";
        };
    }
}
