package io.kvpool.client;

import io.kvpool.client.internal.SharedWrite;
import io.kvpool.client.internal.SourceChecksums;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransferBatch;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Writes a put's reserved blocks through the transport in slices, renewing every reservation the put holds (those
 * written wait for their commit, the rest for their copy) whenever a third of the lease has passed since the last
 * renewal ({@link Leases}), so a healthy writer of a long batch never loses its reservations to the lease (a writer
 * that stops for longer — frozen, paused — does, and the write protocol keeps its late stores away from blocks given
 * to others: {@link io.kvpool.protocol.BlockProtocol}). Each block's CRC32C is recorded for its commit. A mapped
 * put's blocks are checksummed as they are copied ({@link BlockTransport#writeChecksummed}): by this thread, and by
 * the helpers with it where a run is large enough to share ({@link SharedWrite}); a remote put's checksums are
 * computed by its checksum job, whose helpers work beside the send ({@link SourceChecksums}); remote puts without
 * one (small, or no helpers) are checksummed by the transport just before each slice is sent.
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

    /**
     * Hosts with at least this many cores checksum a remote put beside its send (the helpers have cores of their
     * own); smaller ones before it. Measured: 32 x 256 KiB network puts 1.2-1.3x faster beside the send on a
     * 16-core host, 0.85x on a 2-core one, where the helpers took the cores the sending threads needed
     * (bench/RESULTS-shapes.txt, session 17).
     */
    static final int CORES_TO_CHECKSUM_BESIDE_SENDS = 8;

    private final ManagerClient control;
    private final BlockTransport transport;
    private final SourceChecksums checksums;
    private final LongSupplier nanoClock;
    private final boolean checksumBesideSends;
    private final long shareMinBytes;

    LeasedWriter(
        final ManagerClient control, final BlockTransport transport, final SourceChecksums checksums,
        final LongSupplier nanoClock)
    {
        this(control, transport, checksums, nanoClock,
            Runtime.getRuntime().availableProcessors() >= CORES_TO_CHECKSUM_BESIDE_SENDS);
    }

    /**
     * @param checksumBesideSends whether a remote put's slices go out before their checksums (the helpers then
     *                            work beside the send), rather than after them.
     */
    LeasedWriter(
        final ManagerClient control, final BlockTransport transport, final SourceChecksums checksums,
        final LongSupplier nanoClock, final boolean checksumBesideSends)
    {
        this.control = control;
        this.transport = transport;
        this.checksums = checksums;
        this.nanoClock = nanoClock;
        this.checksumBesideSends = checksumBesideSends;
        // Where the helpers have cores of their own (as for checksums beside sends), they share a mapped put's runs
        // of any size; on smaller hosts only runs of SharedWrite.SHARE_MIN_BYTES and more.
        this.shareMinBytes = checksumBesideSends ? SourceChecksums.PARALLEL_MIN_BYTES : SharedWrite.SHARE_MIN_BYTES;
    }

    /** @return whether the transport stores into a mapping of the region (no request per slice). */
    boolean mapped()
    {
        return transport.mappedRegion() != null;
    }

    /**
     * @param sources a put's sources, whole.
     * @return their checksum job, its helpers started; {@code null} where the put checksums slice by slice.
     */
    SourceChecksums.Job startChecksums(final MemorySegment[] sources)
    {
        // A mapped put's slices are checksummed as they are stored, by the threads that store them (SharedWrite).
        return mapped() ? null : checksums.start(sources);
    }

    /** @return the lease keeper of one put, its clock started now. */
    Leases leases()
    {
        return new Leases();
    }

    /**
     * Writes one run of a put.
     *
     * @param reserved    the run's reservations, in the order of {@code transfers} (entries with status OK); each
     *                    one's length and CRC32C are recorded here.
     * @param transfers   one entry per reservation with status OK.
     * @param sums        the put's checksum job (by the put's source), or {@code null}.
     * @param firstSource the put's source of {@code reserved}'s first entry.
     * @param leases      the put's reservations, renewed as the lease asks (this run's among them).
     * @return {@code transfers}, statuses filled.
     */
    TransferBatch write(
        final BlockBatch reserved, final TransferBatch transfers, final SourceChecksums.Job sums,
        final int firstSource, final Leases leases)
    {
        final int[] reservation = reservationsOf(reserved, transfers.size());
        if (sums == null && mapped() && checksums.shareable(transfers))
        {
            writeShared(reserved, transfers, reservation, leases);
            return transfers;
        }
        writeSlices(reserved, transfers, reservation, sums, firstSource, leases);
        if (sums != null)
        {
            sums.finishUpTo(firstSource + reserved.size());
            for (int t = 0; t < transfers.size(); t++)
            {
                reserved.checksum(reservation[t], sums.checksum(firstSource + reservation[t]));
            }
        }
        return transfers;
    }

    /**
     * Writes the transfers slice by slice, renewing the reservations as the lease asks, and records each block's
     * length (and, when {@code sums} is {@code null}, its CRC32C, which the transport computes as it writes).
     */
    private void writeSlices(
        final BlockBatch reserved, final TransferBatch transfers, final int[] reservation,
        final SourceChecksums.Job sums, final int firstSource, final Leases leases)
    {
        final long sliceBytes = mapped() ? SLICE_BYTES : REMOTE_SLICE_BYTES;
        int start = 0;
        while (start < transfers.size())
        {
            leases.renewIfDue();
            final int end = sliceEnd(transfers, start, sliceBytes);
            for (int t = start; t < end; t++)
            {
                reserved.length(reservation[t], transfers.length(t));
            }
            if (sums != null && (mapped() || !checksumBesideSends))
            {
                // Checksummed just before its copy, which then reads the sources from cache. Where the host has
                // cores to spare, a remote slice goes out at once and the helpers checksum beside it: its commit
                // needs the CRCs, its bytes do not (write() finishes what they have not).
                sums.computeUpTo(firstSource + reservation[end - 1] + 1);
            }
            writeSlice(transfers, start, end, sums == null);
            for (int t = start; sums == null && t < end; t++)
            {
                reserved.checksum(reservation[t], transfers.checksum(t));
            }
            start = end;
        }
    }

    /**
     * Writes the transfers of a mapped put, shared between this thread and the helpers ({@link SharedWrite}: every
     * block checksummed and stored piece by piece by the thread that claimed it); this thread renews the
     * reservations as the lease asks before each piece it stores and while it waits for the helpers.
     */
    private void writeShared(
        final BlockBatch reserved, final TransferBatch transfers, final int[] reservation, final Leases leases)
    {
        final int[] crcs = new int[transfers.size()];
        SharedWrite.write(transport, transfers, checksums, crcs, leases::renewIfDue, shareMinBytes);
        for (int t = 0; t < transfers.size(); t++)
        {
            reserved.length(reservation[t], transfers.length(t));
            reserved.checksum(reservation[t], crcs[t]);
        }
    }

    /** @return the end of the slice from {@code start}: at least one transfer, else at most {@code bytes}. */
    private static int sliceEnd(final TransferBatch transfers, final int start, final long sliceBytes)
    {
        int end = start;
        long bytes = 0;
        while (end < transfers.size() && (end == start || bytes + transfers.length(end) <= sliceBytes))
        {
            bytes += transfers.length(end++);
        }
        return end;
    }

    private static TransferBatch slice(final TransferBatch transfers, final int start, final int end)
    {
        final TransferBatch slice = new TransferBatch(end - start);
        for (int t = start; t < end; t++)
        {
            slice.add(transfers.blockIndex(t), transfers.generation(t), transfers.regionOffset(t),
                transfers.length(t), transfers.segment(t));
        }
        return slice;
    }

    /** @param checksummed whether the transport sets each entry's CRC32C as it writes it. */
    private void writeSlice(final TransferBatch transfers, final int start, final int end, final boolean checksummed)
    {
        final TransferBatch slice = start == 0 && end == transfers.size() ? transfers : slice(transfers, start, end);
        (checksummed ? transport.writeChecksummed(slice) : transport.write(slice)).join();
        for (int t = start; slice != transfers && t < end; t++)
        {
            transfers.status(t, slice.status(t - start));
            transfers.checksum(t, slice.checksum(t - start));
        }
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

    /**
     * The reservations one put holds: each run's RESERVE is registered when sent ({@link #expect}) and its
     * reservations are held from its answer on; all are renewed together whenever a third of the lease has passed
     * since the last renewal — answers not collected yet are collected first, so a run reserved at the start and
     * written last is renewed as much as the one being written. The renewal is gathered from the runs' batches when
     * it is due (every entry still OK there: one whose store failed is left to lapse), not copied as each answer
     * comes: most puts end before a third of a lease. Those already committed are renewed too; that renewal is
     * answered with a status that is ignored. Not thread-safe: the putting thread's.
     */
    final class Leases
    {
        private final List<ManagerClient.Pending> reserves = new ArrayList<>();
        private final List<BlockBatch> batches = new ArrayList<>();
        private final long renewEveryNs = Math.max(1, control.session().reservationLeaseNs() / 3);
        private long renewedAtNs = nanoClock.getAsLong();
        private int collected;

        /**
         * Registers a run's RESERVE, sent; its answer is to land in {@code reserved}. A {@code null} RESERVE: the
         * run's blocks are held already (granted ahead).
         */
        void expect(final ManagerClient.Pending reserve, final BlockBatch reserved)
        {
            reserves.add(reserve);
            batches.add(reserved);
        }

        /**
         * Collects the answers of the RESERVEs registered up to {@code run} (in order).
         *
         * @throws io.kvpool.protocol.PoolException as {@link ManagerClient#reserve}.
         */
        void awaitReserved(final int run)
        {
            while (collected <= run)
            {
                final ManagerClient.Pending reserve = reserves.get(collected);
                if (reserve != null)
                {
                    reserve.join();
                }
                collected++;
            }
        }

        /** Renews every reservation of the put when a third of the lease has passed since the last renewal. */
        void renewIfDue()
        {
            final long nowNs = nanoClock.getAsLong();
            if (nowNs - renewedAtNs < renewEveryNs)
            {
                return;
            }
            awaitReserved(reserves.size() - 1);
            // A reservation that lapsed anyway is found by the write (nothing stored) and the commit
            // (LEASE_EXPIRED). The batch is renewed as a copy: the answer overwrites its statuses.
            final BlockBatch renewals = new BlockBatch();
            for (final BlockBatch reserved : batches)
            {
                for (int i = 0; i < reserved.size(); i++)
                {
                    if (reserved.status(i) == Status.OK)
                    {
                        renewals.addReservation(reserved, i);
                    }
                }
            }
            if (renewals.size() > 0)
            {
                control.renewReservations(renewals);
            }
            renewedAtNs = nowNs;
        }
    }
}
