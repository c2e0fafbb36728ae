package io.kvpool.client;

import io.kvpool.client.internal.LocationCache;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.KeyedReads;
import io.kvpool.protocol.transport.TransferBatch;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The parts of {@link KvNamespace} for hosts that cannot map the region: gets and put bytes through a remote
 * {@link BlockTransport} (RDMA or Aeron), with locations from the manager or this client's cache (the far side
 * checks generations, so a stale cached location costs one more lookup, never wrong data). Thread-safe as
 * KvNamespace is.
 */
final class RemotePath
{
    private final ManagerClient control;
    private final BlockTransport transport;
    private final LocationCache cache;
    private final boolean verifyChecksums;

    RemotePath(
        final ManagerClient control, final BlockTransport transport, final LocationCache cache,
        final boolean verifyChecksums)
    {
        this.control = control;
        this.transport = transport;
        this.cache = cache;
        this.verifyChecksums = verifyChecksums;
    }

    /**
     * Aborts the reservations whose bytes a remote transport could not write and marks them failed.
     */
    void failWhereTransferFailed(final BlockBatch batch, final TransferBatch transfers)
    {
        BlockBatch failed = null; // made only when a transfer failed: this runs after every run of every put
        int t = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            if (batch.status(i) != Status.OK)
            {
                continue;
            }
            final int status = transfers.status(t++);
            if (status != Status.OK)
            {
                failed = failed == null ? new BlockBatch() : failed;
                failed.addReservation(batch, i);
                // A reservation the write found gone lapsed (or died with a manager): nothing was stored.
                batch.status(i, status == Status.UNKNOWN_RESERVATION ? Status.LEASE_EXPIRED :
                    Status.TRANSPORT_FAILED);
            }
        }
        if (failed != null)
        {
            control.abort(failed);
        }
    }

    /**
     * A get over a remote transport. Cached locations go straight to the transport, which checks the generation
     * at the far side (one round trip); keys without one, or whose block changed, are read by key where the
     * transport and manager offer it ({@link KeyedReads}: the far side looks them up, one exchange), else looked up
     * and read again.
     */
    BatchResult getRemote(final BlockKeys keys, final MemorySegment[] destinations)
    {
        final BlockBatch cached = new BlockBatch(keys.size());
        boolean anyCached = false;
        for (int i = 0; i < keys.size(); i++)
        {
            cached.addKey(keys.packed(), i * BlockKeys.KEY_BYTES);
            final LocationCache.Location location = cache.get(keys.packed(), i * BlockKeys.KEY_BYTES);
            cached.status(i, location == null ? Status.NOT_FOUND : Status.OK);
            if (location != null)
            {
                anyCached = true;
                cached.blockIndex(i, location.blockIndex());
                cached.generation(i, location.generation());
                cached.offset(i, location.offset());
                cached.length(i, location.length());
                cached.checksum(i, location.checksum());
            }
        }
        final BatchResult fromCache = anyCached ? readLocated(keys, cached, destinations) : null;
        if (fromCache != null && fromCache.okCount() == keys.size())
        {
            return fromCache;
        }
        final BatchResult looked = transport instanceof KeyedReads keyed && control.session().keyedReads() ?
            readByKey(keyed, keys, fromCache, destinations) : lookUpAndRead(keys, fromCache, destinations);
        if (fromCache == null)
        {
            return looked;
        }
        final int[] statuses = new int[keys.size()];
        final int[] lengths = new int[keys.size()];
        for (int i = 0; i < keys.size(); i++)
        {
            final BatchResult source = fromCache.status(i) == Status.OK ? fromCache : looked;
            statuses[i] = source.status(i);
            lengths[i] = source.length(i);
        }
        return new BatchResult(statuses, lengths);
    }

    /**
     * The keys {@code fromCache} did not serve (all where it is null): looked up by the manager, then read.
     */
    private BatchResult lookUpAndRead(
        final BlockKeys keys, final BatchResult fromCache, final MemorySegment[] destinations)
    {
        final BlockBatch found = new BlockBatch(keys.size());
        keys.addTo(found);
        control.lookup(found);
        for (int i = 0; i < keys.size(); i++)
        {
            if (fromCache != null && fromCache.status(i) == Status.OK)
            {
                found.status(i, Status.NOT_FOUND);
            }
            else if (found.status(i) == Status.OK)
            {
                cache.put(keys.packed(), i * BlockKeys.KEY_BYTES, LocationCache.Location.of(found, i));
            }
        }
        return readLocated(keys, found, destinations);
    }

    /**
     * The keys {@code fromCache} did not serve (all where it is null), read by key in one exchange; each key read
     * whole (and, when asked, matching its checksum) is remembered where it was found. Statuses and lengths are
     * per key of {@code keys}; those served from the cache are left NOT_FOUND here. An exchange that failed is
     * done again as a lookup and read.
     */
    private BatchResult readByKey(
        final KeyedReads keyed, final BlockKeys keys, final BatchResult fromCache, final MemorySegment[] destinations)
    {
        final BlockBatch wanted = new BlockBatch(keys.size());
        final int[] keyOf = new int[keys.size()];
        final MemorySegment[] into = new MemorySegment[keys.size()];
        for (int i = 0; i < keys.size(); i++)
        {
            if (fromCache == null || fromCache.status(i) != Status.OK)
            {
                final int j = wanted.addKey(keys.packed(), i * BlockKeys.KEY_BYTES);
                keyOf[j] = i;
                into[j] = destinations[i];
            }
        }
        keyed.readKeys(wanted, Arrays.copyOf(into, wanted.size()));
        if (wanted.size() > 0 && wanted.status(0) == Status.TRANSPORT_FAILED)
        {
            // The exchange failed (it fails whole): the manager may be gone or restarted, with a session this
            // client has not heard of yet. The lookup asks the control plane, which reconnects where it must.
            return lookUpAndRead(keys, fromCache, destinations);
        }
        final int[] statuses = new int[keys.size()];
        final int[] lengths = new int[keys.size()];
        Arrays.fill(statuses, Status.NOT_FOUND);
        for (int j = 0; j < wanted.size(); j++)
        {
            final int i = keyOf[j];
            if (wanted.status(j) == Status.OK && (!verifyChecksums ||
                Checksums.crc32c(destinations[i].asSlice(0, wanted.length(j))) == wanted.checksum(j)))
            {
                statuses[i] = Status.OK;
                lengths[i] = wanted.length(j);
                cache.put(keys.packed(), i * BlockKeys.KEY_BYTES, LocationCache.Location.of(wanted, j));
            }
        }
        return new BatchResult(statuses, lengths);
    }

    /**
     * Reads the entries of {@code found} that are OK through the remote transport.
     */
    BatchResult readLocated(final BlockKeys keys, final BlockBatch found, final MemorySegment[] destinations)
    {
        final TransferBatch transfers = new TransferBatch(keys.size());
        final int[] entries = new int[keys.size()];
        for (int i = 0; i < keys.size(); i++)
        {
            entries[i] = found.status(i) == Status.OK && found.length(i) > 0 ? transfers.add(found.blockIndex(i),
                found.generation(i), found.offset(i), found.length(i), destinations[i]) : -1;
        }
        if (transfers.size() > 0)
        {
            transport.read(transfers).join();
        }
        final int[] statuses = new int[keys.size()];
        final int[] lengths = new int[keys.size()];
        for (int i = 0; i < keys.size(); i++)
        {
            final boolean ok = entries[i] >= 0 && transfers.status(entries[i]) == Status.OK && (!verifyChecksums ||
                Checksums.crc32c(destinations[i].asSlice(0, found.length(i))) == found.checksum(i));
            statuses[i] = ok ? Status.OK : Status.NOT_FOUND;
            lengths[i] = ok ? found.length(i) : 0;
        }
        return new BatchResult(statuses, lengths);
    }
}
