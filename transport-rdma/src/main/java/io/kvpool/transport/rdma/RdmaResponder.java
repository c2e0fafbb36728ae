package io.kvpool.transport.rdma;

import io.kvpool.transport.rdma.internal.QueuePair;
import io.kvpool.transport.rdma.internal.RdmaDevice;
import io.kvpool.transport.rdma.internal.Verbs;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The manager's side of the one-sided RDMA data path: registers the whole region once (remote read and write),
 * and for each client session connects a reliable-connected queue pair to the client's endpoint. After that the
 * manager does nothing per transfer: clients READ and WRITE the region directly.
 * <p>
 * Access control is coarse, as RDMA's is: a client holding the region's rkey can address any byte of it; clients
 * check block generations themselves (stamps are read with the data). Sessions are authenticated (namespace token)
 * before a queue pair is made. Not thread-safe: the manager's thread.
 */
public final class RdmaResponder implements AutoCloseable
{
    private final RdmaDevice device;
    private final MemorySegment region;
    private final MemorySegment regionMr;
    private final Map<Long, QueuePair> queuePairs = new HashMap<>();

    private RdmaResponder(final RdmaDevice device, final MemorySegment region)
    {
        this.device = device;
        this.region = region;
        this.regionMr = device.register(region, Verbs.IBV_ACCESS_LOCAL_WRITE | Verbs.IBV_ACCESS_REMOTE_READ |
            Verbs.IBV_ACCESS_REMOTE_WRITE);
    }

    /**
     * Opens the device and registers the region, where this host has RDMA.
     *
     * @param deviceName a device name, or {@code null} for the first.
     * @return the responder, or empty when libibverbs or a device is missing (the reason goes to {@code why}: a
     *         few words where {@code deviceName} is {@code null}, what to install where a device was named).
     */
    public static Optional<RdmaResponder> open(
        final MemorySegment region, final String deviceName, final Consumer<String> why)
    {
        final Optional<Verbs> verbs = Verbs.load();
        if (verbs.isEmpty())
        {
            // Information, not a fault, where nobody asked for RDMA: most hosts have none and need none.
            why.accept(deviceName == null ? "no libibverbs" : Verbs.unavailableReason());
            return Optional.empty();
        }
        final List<String> devices = verbs.get().deviceNames();
        if (devices.isEmpty())
        {
            why.accept("no RDMA device (libibverbs lists none)");
            return Optional.empty();
        }
        final RdmaDevice device = new RdmaDevice(verbs.get(), deviceName, 1, RdmaDevice.DEFAULT_GID_INDEX);
        try
        {
            return Optional.of(new RdmaResponder(device, region));
        }
        catch (final RuntimeException ex)
        {
            device.close();
            throw ex;
        }
    }

    /**
     * Connects a queue pair for a session.
     *
     * @return the manager's encoded endpoint: queue pair, rkey, region base and length.
     * @throws IllegalArgumentException when the client endpoint is malformed.
     */
    public byte[] accept(final long sessionId, final byte[] clientEndpoint)
    {
        final RdmaEndpoint client = RdmaEndpoint.decode(clientEndpoint);
        if (client == null)
        {
            throw new IllegalArgumentException("malformed RDMA endpoint of " + clientEndpoint.length + " bytes");
        }
        disconnect(sessionId);
        final QueuePair qp = device.createQueuePair(4);
        try
        {
            qp.connect(client);
        }
        catch (final RuntimeException ex)
        {
            qp.close();
            throw ex;
        }
        queuePairs.put(sessionId, qp);
        return device.endpoint(qp, RdmaDevice.rkey(regionMr), region.address(), region.byteSize()).encode();
    }

    /**
     * Releases a session's queue pair.
     */
    public void disconnect(final long sessionId)
    {
        final QueuePair qp = queuePairs.remove(sessionId);
        if (qp != null)
        {
            qp.close();
        }
    }

    @Override
    public void close()
    {
        queuePairs.values().forEach(QueuePair::close);
        queuePairs.clear();
        device.deregister(regionMr);
        device.close();
    }
}
