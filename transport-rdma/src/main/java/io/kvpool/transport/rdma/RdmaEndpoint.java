package io.kvpool.transport.rdma;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What one side of a reliable-connected queue pair tells the other over the control plane before RDMA can flow:
 * its queue pair number, LID (InfiniBand) or GID (RoCE), port, and initial packet sequence number; the side that
 * owns the region adds its memory key and base address.
 *
 * @param qpNumber   queue pair number.
 * @param lid        local identifier (0 on RoCE).
 * @param gid        16-byte global identifier (RoCE v2: the IPv4-mapped address).
 * @param gidIndex   index of that GID in the port's table.
 * @param port       physical port number, 1-based.
 * @param psn        initial packet sequence number (24 bits).
 * @param rkey       remote key of the region (responder only, else 0).
 * @param baseAddress virtual address the region is registered at (responder only, else 0).
 * @param lengthBytes registered length (responder only, else 0).
 */
public record RdmaEndpoint(int qpNumber, int lid, byte[] gid, int gidIndex, int port, int psn, int rkey,
                           long baseAddress, long lengthBytes)
{
    public RdmaEndpoint
    {
        if (gid == null || gid.length != 16)
        {
            throw new IllegalArgumentException("gid must be 16 bytes");
        }
        gid = gid.clone();
    }

    @Override
    public byte[] gid()
    {
        return gid.clone();
    }

    /** Bytes of an encoded endpoint. */
    public static final int ENCODED_LENGTH = 48;

    /**
     * @return the endpoint as the control plane carries it (little-endian): u32 qpNumber, u16 lid, u8 port,
     *         u8 gidIndex, u32 psn, gid[16], u32 rkey, u64 baseAddress, u64 lengthBytes.
     */
    public byte[] encode()
    {
        final ByteBuffer buffer = ByteBuffer.allocate(ENCODED_LENGTH)
            .order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(qpNumber).putShort((short)lid).put((byte)port).put((byte)gidIndex).putInt(psn).put(gid)
            .putInt(rkey).putLong(baseAddress).putLong(lengthBytes);
        return buffer.array();
    }

    /**
     * @return the endpoint, or {@code null} when the bytes are not one.
     */
    public static RdmaEndpoint decode(final byte[] bytes)
    {
        if (bytes == null || bytes.length != ENCODED_LENGTH)
        {
            return null;
        }
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        final int qp = buffer.getInt();
        final int lid = Short.toUnsignedInt(buffer.getShort());
        final int port = Byte.toUnsignedInt(buffer.get());
        final int gidIndex = Byte.toUnsignedInt(buffer.get());
        final int psn = buffer.getInt();
        final byte[] gid = new byte[16];
        buffer.get(gid);
        return new RdmaEndpoint(qp, lid, gid, gidIndex, port, psn, buffer.getInt(), buffer.getLong(),
            buffer.getLong());
    }
}
