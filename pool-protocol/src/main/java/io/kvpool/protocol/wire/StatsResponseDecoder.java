package io.kvpool.protocol.wire;

import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.protocol.PoolStats;
import org.agrona.DirectBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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
 * The reading side; the layout is {@link StatsResponseEncoder}'s.
 */
public final class StatsResponseDecoder
{
    private StatsResponseDecoder()
    {
    }

    /**
     * @return the snapshot, or {@code null} when malformed.
     */
    public static StatsSnapshot decode(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < StatsResponseEncoder.ENTRIES_OFFSET)
        {
            return null;
        }
        final int count = buffer.getInt(offset + StatsResponseEncoder.COUNT_OFFSET, MessageHeader.ORDER);
        if (count < 0 || count > 65535 || length != StatsResponseEncoder.ENTRIES_OFFSET + count * StatsResponseEncoder.ENTRY_LENGTH)
        {
            return null;
        }
        final List<PoolStats.Namespace> namespaces = new ArrayList<>(count);
        int position = offset + StatsResponseEncoder.ENTRIES_OFFSET;
        for (int n = 0; n < count; n++, position += StatsResponseEncoder.ENTRY_LENGTH)
        {
            final long[] f = new long[StatsResponseEncoder.FIGURES];
            for (int i = 0; i < f.length; i++)
            {
                f[i] = buffer.getLong(position + StatsResponseEncoder.FIGURES_AT + i * Long.BYTES, MessageHeader.ORDER);
            }
            final int nameLength = Math.min(StatsResponseEncoder.NAME_BYTES, buffer.getByte(position + StatsResponseEncoder.NAME_LENGTH_AT) & 0xFF);
            final byte[] name = new byte[nameLength];
            buffer.getBytes(position + StatsResponseEncoder.NAME_AT, name);
            final NamespaceInfo info = new NamespaceInfo(buffer.getInt(position, MessageHeader.ORDER),
                new String(name, StandardCharsets.UTF_8), f[0],
                buffer.getInt(position + StatsResponseEncoder.BLOCKS_PER_SLAB_AT, MessageHeader.ORDER), buffer.getInt(position + StatsResponseEncoder.MIN_SLABS_AT, MessageHeader.ORDER),
                buffer.getInt(position + StatsResponseEncoder.MAX_SLABS_AT, MessageHeader.ORDER));
            namespaces.add(new PoolStats.Namespace(info, buffer.getInt(position + StatsResponseEncoder.SLABS_AT, MessageHeader.ORDER), f[1], f[2],
                f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], buffer.getInt(position + StatsResponseEncoder.QUARANTINED_AT, MessageHeader.ORDER)));
        }
        final PoolStats pool = new PoolStats(buffer.getLong(offset + StatsResponseEncoder.REGION_LENGTH_OFFSET, MessageHeader.ORDER),
            buffer.getLong(offset + StatsResponseEncoder.SLAB_SIZE_OFFSET, MessageHeader.ORDER), buffer.getInt(offset + StatsResponseEncoder.SLAB_COUNT_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + StatsResponseEncoder.FREE_SLABS_OFFSET, MessageHeader.ORDER), buffer.getInt(offset + StatsResponseEncoder.OPEN_RESERVATIONS_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + StatsResponseEncoder.ACTIVE_PINS_OFFSET, MessageHeader.ORDER), buffer.getLong(offset + StatsResponseEncoder.INDEX_ENTRIES_OFFSET, MessageHeader.ORDER),
            buffer.getLong(offset + StatsResponseEncoder.ACCESS_TICK_OFFSET, MessageHeader.ORDER), List.copyOf(namespaces));
        return new StatsSnapshot(buffer.getLong(offset + StatsResponseEncoder.MANAGER_EPOCH_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + StatsResponseEncoder.SESSIONS_OFFSET, MessageHeader.ORDER), buffer.getLong(offset + StatsResponseEncoder.REQUESTS_OFFSET, MessageHeader.ORDER),
            buffer.getLong(offset + StatsResponseEncoder.REJECTED_OFFSET, MessageHeader.ORDER), pool);
    }
}
