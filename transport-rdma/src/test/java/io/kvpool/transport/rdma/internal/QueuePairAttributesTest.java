package io.kvpool.transport.rdma.internal;

import io.kvpool.transport.rdma.RdmaEndpoint;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The queue-pair attributes kvpool hands to ibv_modify_qp, read back at the byte offsets rdma-core's headers give
 * (printed by src/test/c/verbs_layout.c on x86-64): what a device would see, checked without one.
 */
class QueuePairAttributesTest
{
    @Test
    void shouldFillInitReadyToReceiveAndReadyToSendAttributes()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment init = QueuePair.initAttributes(arena, 1);
            assertEquals(RdmaDevice.IBV_QPS_INIT, init.get(ValueLayout.JAVA_INT, 0));
            assertEquals(1, init.get(ValueLayout.JAVA_BYTE, 129), "port_num");
            assertEquals(Verbs.IBV_ACCESS_LOCAL_WRITE | Verbs.IBV_ACCESS_REMOTE_READ | Verbs.IBV_ACCESS_REMOTE_WRITE,
                init.get(ValueLayout.JAVA_INT, 32), "qp_access_flags");

            final byte[] gid = new byte[16];
            gid[10] = (byte)0xFF;
            gid[11] = (byte)0xFF;
            gid[12] = (byte)198;
            gid[13] = 18;
            gid[15] = 2;
            final RdmaEndpoint peer = new RdmaEndpoint(0x1234, 7, gid, 1, 1, 0xABCDE, 0, 0, 0);
            final MemorySegment rtr = QueuePair.readyToReceiveAttributes(arena, peer, 1, 1);
            assertEquals(RdmaDevice.IBV_QPS_RTR, rtr.get(ValueLayout.JAVA_INT, 0));
            assertEquals(RdmaDevice.IBV_MTU_1024, rtr.get(ValueLayout.JAVA_INT, 8), "path_mtu");
            assertEquals(0xABCDE, rtr.get(ValueLayout.JAVA_INT, 20), "rq_psn");
            assertEquals(0x1234, rtr.get(ValueLayout.JAVA_INT, 28), "dest_qp_num");
            final byte[] dgid = new byte[16];
            MemorySegment.copy(rtr, ValueLayout.JAVA_BYTE, 56, dgid, 0, 16);
            assertArrayEquals(gid, dgid, "ah_attr.grh.dgid");
            assertEquals(1, rtr.get(ValueLayout.JAVA_BYTE, 56 + 20), "ah_attr.grh.sgid_index");
            assertEquals(1, rtr.get(ValueLayout.JAVA_BYTE, 56 + 21), "ah_attr.grh.hop_limit");
            assertEquals(7, rtr.get(ValueLayout.JAVA_SHORT, 56 + 24), "ah_attr.dlid");
            assertEquals(1, rtr.get(ValueLayout.JAVA_BYTE, 56 + 29), "ah_attr.is_global");
            assertEquals(1, rtr.get(ValueLayout.JAVA_BYTE, 56 + 30), "ah_attr.port_num");
            assertEquals(16, rtr.get(ValueLayout.JAVA_BYTE, 127), "max_dest_rd_atomic");
            assertEquals(12, rtr.get(ValueLayout.JAVA_BYTE, 128), "min_rnr_timer");

            final MemorySegment rts = QueuePair.readyToSendAttributes(arena, 0x55AA);
            assertEquals(RdmaDevice.IBV_QPS_RTS, rts.get(ValueLayout.JAVA_INT, 0));
            assertEquals(0x55AA, rts.get(ValueLayout.JAVA_INT, 24), "sq_psn");
            assertEquals(16, rts.get(ValueLayout.JAVA_BYTE, 126), "max_rd_atomic");
            assertEquals(14, rts.get(ValueLayout.JAVA_BYTE, 130), "timeout");
            assertEquals(7, rts.get(ValueLayout.JAVA_BYTE, 131), "retry_cnt");
            assertEquals(7, rts.get(ValueLayout.JAVA_BYTE, 132), "rnr_retry");
        }
    }

    @Test
    void shouldRoundTripEndpoints()
    {
        final byte[] gid = new byte[16];
        gid[3] = 9;
        final RdmaEndpoint endpoint = new RdmaEndpoint(77, 3, gid, 1, 1, 0xFFFFFF, 0xCAFE, 0x7F0000001000L, 1L << 30);
        final RdmaEndpoint decoded = RdmaEndpoint.decode(endpoint.encode());
        assertEquals(endpoint.qpNumber(), decoded.qpNumber());
        assertEquals(endpoint.lid(), decoded.lid());
        assertArrayEquals(endpoint.gid(), decoded.gid());
        assertEquals(endpoint.psn(), decoded.psn());
        assertEquals(endpoint.rkey(), decoded.rkey());
        assertEquals(endpoint.baseAddress(), decoded.baseAddress());
        assertEquals(endpoint.lengthBytes(), decoded.lengthBytes());
        assertEquals(null, RdmaEndpoint.decode(new byte[47]));
    }
}
