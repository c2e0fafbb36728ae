package io.kvpool.protocol.wire;

import io.kvpool.protocol.RegionGeometry;
import org.agrona.MutableDirectBuffer;
import java.util.List;

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
 * The writing side, and the layout both sides share; {@link HelloOkDecoder} reads.
 */
public final class HelloOkEncoder
{
    static final int NAMESPACE_ID_OFFSET = MessageHeader.LENGTH;
    static final int BLOCKS_PER_SLAB_OFFSET = 28;
    static final int BLOCK_SIZE_OFFSET = 32;
    static final int MANAGER_EPOCH_OFFSET = 40;
    static final int UUID_MSB_OFFSET = 48;
    static final int UUID_LSB_OFFSET = 56;
    static final int REGION_LENGTH_OFFSET = 64;
    static final int SLAB_SIZE_OFFSET = 72;
    static final int MIN_BLOCK_SIZE_OFFSET = 80;
    static final int SLAB_COUNT_OFFSET = 88;
    static final int MAX_BLOCKS_PER_SLAB_OFFSET = 92;
    static final int BLOCK_TABLE_OFFSET_OFFSET = 96;
    static final int DATA_OFFSET_OFFSET = 104;
    static final int RESERVATION_LEASE_OFFSET = 112;
    static final int PIN_LEASE_OFFSET = 120;
    static final int MAX_NAMESPACES_OFFSET = 128;
    static final int FEATURES_OFFSET = 132;
    static final int NAMESPACE_TABLE_OFFSET_OFFSET = 136;
    static final int SLAB_TABLE_OFFSET_OFFSET = 144;
    static final int PATH_OFFSET = 152;
    /** Most data lanes a manager offers. */
    public static final int MAX_LANES = 16;

    private HelloOkEncoder()
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
        buffer.putInt(offset + FEATURES_OFFSET, session.features(), MessageHeader.ORDER);
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
}
