package io.kvpool.protocol.transport;

import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.wire.SessionDescriptor;

import java.nio.file.Path;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * What a transport provider needs to probe and open a transport for a session.
 *
 * @param session          the control session (region identity, geometry, path hint).
 * @param sessionId        the current session id (it changes when the manager restarts).
 * @param managerEndpoint  the manager's UDP {@code host:port}, or {@code null} for IPC on its host.
 * @param responseHost     this host's address as the manager reaches it.
 * @param aeronDir         media driver directory for Aeron-based transports.
 * @param embeddedDriverDir a directory to run a media driver in (shared by the process's transports that name it),
 *                         or {@code null}.
 * @param regionPath       where this host sees the region, or {@code null} to search.
 * @param rdmaConnect      sends an RDMA endpoint (opaque bytes) to the manager over the control plane and returns
 *                         the manager's; throws where the manager has no RDMA.
 * @param aeronIdle        how Aeron-based transports (and their embedded drivers) wait for the manager.
 * @param maxDataLanes     the most Aeron data lanes this client opens where the manager serves several ({@link
 *                         #dataLanes()}).
 * @param tcpPuts          where puts' bytes go when the manager takes them over TCP too ({@link #tcpPutsOn}).
 */
public record TransportContext(
    SessionDescriptor session,
    LongSupplier sessionId,
    String managerEndpoint,
    String responseHost,
    Path aeronDir,
    Path embeddedDriverDir,
    Path regionPath,
    UnaryOperator<byte[]> rdmaConnect,
    AeronIdle aeronIdle,
    int maxDataLanes,
    TcpPuts tcpPuts)
{
    /**
     * @return the Aeron data lanes this client opens to the manager: 1 over IPC, else as many of the manager's
     *         lanes (its endpoint's, then {@link SessionDescriptor#dataLanePorts()}) as {@link #maxDataLanes} allows.
     */
    public int dataLanes()
    {
        return managerEndpoint == null ? 1 : Math.max(1, Math.min(session.dataLanePorts().size() + 1, maxDataLanes));
    }

    /**
     * @param lanes the data lanes the transport uses.
     * @return whether puts send their bytes over TCP: over UDP (not IPC), to a manager that takes them so, where
     *         {@link #tcpPuts} says so for that many lanes.
     */
    public boolean tcpPutsOn(final int lanes)
    {
        return managerEndpoint != null && session.tcpWrites() && tcpPuts.on(lanes);
    }
}
