package io.kvpool.protocol.wire;

import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.protocol.PoolStats;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

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
 */
public final class StatsResponseFlyweight
{
    private static final int ENTRIES_OFFSET = 104;
    private static final int ENTRY_LENGTH = 184;
    private static final int NAME_BYTES = 63;

    private StatsResponseFlyweight()
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
        buffer.putLong(offset + 24, snapshot.managerEpoch(), MessageHeader.ORDER);
        buffer.putLong(offset + 32, snapshot.requests(), MessageHeader.ORDER);
        buffer.putLong(offset + 40, snapshot.rejectedRequests(), MessageHeader.ORDER);
        buffer.putLong(offset + 48, pool.regionLengthBytes(), MessageHeader.ORDER);
        buffer.putLong(offset + 56, pool.slabSizeBytes(), MessageHeader.ORDER);
        buffer.putLong(offset + 64, pool.indexEntries(), MessageHeader.ORDER);
        buffer.putLong(offset + 72, pool.accessTick(), MessageHeader.ORDER);
        buffer.putInt(offset + 80, pool.slabCount(), MessageHeader.ORDER);
        buffer.putInt(offset + 84, pool.freeSlabs(), MessageHeader.ORDER);
        buffer.putInt(offset + 88, pool.openReservations(), MessageHeader.ORDER);
        buffer.putInt(offset + 92, pool.activePins(), MessageHeader.ORDER);
        buffer.putInt(offset + 96, snapshot.sessions(), MessageHeader.ORDER);
        buffer.putInt(offset + 100, count, MessageHeader.ORDER);
        int position = offset + ENTRIES_OFFSET;
        for (final PoolStats.Namespace ns : pool.namespaces())
        {
            final NamespaceInfo info = ns.info();
            buffer.putInt(position, info.id(), MessageHeader.ORDER);
            buffer.putInt(position + 4, ns.slabs(), MessageHeader.ORDER);
            buffer.putInt(position + 8, info.minSlabs(), MessageHeader.ORDER);
            buffer.putInt(position + 12, info.maxSlabs(), MessageHeader.ORDER);
            buffer.putInt(position + 16, info.blocksPerSlab(), MessageHeader.ORDER);
            buffer.putInt(position + 20, ns.quarantinedBlocks(), MessageHeader.ORDER);
            final long[] figures = {info.blockSizeBytes(), ns.capacityBlocks(), ns.freeBlocks(), ns.writingBlocks(),
                ns.sealedBlocks(), ns.hits(), ns.misses(), ns.evictions(), ns.leaseExpiries(),
                ns.capacityRejections(), ns.slabsAcquired(), ns.slabsSurrendered()};
            for (int i = 0; i < figures.length; i++)
            {
                buffer.putLong(position + 24 + i * 8, figures[i], MessageHeader.ORDER);
            }
            final byte[] name = truncatedName(info.name());
            buffer.putByte(position + 120, (byte)name.length);
            buffer.setMemory(position + 121, NAME_BYTES, (byte)0);
            buffer.putBytes(position + 121, name);
            position += ENTRY_LENGTH;
        }
        return length;
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
        final int count = buffer.getInt(offset + 100, MessageHeader.ORDER);
        if (count < 0 || count > 65535 || length != ENTRIES_OFFSET + count * ENTRY_LENGTH)
        {
            return null;
        }
        final List<PoolStats.Namespace> namespaces = new ArrayList<>(count);
        int position = offset + ENTRIES_OFFSET;
        for (int n = 0; n < count; n++, position += ENTRY_LENGTH)
        {
            final long[] f = new long[12];
            for (int i = 0; i < f.length; i++)
            {
                f[i] = buffer.getLong(position + 24 + i * 8, MessageHeader.ORDER);
            }
            final int nameLength = Math.min(NAME_BYTES, buffer.getByte(position + 120) & 0xFF);
            final byte[] name = new byte[nameLength];
            buffer.getBytes(position + 121, name);
            final NamespaceInfo info = new NamespaceInfo(buffer.getInt(position, MessageHeader.ORDER),
                new String(name, java.nio.charset.StandardCharsets.UTF_8), f[0],
                buffer.getInt(position + 16, MessageHeader.ORDER), buffer.getInt(position + 8, MessageHeader.ORDER),
                buffer.getInt(position + 12, MessageHeader.ORDER));
            namespaces.add(new PoolStats.Namespace(info, buffer.getInt(position + 4, MessageHeader.ORDER), f[1], f[2],
                f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], buffer.getInt(position + 20, MessageHeader.ORDER)));
        }
        final PoolStats pool = new PoolStats(buffer.getLong(offset + 48, MessageHeader.ORDER),
            buffer.getLong(offset + 56, MessageHeader.ORDER), buffer.getInt(offset + 80, MessageHeader.ORDER),
            buffer.getInt(offset + 84, MessageHeader.ORDER), buffer.getInt(offset + 88, MessageHeader.ORDER),
            buffer.getInt(offset + 92, MessageHeader.ORDER), buffer.getLong(offset + 64, MessageHeader.ORDER),
            buffer.getLong(offset + 72, MessageHeader.ORDER), List.copyOf(namespaces));
        return new StatsSnapshot(buffer.getLong(offset + 24, MessageHeader.ORDER),
            buffer.getInt(offset + 96, MessageHeader.ORDER), buffer.getLong(offset + 32, MessageHeader.ORDER),
            buffer.getLong(offset + 40, MessageHeader.ORDER), pool);
    }

    private static byte[] truncatedName(final String name)
    {
        byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length > NAME_BYTES)
        {
            bytes = java.util.Arrays.copyOf(bytes, NAME_BYTES);
        }
        return bytes;
    }
}
