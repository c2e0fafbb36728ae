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
        buffer.putInt(offset + 24, session.namespaceId(), MessageHeader.ORDER);
        buffer.putInt(offset + 28, session.blocksPerSlab(), MessageHeader.ORDER);
        buffer.putLong(offset + 32, session.blockSizeBytes(), MessageHeader.ORDER);
        buffer.putLong(offset + 40, session.managerEpoch(), MessageHeader.ORDER);
        buffer.putLong(offset + 48, session.regionUuid().getMostSignificantBits(), MessageHeader.ORDER);
        buffer.putLong(offset + 56, session.regionUuid().getLeastSignificantBits(), MessageHeader.ORDER);
        buffer.putLong(offset + 64, geometry.regionLengthBytes(), MessageHeader.ORDER);
        buffer.putLong(offset + 72, geometry.slabSizeBytes(), MessageHeader.ORDER);
        buffer.putLong(offset + 80, geometry.minBlockSizeBytes(), MessageHeader.ORDER);
        buffer.putInt(offset + 88, geometry.slabCount(), MessageHeader.ORDER);
        buffer.putInt(offset + 92, geometry.maxBlocksPerSlab(), MessageHeader.ORDER);
        buffer.putLong(offset + 96, geometry.blockTableOffset(), MessageHeader.ORDER);
        buffer.putLong(offset + 104, geometry.dataOffset(), MessageHeader.ORDER);
        buffer.putLong(offset + 112, session.reservationLeaseNs(), MessageHeader.ORDER);
        buffer.putLong(offset + 120, session.pinLeaseNs(), MessageHeader.ORDER);
        buffer.putInt(offset + 128, geometry.maxNamespaces(), MessageHeader.ORDER);
        buffer.putInt(offset + 132, 0, MessageHeader.ORDER);
        buffer.putLong(offset + 136, geometry.namespaceTableOffset(), MessageHeader.ORDER);
        buffer.putLong(offset + 144, geometry.slabTableOffset(), MessageHeader.ORDER);
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
        final long regionLength = buffer.getLong(offset + 64, MessageHeader.ORDER);
        final long slabSize = buffer.getLong(offset + 72, MessageHeader.ORDER);
        final long minBlock = buffer.getLong(offset + 80, MessageHeader.ORDER);
        final RegionGeometry geometry = new RegionGeometry(regionLength, slabSize, minBlock,
            buffer.getInt(offset + 128, MessageHeader.ORDER), buffer.getInt(offset + 88, MessageHeader.ORDER),
            buffer.getInt(offset + 92, MessageHeader.ORDER), buffer.getLong(offset + 136, MessageHeader.ORDER),
            buffer.getLong(offset + 144, MessageHeader.ORDER),
            buffer.getLong(offset + 96, MessageHeader.ORDER), buffer.getLong(offset + 104, MessageHeader.ORDER));
        return new SessionDescriptor(
            MessageHeader.sessionId(buffer, offset),
            buffer.getInt(offset + 24, MessageHeader.ORDER),
            buffer.getLong(offset + 32, MessageHeader.ORDER),
            buffer.getInt(offset + 28, MessageHeader.ORDER),
            buffer.getLong(offset + 40, MessageHeader.ORDER),
            new UUID(buffer.getLong(offset + 48, MessageHeader.ORDER), buffer.getLong(offset + 56, MessageHeader.ORDER)),
            WireText.get(buffer, offset + PATH_OFFSET),
            geometry,
            buffer.getLong(offset + 112, MessageHeader.ORDER),
            buffer.getLong(offset + 120, MessageHeader.ORDER),
            lanes);
    }
}
