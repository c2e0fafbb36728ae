package io.kvpool.protocol.wire;

import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.protocol.PoolStats;
import org.agrona.DirectBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.kvpool.protocol.wire.StatsResponseEncoder.ACCESS_TICK_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.ACTIVE_PINS_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.BLOCKS_PER_SLAB_AT;
import static io.kvpool.protocol.wire.StatsResponseEncoder.COUNT_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.ENTRIES_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.ENTRY_LENGTH;
import static io.kvpool.protocol.wire.StatsResponseEncoder.FIGURES;
import static io.kvpool.protocol.wire.StatsResponseEncoder.FIGURES_AT;
import static io.kvpool.protocol.wire.StatsResponseEncoder.FREE_SLABS_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.INDEX_ENTRIES_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.MANAGER_EPOCH_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.MAX_SLABS_AT;
import static io.kvpool.protocol.wire.StatsResponseEncoder.MIN_SLABS_AT;
import static io.kvpool.protocol.wire.StatsResponseEncoder.NAME_AT;
import static io.kvpool.protocol.wire.StatsResponseEncoder.NAME_BYTES;
import static io.kvpool.protocol.wire.StatsResponseEncoder.NAME_LENGTH_AT;
import static io.kvpool.protocol.wire.StatsResponseEncoder.OPEN_RESERVATIONS_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.QUARANTINED_AT;
import static io.kvpool.protocol.wire.StatsResponseEncoder.REGION_LENGTH_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.REJECTED_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.REQUESTS_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.SESSIONS_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.SLABS_AT;
import static io.kvpool.protocol.wire.StatsResponseEncoder.SLAB_COUNT_OFFSET;
import static io.kvpool.protocol.wire.StatsResponseEncoder.SLAB_SIZE_OFFSET;

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
        if (length < ENTRIES_OFFSET)
        {
            return null;
        }
        final int count = buffer.getInt(offset + COUNT_OFFSET, MessageHeader.ORDER);
        if (count < 0 || count > 65535 || length != ENTRIES_OFFSET + count * ENTRY_LENGTH)
        {
            return null;
        }
        final List<PoolStats.Namespace> namespaces = new ArrayList<>(count);
        int position = offset + ENTRIES_OFFSET;
        for (int n = 0; n < count; n++, position += ENTRY_LENGTH)
        {
            final long[] f = new long[FIGURES];
            for (int i = 0; i < f.length; i++)
            {
                f[i] = buffer.getLong(position + FIGURES_AT + i * Long.BYTES, MessageHeader.ORDER);
            }
            final int nameLength = Math.min(NAME_BYTES, buffer.getByte(position + NAME_LENGTH_AT) & 0xFF);
            final byte[] name = new byte[nameLength];
            buffer.getBytes(position + NAME_AT, name);
            final NamespaceInfo info = new NamespaceInfo(buffer.getInt(position, MessageHeader.ORDER),
                new String(name, StandardCharsets.UTF_8), f[0],
                buffer.getInt(position + BLOCKS_PER_SLAB_AT, MessageHeader.ORDER), buffer.getInt(position + MIN_SLABS_AT, MessageHeader.ORDER),
                buffer.getInt(position + MAX_SLABS_AT, MessageHeader.ORDER));
            namespaces.add(new PoolStats.Namespace(info, buffer.getInt(position + SLABS_AT, MessageHeader.ORDER), f[1], f[2],
                f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], buffer.getInt(position + QUARANTINED_AT, MessageHeader.ORDER)));
        }
        final PoolStats pool = new PoolStats(buffer.getLong(offset + REGION_LENGTH_OFFSET, MessageHeader.ORDER),
            buffer.getLong(offset + SLAB_SIZE_OFFSET, MessageHeader.ORDER), buffer.getInt(offset + SLAB_COUNT_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + FREE_SLABS_OFFSET, MessageHeader.ORDER), buffer.getInt(offset + OPEN_RESERVATIONS_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + ACTIVE_PINS_OFFSET, MessageHeader.ORDER), buffer.getLong(offset + INDEX_ENTRIES_OFFSET, MessageHeader.ORDER),
            buffer.getLong(offset + ACCESS_TICK_OFFSET, MessageHeader.ORDER), List.copyOf(namespaces));
        return new StatsSnapshot(buffer.getLong(offset + MANAGER_EPOCH_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + SESSIONS_OFFSET, MessageHeader.ORDER), buffer.getLong(offset + REQUESTS_OFFSET, MessageHeader.ORDER),
            buffer.getLong(offset + REJECTED_OFFSET, MessageHeader.ORDER), pool);
    }
}
