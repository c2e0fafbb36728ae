package io.kvpool.manager.internal;

import java.util.Arrays;

/**
 * Leases of reservations (one per WRITING block) and of read pins (a fixed table of pin slots). Deadlines are in
 * the manager's nanosecond clock. Knows which reservations and pins lapsed, so that a late commit or unpin is told
 * {@code LEASE_EXPIRED} rather than "unknown".
 * <p>
 * A pin id is {@code (sequence << 32) | slot}: the slot's sequence increases on every use, so a stale id never
 * names a newer pin.
 * <p>
 * Not thread-safe: owned by the manager's thread.
 */
public final class LeaseTable
{
    private final long[] reservationDeadlineNs;
    private final long[] expiredGeneration;
    private final IntList writingBlocks;
    private final int[] writingPosition;

    private final int[] pinBlock;
    private final long[] pinGeneration;
    private final long[] pinDeadlineNs;
    private final int[] pinSequence;
    private final int[] pinExpiredSequence;
    private final int[] pinActivePosition;
    private final IntList freePinSlots;
    private final IntList activePins;
    private long earliestDeadlineNs = Long.MAX_VALUE;

    public LeaseTable(final int blockCount, final int pinCapacity)
    {
        reservationDeadlineNs = new long[blockCount];
        expiredGeneration = new long[blockCount];
        Arrays.fill(expiredGeneration, -1);
        writingBlocks = new IntList(1024);
        writingPosition = new int[blockCount];
        Arrays.fill(writingPosition, -1);
        pinBlock = new int[pinCapacity];
        pinGeneration = new long[pinCapacity];
        pinDeadlineNs = new long[pinCapacity];
        pinSequence = new int[pinCapacity];
        pinExpiredSequence = new int[pinCapacity];
        Arrays.fill(pinExpiredSequence, -1);
        pinActivePosition = new int[pinCapacity];
        Arrays.fill(pinActivePosition, -1);
        freePinSlots = new IntList(pinCapacity);
        for (int slot = pinCapacity - 1; slot >= 0; slot--)
        {
            freePinSlots.add(slot);
        }
        activePins = new IntList(1024);
    }

    /**
     * Starts a reservation's lease.
     */
    public void reserve(final int block, final long deadlineNs)
    {
        reservationDeadlineNs[block] = deadlineNs;
        writingPosition[block] = writingBlocks.size();
        writingBlocks.add(block);
        earliestDeadlineNs = Math.min(earliestDeadlineNs, deadlineNs);
    }

    /**
     * @return the reservation's deadline.
     */
    public long reservationDeadline(final int block)
    {
        return reservationDeadlineNs[block];
    }

    /**
     * Extends a reservation's lease.
     */
    public void renewReservation(final int block, final long deadlineNs)
    {
        reservationDeadlineNs[block] = deadlineNs;
    }

    /**
     * Ends a reservation (commit, abort or expiry).
     *
     * @param expiredAt the generation that lapsed, or -1 when the reservation ended normally.
     */
    public void endReservation(final int block, final long expiredAt)
    {
        final int position = writingPosition[block];
        if (position >= 0)
        {
            final int moved = writingBlocks.swapRemove(position);
            if (moved >= 0)
            {
                writingPosition[moved] = position;
            }
            writingPosition[block] = -1;
        }
        if (expiredAt >= 0)
        {
            expiredGeneration[block] = expiredAt;
        }
    }

    /**
     * @return whether the reservation of this block incarnation ended by lapsing.
     */
    public boolean reservationExpired(final int block, final long generation)
    {
        return expiredGeneration[block] == generation;
    }

    /**
     * @return blocks with an open reservation.
     */
    public int openReservations()
    {
        return writingBlocks.size();
    }

    /**
     * Starts a pin.
     *
     * @return the pin id, or -1 when every pin slot is in use.
     */
    public long pin(final int block, final long generation, final long deadlineNs)
    {
        if (freePinSlots.isEmpty())
        {
            return -1;
        }
        final int slot = freePinSlots.removeLast();
        final int sequence = ++pinSequence[slot] & Integer.MAX_VALUE;
        pinSequence[slot] = sequence;
        pinBlock[slot] = block;
        pinGeneration[slot] = generation;
        pinDeadlineNs[slot] = deadlineNs;
        pinActivePosition[slot] = activePins.size();
        activePins.add(slot);
        earliestDeadlineNs = Math.min(earliestDeadlineNs, deadlineNs);
        return ((long)sequence << 32) | slot;
    }

    /**
     * @return the slot of a live pin, or -1 when the id names no live pin.
     */
    public int liveSlot(final long pinId)
    {
        final int slot = (int)pinId;
        final int sequence = (int)(pinId >>> 32);
        if (slot < 0 || slot >= pinBlock.length || pinActivePosition[slot] < 0 || pinSequence[slot] != sequence)
        {
            return -1;
        }
        return slot;
    }

    /**
     * @return whether the pin named by this id lapsed.
     */
    public boolean pinExpired(final long pinId)
    {
        final int slot = (int)pinId;
        return slot >= 0 && slot < pinBlock.length && pinExpiredSequence[slot] == (int)(pinId >>> 32);
    }

    public int pinBlock(final int slot)
    {
        return pinBlock[slot];
    }

    public long pinGeneration(final int slot)
    {
        return pinGeneration[slot];
    }

    public long pinDeadline(final int slot)
    {
        return pinDeadlineNs[slot];
    }

    public void renewPin(final int slot, final long deadlineNs)
    {
        pinDeadlineNs[slot] = deadlineNs;
    }

    /**
     * Ends a pin (unpin or expiry).
     */
    public void endPin(final int slot, final boolean expired)
    {
        final int position = pinActivePosition[slot];
        final int moved = activePins.swapRemove(position);
        if (moved >= 0)
        {
            pinActivePosition[moved] = position;
        }
        pinActivePosition[slot] = -1;
        if (expired)
        {
            pinExpiredSequence[slot] = pinSequence[slot];
        }
        freePinSlots.add(slot);
    }

    /**
     * @return pins held now.
     */
    public int activePinCount()
    {
        return activePins.size();
    }

    /**
     * @return whether any lease may have lapsed by {@code nowNs}: false means a reap would find nothing.
     */
    public boolean mayHaveExpired(final long nowNs)
    {
        return nowNs >= earliestDeadlineNs;
    }

    /**
     * Collects lapsed reservations and pins and recomputes the earliest deadline. The callbacks end each lease.
     *
     * @return number of lapsed leases handed to the callbacks.
     */
    public int collectExpired(final long nowNs, final ExpiryHandler handler)
    {
        int count = 0;
        long earliest = Long.MAX_VALUE;
        for (int i = writingBlocks.size() - 1; i >= 0; i--)
        {
            final int block = writingBlocks.get(i);
            if (reservationDeadlineNs[block] <= nowNs)
            {
                handler.reservationExpired(block);
                count++;
            }
        }
        for (int i = activePins.size() - 1; i >= 0; i--)
        {
            final int slot = activePins.get(i);
            if (pinDeadlineNs[slot] <= nowNs)
            {
                handler.pinExpired(slot);
                count++;
            }
        }
        for (int i = 0; i < writingBlocks.size(); i++)
        {
            earliest = Math.min(earliest, reservationDeadlineNs[writingBlocks.get(i)]);
        }
        for (int i = 0; i < activePins.size(); i++)
        {
            earliest = Math.min(earliest, pinDeadlineNs[activePins.get(i)]);
        }
        earliestDeadlineNs = earliest;
        return count;
    }

    /**
     * Ends lapsed leases on behalf of {@link #collectExpired}.
     */
    public interface ExpiryHandler
    {
        /** The reservation of this WRITING block lapsed; the handler must call {@link #endReservation}. */
        void reservationExpired(int block);

        /** The pin in this slot lapsed; the handler must call {@link #endPin}. */
        void pinExpired(int slot);
    }
}
