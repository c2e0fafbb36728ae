package io.kvpool.protocol;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.zip.CRC32C;

/**
 * The read and write protocols of a block (region-format.md §5), written once: every data path — the client's
 * mapped get and put, the manager's data agent (Aeron), the GPU path (a DMA between {@code begin} and {@code end}),
 * the RDMA path (the same checks on words it reads over the wire) — calls these, so a change to the protocol is made
 * here and nowhere else.
 * <p>
 * <b>Read.</b> {@link #beginRead} checks the stamp is SEALED with the generation the lookup returned; the caller
 * copies; {@link #endRead} checks, after a load-load fence, that no writer intent is held and the stamp is unchanged.
 * A block evicted, reused or written into during the copy is a miss, never data.
 * <p>
 * <b>Write.</b> {@link #beginWrite} announces the writer ({@code writerIntent += 1}, a full fence) and only then
 * checks that the block is still WRITING with the reservation's generation; if not it withdraws and nothing is
 * stored. {@link #endWrite} withdraws the intent after the last store. The manager never hands out a block whose
 * intent is held: when it frees a block (lease expiry, abort, recovery) with an intent held, the block is
 * quarantined until the intent drops to zero. So a writer frozen anywhere — before announcing (it will find the
 * stamp changed and store nothing), or between its check and its stores (its intent keeps the block out of reuse) —
 * can never store into a block that another writer or reader has since been given.
 * <p>
 * Stateless and thread-safe; the memory ordering is stated at each access.
 */
public final class BlockProtocol
{
    private BlockProtocol()
    {
    }

    /**
     * First half of a read.
     *
     * @param region      mapped region (or the table words a remote reader fetched, at the same offsets).
     * @param entryOffset offset of the block's entry.
     * @param generation  the incarnation the lookup returned.
     * @return the stamp to pass to {@link #endRead}, or -1 when the block is not that incarnation, sealed (a miss:
     *         do not copy).
     */
    public static long beginRead(final MemorySegment region, final long entryOffset, final long generation)
    {
        final long stamp = BlockTableDescriptor.stampAcquire(region, entryOffset);
        return stamp == BlockTableDescriptor.stamp(generation, BlockTableDescriptor.SEALED) ? stamp : -1;
    }

    /**
     * Second half of a read, after the bytes were copied (by this thread, or by a DMA this thread waited for).
     *
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @param stamp       what {@link #beginRead} returned.
     * @return whether the copy holds exactly the incarnation's committed bytes.
     */
    public static boolean endRead(final MemorySegment region, final long entryOffset, final long stamp)
    {
        return stamp != -1 && BlockTableDescriptor.unchangedSince(region, entryOffset, stamp);
    }

    /**
     * A whole read by load/store: begin, copy, end.
     *
     * @param region       mapped region.
     * @param entryOffset  offset of the block's entry.
     * @param generation   the incarnation the lookup returned.
     * @param dataOffset   offset of the payload in the region.
     * @param destination  where the bytes go.
     * @param length       bytes to copy.
     * @return {@link Status#OK}, or {@link Status#NOT_FOUND} when the block changed (the destination then holds
     *         garbage).
     */
    public static int read(
        final MemorySegment region, final long entryOffset, final long generation, final long dataOffset,
        final MemorySegment destination, final long length)
    {
        final long stamp = beginRead(region, entryOffset, generation);
        if (stamp == -1)
        {
            return Status.NOT_FOUND;
        }
        MemorySegment.copy(region, dataOffset, destination, 0, length);
        return endRead(region, entryOffset, stamp) ? Status.OK : Status.NOT_FOUND;
    }

    /**
     * First half of a write: announces the writer, then checks the reservation.
     *
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @param generation  the reservation's generation.
     * @return {@link Status#OK} (the caller may store, then must call {@link #endWrite}), or
     *         {@link Status#UNKNOWN_RESERVATION} when the block is no longer WRITING with that generation (lease
     *         lapsed, manager restarted, aborted): the intent is already withdrawn and nothing may be stored.
     */
    public static int beginWrite(final MemorySegment region, final long entryOffset, final long generation)
    {
        // getAndAdd is volatile: the intent is visible before the stamp load below and before any store after it.
        // The manager frees a block by storing its stamp and then loading the intent (with a full fence between):
        // either it sees this intent and quarantines the block, or this load sees the new stamp and we back off.
        BlockTableDescriptor.addWriterIntent(region, entryOffset, BlockTableDescriptor.CLIENT_WRITER);
        if (BlockTableDescriptor.stampAcquire(region, entryOffset) !=
            BlockTableDescriptor.stamp(generation, BlockTableDescriptor.WRITING))
        {
            BlockTableDescriptor.addWriterIntent(region, entryOffset, -BlockTableDescriptor.CLIENT_WRITER);
            return Status.UNKNOWN_RESERVATION;
        }
        return Status.OK;
    }

    /**
     * Second half of a write, after the last store (or after the DMA that stored was waited for): withdraws the
     * intent. Whether the reservation survived is the commit's answer, not this one's.
     *
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     */
    public static void endWrite(final MemorySegment region, final long entryOffset)
    {
        // Volatile: every store of the payload is visible before the intent drops, so the manager, which reuses a
        // quarantined block only after loading a zero intent, orders any later writer's stores after ours.
        BlockTableDescriptor.addWriterIntent(region, entryOffset, -BlockTableDescriptor.CLIENT_WRITER);
    }

    /**
     * A whole write by load/store: begin, copy, end.
     *
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @param generation  the reservation's generation.
     * @param source      the payload.
     * @param dataOffset  offset of the block's bytes in the region.
     * @return {@link Status#OK} when the bytes were stored under a live reservation check, else
     *         {@link Status#UNKNOWN_RESERVATION} (nothing stored).
     */
    public static int write(
        final MemorySegment region, final long entryOffset, final long generation, final MemorySegment source,
        final long dataOffset)
    {
        return write(region, entryOffset, generation, source, dataOffset, null, null);
    }

    /**
     * A whole write by load/store, checksumming the payload as it is stored ({@link Checksums#copy}).
     *
     * @param readBack the region's memory as the checksum reads it back ({@link Checksums#copy}); unused (may be
     *                 {@code null}) without {@code checksum}.
     * @param checksum updated with the payload's bytes as they are stored; untouched when nothing is stored;
     *                 {@code null} for a plain copy.
     * @return as {@link #write(MemorySegment, long, long, MemorySegment, long)}.
     */
    public static int write(
        final MemorySegment region, final long entryOffset, final long generation, final MemorySegment source,
        final long dataOffset, final MemorySegment readBack, final CRC32C checksum)
    {
        final int status = beginWrite(region, entryOffset, generation);
        if (status != Status.OK)
        {
            return status;
        }
        try
        {
            if (checksum == null)
            {
                MemorySegment.copy(source, 0, region, dataOffset, source.byteSize());
            }
            else
            {
                Checksums.copy(source, region, dataOffset, readBack, checksum);
            }
        }
        finally
        {
            endWrite(region, entryOffset);
        }
        return Status.OK;
    }

    /**
     * The manager's side of freeing a block: after its FREE (or new) stamp is stored, whether a writer may still be
     * storing into it, in which case the block must not be handed out again until this returns false.
     *
     * @param region      mapped region.
     * @param entryOffset offset of the block's entry.
     * @return whether any writer intent is held.
     */
    public static boolean writerMayStore(final MemorySegment region, final long entryOffset)
    {
        // Pairs with beginWrite's volatile increment: stamp store, full fence, intent load.
        VarHandle.fullFence();
        return BlockTableDescriptor.writerIntent(region, entryOffset) != 0;
    }
}
