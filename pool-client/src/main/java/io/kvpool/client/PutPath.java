package io.kvpool.client;

import io.kvpool.client.internal.LocationCache;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.TransferBatch;

import java.lang.foreign.MemorySegment;

/**
 * A namespace handle's puts: RESERVE, the bytes written under the reservations' leases ({@link LeasedWriter}),
 * COMMIT; a failure before the commit aborts what was reserved. A committed block's location is remembered.
 * Thread-safe (each call works on its own batches).
 */
final class PutPath
{
    private final ManagerClient control;
    private final LeasedWriter writer;
    private final RemotePath remote;
    private final LocationCache cache;

    PutPath(final ManagerClient control, final LeasedWriter writer, final RemotePath remote, final LocationCache cache)
    {
        this.control = control;
        this.writer = writer;
        this.remote = remote;
        this.cache = cache;
    }

    /**
     * Reserves the keys and writes each reserved block's bytes (the caller checked the arguments).
     *
     * @return the reservations, each with the status its write left (OK to commit).
     */
    BlockBatch reserveAndCopy(final BlockKeys keys, final MemorySegment[] sources)
    {
        final BlockBatch batch = new BlockBatch();
        keys.addTo(batch);
        control.reserve(batch);
        try
        {
            final TransferBatch transfers = new TransferBatch(keys.size());
            for (int i = 0; i < keys.size(); i++)
            {
                if (batch.status(i) == Status.OK)
                {
                    final MemorySegment source = sources[i];
                    transfers.add(batch.blockIndex(i), batch.generation(i), batch.offset(i), (int)source.byteSize(),
                        source);
                }
            }
            if (transfers.size() > 0)
            {
                remote.failWhereTransferFailed(batch, writer.write(batch, transfers));
            }
        }
        catch (final RuntimeException ex)
        {
            control.abort(batch);
            throw ex;
        }
        return batch;
    }

    BatchResult commit(final BlockKeys keys, final BlockBatch reserved)
    {
        final int[] statuses = new int[keys.size()];
        final int[] lengths = new int[keys.size()];
        final BlockBatch commits = new BlockBatch();
        final int[] positions = new int[keys.size()];
        for (int i = 0; i < keys.size(); i++)
        {
            statuses[i] = reserved.status(i);
            if (reserved.status(i) == Status.OK)
            {
                positions[commits.size()] = i;
                final int c = commits.addKey(reserved.keyArray(), i * BlockKeys.KEY_BYTES);
                commits.blockIndex(c, reserved.blockIndex(i));
                commits.generation(c, reserved.generation(i));
                commits.length(c, reserved.length(i));
                commits.checksum(c, reserved.checksum(i));
            }
        }
        if (commits.size() > 0)
        {
            control.commit(commits);
        }
        for (int c = 0; c < commits.size(); c++)
        {
            final int i = positions[c];
            statuses[i] = commits.status(c);
            lengths[i] = commits.status(c) == Status.OK ? commits.length(c) : 0;
            if (commits.status(c) == Status.OK)
            {
                cache.put(keys.packed(), i * BlockKeys.KEY_BYTES, new LocationCache.Location(commits.blockIndex(c),
                    commits.generation(c), reserved.offset(i), commits.length(c), commits.checksum(c)));
            }
        }
        return new BatchResult(statuses, lengths);
    }
}
