package io.kvpool.protocol.wire;

/**
 * The Aeron streams and channel both sides of the wire protocol must agree on (wire-protocol.md, Transport).
 */
public final class Streams
{
    /** The stream a manager takes control requests on, unless configured otherwise. */
    public static final int REQUEST_STREAM_ID = 1001;
    /** The data path's stream (DATA_* messages), for hosts that cannot map the region. */
    public static final int DATA_STREAM_ID = 1002;
    /** The control channel on the manager's host. */
    public static final String IPC_CHANNEL = "aeron:ipc?term-length=1m";

    private Streams()
    {
    }
}
