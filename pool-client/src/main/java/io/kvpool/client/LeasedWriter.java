package io.kvpool.client;

import io.kvpool.client.internal.SourceChecksums;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransferBatch;

import java.util.function.LongSupplier;

/**
 * Writes a put's reserved blocks through the transport in slices, renewing every reservation of the batch (those
 * written wait for the commit after the last slice, the rest for their copy) whenever a third of the lease has
 * passed since the last renewal, so a healthy writer of a long batch never loses its reservations to the lease (a
 * writer that stops for longer — frozen, paused — does, and the write protocol keeps its late stores away from
 * blocks given to others: {@link io.kvpool.protocol.BlockProtocol}). Each block's CRC32C is recorded for its
 * commit: computed by the checksum threads while the slices are written ({@link SourceChecksums}), or, for small
 * puts and where there are none, slice by slice just before the slice is written.
 * <p>
 * Thread-safe: holds no state between calls.
 */
final class LeasedWriter
{
    /**
     * Bytes checksummed and written together: small enough to stay in cache between the checksum's read of the
     * sources and the copy's (a 64 MiB batch checksummed whole before its copy read every source twice from memory:
     * 2 MiB puts ran ~20 % slower), and far under what a lease allows between two looks at the clock.
     */
    static final long SLICE_BYTES = 1L << 20;
    /**
     * The slice of a remote transport, where each slice is a request and its answer (a round trip that stalls the
     * stream of bytes): whole batches of up to 16 MiB, which the slowest remote path moves in tens of
     * milliseconds, far under a lease.
     */
    static final long REMOTE_SLICE_BYTES = 16L << 20;

    private final ManagerClient control;
    private final BlockTransport transport;
    private final SourceChecksums checksums;
    private final LongSupplier nanoClock;

    LeasedWriter(
        final ManagerClient control, final BlockTransport transport, final SourceChecksums checksums,
        final LongSupplier nanoClock)
    {
        this.control = control;
        this.transport = transport;
        this.checksums = checksums;
        this.nanoClock = nanoClock;
    }

    /**
     * @param reserved  the reservations, in the order of {@code transfers} (entries with status OK); each one's
     *                  length and CRC32C are recorded here.
     * @param transfers one entry per reservation with status OK.
     * @return {@code transfers}, statuses filled.
     */
    TransferBatch write(final BlockBatch reserved, final TransferBatch transfers)
    {
        final int[] reservation = reservationsOf(reserved, transfers.size());
        try (SourceChecksums.Job sums = checksums.start(transfers))
        {
            writeSlices(reserved, transfers, reservation, sums);
            if (sums != null)
            {
                sums.finish();
                for (int t = 0; t < transfers.size(); t++)
                {
                    reserved.checksum(reservation[t], sums.checksum(t));
                }
            }
        }
        return transfers;
    }

    /**
     * Writes the transfers slice by slice, renewing the reservations as the lease asks, and records each block's
     * length (and its CRC32C, when {@code sums} is {@code null}) before its slice is written.
     */
    private void writeSlices(
        final BlockBatch reserved, final TransferBatch transfers, final int[] reservation,
        final SourceChecksums.Job sums)
    {
        final long renewEveryNs = Math.max(1, control.session().reservationLeaseNs() / 3);
        final long sliceBytes = transport.mappedRegion() != null ? SLICE_BYTES : REMOTE_SLICE_BYTES;
        long renewedAtNs = nanoClock.getAsLong();
        int start = 0;
        while (start < transfers.size())
        {
            final long nowNs = nanoClock.getAsLong();
            if (nowNs - renewedAtNs >= renewEveryNs)
            {
                renew(reserved, reservation, transfers.size());
                renewedAtNs = nowNs;
            }
            int end = start;
            long bytes = 0;
            while (end < transfers.size() && (end == start || bytes + transfers.length(end) <= sliceBytes))
            {
                bytes += transfers.length(end++);
            }
            for (int t = start; t < end; t++)
            {
                reserved.length(reservation[t], transfers.length(t));
                if (sums == null)
                {
                    reserved.checksum(reservation[t], Checksums.crc32c(transfers.segment(t).asSlice(0,
                        transfers.length(t))));
                }
            }
            if (sums != null)
            {
                sums.computeUpTo(end);
            }
            writeSlice(transfers, start, end);
            start = end;
        }
    }

    private void writeSlice(final TransferBatch transfers, final int start, final int end)
    {
        if (start == 0 && end == transfers.size())
        {
            transport.write(transfers).join();
            return;
        }
        final TransferBatch slice = new TransferBatch(end - start);
        for (int t = start; t < end; t++)
        {
            slice.add(transfers.blockIndex(t), transfers.generation(t), transfers.regionOffset(t),
                transfers.length(t), transfers.segment(t));
        }
        transport.write(slice).join();
        for (int t = start; t < end; t++)
        {
            transfers.status(t, slice.status(t - start));
        }
    }

    private void renew(final BlockBatch reserved, final int[] reservation, final int count)
    {
        final BlockBatch renewals = new BlockBatch(count);
        for (int t = 0; t < count; t++)
        {
            final int i = reservation[t];
            final int r = renewals.addKey(reserved.keyArray(), i * BlockBatch.KEY_BYTES);
            renewals.blockIndex(r, reserved.blockIndex(i));
            renewals.generation(r, reserved.generation(i));
        }
        // A reservation that lapsed anyway is found by the write (nothing stored) and the commit (LEASE_EXPIRED).
        control.renewReservations(renewals);
    }

    /**
     * @return for each transfer, the index of its reservation in {@code reserved}.
     */
    private static int[] reservationsOf(final BlockBatch reserved, final int transfers)
    {
        final int[] positions = new int[transfers];
        int t = 0;
        for (int i = 0; i < reserved.size() && t < transfers; i++)
        {
            if (reserved.status(i) == Status.OK)
            {
                positions[t++] = i;
            }
        }
        return positions;
    }
}
