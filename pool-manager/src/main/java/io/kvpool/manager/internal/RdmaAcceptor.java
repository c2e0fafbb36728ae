package io.kvpool.manager.internal;

/**
 * The manager side of the RDMA data path, as the dispatcher sees it: connects a queue pair to a client's endpoint
 * and forgets it when the session ends. Implemented over libibverbs in transport-rdma; absent where the host has no
 * RDMA device. Called on the manager's thread only.
 */
public interface RdmaAcceptor extends AutoCloseable
{
    /**
     * @param sessionId      the session asking.
     * @param clientEndpoint the client's encoded endpoint.
     * @return the manager's encoded endpoint (with the region's key, base and length).
     * @throws RuntimeException when the endpoint is malformed or the queue pair cannot be connected.
     */
    byte[] accept(long sessionId, byte[] clientEndpoint);

    /**
     * Releases the session's queue pair, if any.
     */
    void disconnect(long sessionId);

    @Override
    void close();
}
