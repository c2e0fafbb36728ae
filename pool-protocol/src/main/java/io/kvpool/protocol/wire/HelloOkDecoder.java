package io.kvpool.protocol.wire;

import io.kvpool.protocol.RegionGeometry;
import org.agrona.DirectBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.kvpool.protocol.wire.HelloOkEncoder.BLOCKS_PER_SLAB_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.BLOCK_SIZE_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.BLOCK_TABLE_OFFSET_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.DATA_OFFSET_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.FEATURES_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.MANAGER_EPOCH_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.MAX_BLOCKS_PER_SLAB_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.MAX_LANES;
import static io.kvpool.protocol.wire.HelloOkEncoder.MAX_NAMESPACES_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.MIN_BLOCK_SIZE_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.NAMESPACE_ID_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.NAMESPACE_TABLE_OFFSET_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.PATH_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.PIN_LEASE_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.REGION_LENGTH_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.RESERVATION_LEASE_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.SLAB_COUNT_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.SLAB_SIZE_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.SLAB_TABLE_OFFSET_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.UUID_LSB_OFFSET;
import static io.kvpool.protocol.wire.HelloOkEncoder.UUID_MSB_OFFSET;

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
 *  128  u32 maxNamespaces      132 u32 features (bits: SessionDescriptor.FEATURE_*)
 *  136  u64 namespaceTableOffset 144 u64 slabTableOffset
 *  152  text pathHint
 *  then u32 laneCount (at most {@link #MAX_LANES}), laneCount x u32 port: the manager's further data lanes
 * </pre>
 * With it a client has the whole geometry: it can map the region and read the block table without recomputing
 * anything. Stateless.
 * <p>
 * The reading side; the layout is {@link HelloOkEncoder}'s.
 */
public final class HelloOkDecoder
{
    private HelloOkDecoder()
    {
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
            lanes,
            buffer.getInt(offset + FEATURES_OFFSET, MessageHeader.ORDER));
    }
}
