package io.kvpool.protocol.wire;

import io.kvpool.protocol.RegionGeometry;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * HELLO_OK: the session is open. The header's sessionId is the new session's id. Body:
 * <pre>
 *   24  u32 namespaceId        28  u32 blocksPerSlab
 *   32  u64 blockSizeBytes     40  u64 managerEpoch
 *   48  u64 uuidMsb            56  u64 uuidLsb
 *   64  u64 regionLengthBytes  72  u64 slabSizeBytes      80  u64 minBlockSizeBytes
 *   88  u32 slabCount          92  u32 maxBlocksPerSlab
 *   96  u64 blockTableOffset  104  u64 dataOffset
 *  112  u64 reservationLeaseNs 120 u64 pinLeaseNs
 *  128  u32 maxNamespaces      132 u32 0
 *  136  u64 namespaceTableOffset 144 u64 slabTableOffset
 *  152  text pathHint
 *  then u32 laneCount (at most {@link #MAX_LANES}), laneCount x u32 port: the manager's further data lanes
 * </pre>
 * With it a client has the whole geometry: it can map the region and read the block table without recomputing
 * anything. Stateless.
 */
public final class HelloOkFlyweight
{
    private static final int NAMESPACE_ID_OFFSET = MessageHeader.LENGTH;
    private static final int BLOCKS_PER_SLAB_OFFSET = 28;
    private static final int BLOCK_SIZE_OFFSET = 32;
    private static final int MANAGER_EPOCH_OFFSET = 40;
    private static final int UUID_MSB_OFFSET = 48;
    private static final int UUID_LSB_OFFSET = 56;
    private static final int REGION_LENGTH_OFFSET = 64;
    private static final int SLAB_SIZE_OFFSET = 72;
    private static final int MIN_BLOCK_SIZE_OFFSET = 80;
    private static final int SLAB_COUNT_OFFSET = 88;
    private static final int MAX_BLOCKS_PER_SLAB_OFFSET = 92;
    private static final int BLOCK_TABLE_OFFSET_OFFSET = 96;
    private static final int DATA_OFFSET_OFFSET = 104;
    private static final int RESERVATION_LEASE_OFFSET = 112;
    private static final int PIN_LEASE_OFFSET = 120;
    private static final int MAX_NAMESPACES_OFFSET = 128;
    private static final int RESERVED_OFFSET = 132;
    private static final int NAMESPACE_TABLE_OFFSET_OFFSET = 136;
    private static final int SLAB_TABLE_OFFSET_OFFSET = 144;
    private static final int PATH_OFFSET = 152;
    /** Most data lanes a manager offers. */
    public static final int MAX_LANES = 16;

    private HelloOkFlyweight()
    {
    }

    /**
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final long correlationId, final SessionDescriptor session)
    {
        MessageHeader.write(buffer, offset, MessageType.HELLO_OK, 0, correlationId, session.sessionId());
        final RegionGeometry geometry = session.geometry();
        buffer.putInt(offset + NAMESPACE_ID_OFFSET, session.namespaceId(), MessageHeader.ORDER);
        buffer.putInt(offset + BLOCKS_PER_SLAB_OFFSET, session.blocksPerSlab(), MessageHeader.ORDER);
        buffer.putLong(offset + BLOCK_SIZE_OFFSET, session.blockSizeBytes(), MessageHeader.ORDER);
        buffer.putLong(offset + MANAGER_EPOCH_OFFSET, session.managerEpoch(), MessageHeader.ORDER);
        buffer.putLong(offset + UUID_MSB_OFFSET, session.regionUuid().getMostSignificantBits(), MessageHeader.ORDER);
        buffer.putLong(offset + UUID_LSB_OFFSET, session.regionUuid().getLeastSignificantBits(), MessageHeader.ORDER);
        buffer.putLong(offset + REGION_LENGTH_OFFSET, geometry.regionLengthBytes(), MessageHeader.ORDER);
        buffer.putLong(offset + SLAB_SIZE_OFFSET, geometry.slabSizeBytes(), MessageHeader.ORDER);
        buffer.putLong(offset + MIN_BLOCK_SIZE_OFFSET, geometry.minBlockSizeBytes(), MessageHeader.ORDER);
        buffer.putInt(offset + SLAB_COUNT_OFFSET, geometry.slabCount(), MessageHeader.ORDER);
        buffer.putInt(offset + MAX_BLOCKS_PER_SLAB_OFFSET, geometry.maxBlocksPerSlab(), MessageHeader.ORDER);
        buffer.putLong(offset + BLOCK_TABLE_OFFSET_OFFSET, geometry.blockTableOffset(), MessageHeader.ORDER);
        buffer.putLong(offset + DATA_OFFSET_OFFSET, geometry.dataOffset(), MessageHeader.ORDER);
        buffer.putLong(offset + RESERVATION_LEASE_OFFSET, session.reservationLeaseNs(), MessageHeader.ORDER);
        buffer.putLong(offset + PIN_LEASE_OFFSET, session.pinLeaseNs(), MessageHeader.ORDER);
        buffer.putInt(offset + MAX_NAMESPACES_OFFSET, geometry.maxNamespaces(), MessageHeader.ORDER);
        buffer.putInt(offset + RESERVED_OFFSET, 0, MessageHeader.ORDER);
        buffer.putLong(offset + NAMESPACE_TABLE_OFFSET_OFFSET, geometry.namespaceTableOffset(), MessageHeader.ORDER);
        buffer.putLong(offset + SLAB_TABLE_OFFSET_OFFSET, geometry.slabTableOffset(), MessageHeader.ORDER);
        int length = PATH_OFFSET + WireText.put(buffer, offset + PATH_OFFSET, session.pathHint());
        final List<Integer> lanes = session.dataLanePorts();
        buffer.putInt(offset + length, lanes.size(), MessageHeader.ORDER);
        length += 4;
        for (final int port : lanes)
        {
            buffer.putInt(offset + length, port, MessageHeader.ORDER);
            length += 4;
        }
        MessageHeader.frameLength(buffer, offset, length);
        return length;
    }

    /**
     * @return the session, or {@code null} when the body is malformed.
     */
    public static SessionDescriptor decode(final DirectBuffer buffer, final int offset, final int length)
    {
        final int lanesAt = length < PATH_OFFSET ? -1 : WireText.skip(buffer, offset + PATH_OFFSET, offset + length);
        if (lanesAt < 0 || lanesAt + 4 > offset + length)
        {
            return null;
        }
        final int laneCount = buffer.getInt(lanesAt, MessageHeader.ORDER);
        if (laneCount < 0 || laneCount > MAX_LANES || lanesAt + 4 + 4 * laneCount != offset + length)
        {
            return null;
        }
        final List<Integer> lanes = new ArrayList<>(laneCount);
        for (int i = 0; i < laneCount; i++)
        {
            final int port = buffer.getInt(lanesAt + 4 + 4 * i, MessageHeader.ORDER);
            if (port <= 0 || port > 65_535)
            {
                return null;
            }
            lanes.add(port);
        }
        final long regionLength = buffer.getLong(offset + REGION_LENGTH_OFFSET, MessageHeader.ORDER);
        final long slabSize = buffer.getLong(offset + SLAB_SIZE_OFFSET, MessageHeader.ORDER);
        final long minBlock = buffer.getLong(offset + MIN_BLOCK_SIZE_OFFSET, MessageHeader.ORDER);
        final RegionGeometry geometry = new RegionGeometry(regionLength, slabSize, minBlock,
            buffer.getInt(offset + MAX_NAMESPACES_OFFSET, MessageHeader.ORDER), buffer.getInt(offset + SLAB_COUNT_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + MAX_BLOCKS_PER_SLAB_OFFSET, MessageHeader.ORDER), buffer.getLong(offset + NAMESPACE_TABLE_OFFSET_OFFSET, MessageHeader.ORDER),
            buffer.getLong(offset + SLAB_TABLE_OFFSET_OFFSET, MessageHeader.ORDER),
            buffer.getLong(offset + BLOCK_TABLE_OFFSET_OFFSET, MessageHeader.ORDER), buffer.getLong(offset + DATA_OFFSET_OFFSET, MessageHeader.ORDER));
        return new SessionDescriptor(
            MessageHeader.sessionId(buffer, offset),
            buffer.getInt(offset + NAMESPACE_ID_OFFSET, MessageHeader.ORDER),
            buffer.getLong(offset + BLOCK_SIZE_OFFSET, MessageHeader.ORDER),
            buffer.getInt(offset + BLOCKS_PER_SLAB_OFFSET, MessageHeader.ORDER),
            buffer.getLong(offset + MANAGER_EPOCH_OFFSET, MessageHeader.ORDER),
            new UUID(buffer.getLong(offset + UUID_MSB_OFFSET, MessageHeader.ORDER), buffer.getLong(offset + UUID_LSB_OFFSET, MessageHeader.ORDER)),
            WireText.get(buffer, offset + PATH_OFFSET),
            geometry,
            buffer.getLong(offset + RESERVATION_LEASE_OFFSET, MessageHeader.ORDER),
            buffer.getLong(offset + PIN_LEASE_OFFSET, MessageHeader.ORDER),
            lanes);
    }
}
