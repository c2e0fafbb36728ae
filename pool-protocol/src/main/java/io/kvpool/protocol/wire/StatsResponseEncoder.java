package io.kvpool.protocol.wire;

import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.protocol.PoolStats;
import org.agrona.MutableDirectBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * STATS_RESPONSE. Body: a 72-byte pool part, then {@code count} namespace entries of 184 bytes.
 * <pre>
 *   24 u64 managerEpoch   32 u64 requests   40 u64 rejectedRequests   48 u64 regionLengthBytes
 *   56 u64 slabSizeBytes  64 u64 indexEntries  72 u64 accessTick
 *   80 u32 slabCount  84 u32 freeSlabs  88 u32 openReservations  92 u32 activePins  96 u32 sessions  100 u32 count
 *   104 entries: u32 id, u32 slabs, u32 minSlabs, u32 maxSlabs, u32 blocksPerSlab, u32 quarantinedBlocks,
 *                u64 blockSizeBytes, capacityBlocks, freeBlocks, writingBlocks, sealedBlocks, hits, misses,
 *                evictions, leaseExpiries, capacityRejections, slabsAcquired, slabsSurrendered,
 *                name (u8 length + 63 bytes UTF-8)
 * </pre>
 * Stateless.
 * <p>
 * The writing side, and the layout both sides share; {@link StatsResponseDecoder} reads.
 */
public final class StatsResponseEncoder
{
    static final int MANAGER_EPOCH_OFFSET = MessageHeader.LENGTH;
    static final int REQUESTS_OFFSET = 32;
    static final int REJECTED_OFFSET = 40;
    static final int REGION_LENGTH_OFFSET = 48;
    static final int SLAB_SIZE_OFFSET = 56;
    static final int INDEX_ENTRIES_OFFSET = 64;
    static final int ACCESS_TICK_OFFSET = 72;
    static final int SLAB_COUNT_OFFSET = 80;
    static final int FREE_SLABS_OFFSET = 84;
    static final int OPEN_RESERVATIONS_OFFSET = 88;
    static final int ACTIVE_PINS_OFFSET = 92;
    static final int SESSIONS_OFFSET = 96;
    static final int COUNT_OFFSET = 100;
    // Within a namespace entry:
    static final int SLABS_AT = 4;
    static final int MIN_SLABS_AT = 8;
    static final int MAX_SLABS_AT = 12;
    static final int BLOCKS_PER_SLAB_AT = 16;
    static final int QUARANTINED_AT = 20;
    static final int FIGURES_AT = 24;
    static final int NAME_LENGTH_AT = 120;
    static final int NAME_AT = 121;
    static final int FIGURES = 12;
    static final int ENTRIES_OFFSET = 104;
    static final int ENTRY_LENGTH = 184;
    static final int NAME_BYTES = 63;

    private StatsResponseEncoder()
    {
    }

    /**
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final long correlationId, final long sessionId,
        final StatsSnapshot snapshot)
    {
        final PoolStats pool = snapshot.pool();
        final int count = pool.namespaces().size();
        final int length = ENTRIES_OFFSET + count * ENTRY_LENGTH;
        MessageHeader.write(buffer, offset, MessageType.STATS_RESPONSE, length, correlationId, sessionId);
        buffer.putLong(offset + MANAGER_EPOCH_OFFSET, snapshot.managerEpoch(), MessageHeader.ORDER);
        buffer.putLong(offset + REQUESTS_OFFSET, snapshot.requests(), MessageHeader.ORDER);
        buffer.putLong(offset + REJECTED_OFFSET, snapshot.rejectedRequests(), MessageHeader.ORDER);
        buffer.putLong(offset + REGION_LENGTH_OFFSET, pool.regionLengthBytes(), MessageHeader.ORDER);
        buffer.putLong(offset + SLAB_SIZE_OFFSET, pool.slabSizeBytes(), MessageHeader.ORDER);
        buffer.putLong(offset + INDEX_ENTRIES_OFFSET, pool.indexEntries(), MessageHeader.ORDER);
        buffer.putLong(offset + ACCESS_TICK_OFFSET, pool.accessTick(), MessageHeader.ORDER);
        buffer.putInt(offset + SLAB_COUNT_OFFSET, pool.slabCount(), MessageHeader.ORDER);
        buffer.putInt(offset + FREE_SLABS_OFFSET, pool.freeSlabs(), MessageHeader.ORDER);
        buffer.putInt(offset + OPEN_RESERVATIONS_OFFSET, pool.openReservations(), MessageHeader.ORDER);
        buffer.putInt(offset + ACTIVE_PINS_OFFSET, pool.activePins(), MessageHeader.ORDER);
        buffer.putInt(offset + SESSIONS_OFFSET, snapshot.sessions(), MessageHeader.ORDER);
        buffer.putInt(offset + COUNT_OFFSET, count, MessageHeader.ORDER);
        int position = offset + ENTRIES_OFFSET;
        for (final PoolStats.Namespace ns : pool.namespaces())
        {
            final NamespaceInfo info = ns.info();
            buffer.putInt(position, info.id(), MessageHeader.ORDER);
            buffer.putInt(position + SLABS_AT, ns.slabs(), MessageHeader.ORDER);
            buffer.putInt(position + MIN_SLABS_AT, info.minSlabs(), MessageHeader.ORDER);
            buffer.putInt(position + MAX_SLABS_AT, info.maxSlabs(), MessageHeader.ORDER);
            buffer.putInt(position + BLOCKS_PER_SLAB_AT, info.blocksPerSlab(), MessageHeader.ORDER);
            buffer.putInt(position + QUARANTINED_AT, ns.quarantinedBlocks(), MessageHeader.ORDER);
            final long[] figures = {info.blockSizeBytes(), ns.capacityBlocks(), ns.freeBlocks(), ns.writingBlocks(),
                ns.sealedBlocks(), ns.hits(), ns.misses(), ns.evictions(), ns.leaseExpiries(),
                ns.capacityRejections(), ns.slabsAcquired(), ns.slabsSurrendered()};
            for (int i = 0; i < figures.length; i++)
            {
                buffer.putLong(position + FIGURES_AT + i * Long.BYTES, figures[i], MessageHeader.ORDER);
            }
            final byte[] name = truncatedName(info.name());
            buffer.putByte(position + NAME_LENGTH_AT, (byte)name.length);
            buffer.setMemory(position + NAME_AT, NAME_BYTES, (byte)0);
            buffer.putBytes(position + NAME_AT, name);
            position += ENTRY_LENGTH;
        }
        return length;
    }

    private static byte[] truncatedName(final String name)
    {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > NAME_BYTES)
        {
            bytes = Arrays.copyOf(bytes, NAME_BYTES);
        }
        return bytes;
    }
}
