package io.kvpool.protocol.wire;

import io.kvpool.protocol.RegionGeometry;

import java.util.List;
import java.util.UUID;

/**
 * What HELLO_OK tells a client: its session, its namespace, and how to find and map the region itself.
 *
 * @param sessionId          id to put in every request of the session.
 * @param namespaceId        the namespace of the session (0 for an admin session).
 * @param blockSizeBytes     the namespace's block size (0 for an admin session).
 * @param blocksPerSlab      blocks one slab holds for the namespace.
 * @param managerEpoch       epoch of the manager that answered; a new epoch means the manager restarted.
 * @param regionUuid         identity of the region: map it only where the mapped superblock has this UUID.
 * @param pathHint           the region's path on the manager's host (the same device may have another name here).
 * @param geometry           the region's layout.
 * @param reservationLeaseNs how long a reservation lives without renewal.
 * @param pinLeaseNs         how long a pin lives without renewal.
 * @param dataLanePorts      UDP ports of the manager's further data lanes, on the host of the endpoint the client
 *                           reached (empty: the one data path beside the control endpoint).
 * @param features           what the manager serves beyond this protocol version's base, as bits:
 *                           {@link #FEATURE_KEYED_READS}, {@link #FEATURE_GRANTS},
 *                           {@link #FEATURE_TCP_WRITES}. A manager from before a feature
 *                           sends 0 for it.
 */
public record SessionDescriptor(
    long sessionId,
    int namespaceId,
    long blockSizeBytes,
    int blocksPerSlab,
    long managerEpoch,
    UUID regionUuid,
    String pathHint,
    RegionGeometry geometry,
    long reservationLeaseNs,
    long pinLeaseNs,
    List<Integer> dataLanePorts,
    int features)
{
    /** Its data agents serve DATA_READ_KEYS (a get by key in one exchange on the data path). */
    public static final int FEATURE_KEYED_READS = 1;
    /** It grants blocks ahead of their keys (RESERVE of kind GRANT) and commits them with keys (COMMIT, KEYED). */
    public static final int FEATURE_GRANTS = 2;
    /**
     * It takes the bytes of remote puts over TCP, on the TCP port of each data lane's UDP port number (the endpoint's
     * and {@link #dataLanePorts}): transports.md, "Puts over TCP".
     */
    public static final int FEATURE_TCP_WRITES = 4;

    /** @return whether the manager serves DATA_READ_KEYS. */
    public boolean keyedReads()
    {
        return (features & FEATURE_KEYED_READS) != 0;
    }

    /** @return whether the manager grants blocks ahead of their keys. */
    public boolean grants()
    {
        return (features & FEATURE_GRANTS) != 0;
    }

    /** @return whether the manager takes the bytes of remote puts over TCP. */
    public boolean tcpWrites()
    {
        return (features & FEATURE_TCP_WRITES) != 0;
    }

    public SessionDescriptor
    {
        dataLanePorts = List.copyOf(dataLanePorts);
    }
}
