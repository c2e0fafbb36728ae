package io.kvpool.transport.rdma.internal;

import io.kvpool.transport.rdma.RdmaEndpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * A reliable-connected queue pair and its completion queue: connected to a peer's {@link RdmaEndpoint} (RTR, then
 * RTS), then used for chains of one-sided RDMA READs and WRITEs, of which only the last is signaled; the chain
 * completes when that completion arrives (RC executes a QP's requests in order and reports an error on the first
 * failure and flushes the rest).
 * <p>
 * Not thread-safe: one owner posts and polls.
 */
public final class QueuePair implements AutoCloseable
{
    /** Work requests one chain may hold (the send queue is sized for it). */
    public static final int MAX_CHAIN = 96;
    private static final long WR_SIZE = VerbsLayouts.IBV_SEND_WR.byteSize();
    private static final long SGE_SIZE = VerbsLayouts.IBV_SGE.byteSize();

    private final RdmaDevice device;
    private final Verbs verbs;
    private final MemorySegment qp;
    private final MemorySegment cq;
    private final int psn;
    private final MemorySegment requests;
    private final MemorySegment sges;
    private final MemorySegment badWr;
    private final MemorySegment completion;
    private int chained;

    QueuePair(final RdmaDevice device, final Verbs verbs, final MemorySegment qp, final MemorySegment cq,
              final int psn)
    {
        this.device = device;
        this.verbs = verbs;
        this.qp = qp;
        this.cq = cq;
        this.psn = psn;
        final Arena arena = device.arena();
        this.requests = arena.allocate(WR_SIZE * MAX_CHAIN, 8);
        this.sges = arena.allocate(SGE_SIZE * MAX_CHAIN, 8);
        this.badWr = arena.allocate(ValueLayout.ADDRESS);
        this.completion = arena.allocate(VerbsLayouts.IBV_WC);
    }

    /**
     * @return the attributes that move a fresh QP to INIT with remote read and write allowed.
     */
    static MemorySegment initAttributes(final Arena arena, final int port)
    {
        final MemorySegment attr = arena.allocate(VerbsLayouts.IBV_QP_ATTR);
        final RdmaDevice.StructView view = new RdmaDevice.StructView(attr, VerbsLayouts.IBV_QP_ATTR);
        view.intAt(new String[]{"qp_state"}, RdmaDevice.IBV_QPS_INIT);
        view.shortAt(new String[]{"pkey_index"}, 0);
        view.byteAt(new String[]{"port_num"}, port);
        view.intAt(new String[]{"qp_access_flags"}, Verbs.IBV_ACCESS_LOCAL_WRITE | Verbs.IBV_ACCESS_REMOTE_READ |
            Verbs.IBV_ACCESS_REMOTE_WRITE);
        return attr;
    }

    /**
     * @return the attributes that move an INIT QP to RTR towards the peer (RoCE: routed by GID).
     */
    static MemorySegment readyToReceiveAttributes(
        final Arena arena, final RdmaEndpoint peer, final int localPort, final int localGidIndex)
    {
        final MemorySegment attr = arena.allocate(VerbsLayouts.IBV_QP_ATTR);
        final RdmaDevice.StructView view = new RdmaDevice.StructView(attr, VerbsLayouts.IBV_QP_ATTR);
        view.intAt(new String[]{"qp_state"}, RdmaDevice.IBV_QPS_RTR);
        view.intAt(new String[]{"path_mtu"}, RdmaDevice.IBV_MTU_1024);
        view.intAt(new String[]{"dest_qp_num"}, peer.qpNumber());
        view.intAt(new String[]{"rq_psn"}, peer.psn());
        view.byteAt(new String[]{"max_dest_rd_atomic"}, 16);
        view.byteAt(new String[]{"min_rnr_timer"}, 12);
        view.shortAt(new String[]{"ah_attr", "dlid"}, peer.lid());
        view.byteAt(new String[]{"ah_attr", "port_num"}, localPort);
        view.byteAt(new String[]{"ah_attr", "is_global"}, 1);
        view.bytesAt(new String[]{"ah_attr", "grh", "dgid"}, peer.gid());
        view.byteAt(new String[]{"ah_attr", "grh", "sgid_index"}, localGidIndex);
        view.byteAt(new String[]{"ah_attr", "grh", "hop_limit"}, 1);
        return attr;
    }

    /**
     * The local ACK timeout, as the exponent {@code n} of 4.096 us x 2^n, that a request waits for its ACK before
     * it is retransmitted (7 times, then the queue pair fails): 14 (67 ms) by default, as on real fabrics; an
     * emulated one (the rig's Soft-RoCE under QEMU) needs longer (-Dkvpool.rdma.ackTimeout=20: 4.3 s).
     */
    static final int ACK_TIMEOUT_EXPONENT = Integer.getInteger("kvpool.rdma.ackTimeout", 14);

    /**
     * @return the attributes that move an RTR QP to RTS.
     */
    static MemorySegment readyToSendAttributes(final Arena arena, final int psn)
    {
        final MemorySegment attr = arena.allocate(VerbsLayouts.IBV_QP_ATTR);
        final RdmaDevice.StructView view = new RdmaDevice.StructView(attr, VerbsLayouts.IBV_QP_ATTR);
        view.intAt(new String[]{"qp_state"}, RdmaDevice.IBV_QPS_RTS);
        view.intAt(new String[]{"sq_psn"}, psn);
        view.byteAt(new String[]{"timeout"}, ACK_TIMEOUT_EXPONENT);
        view.byteAt(new String[]{"retry_cnt"}, 7);
        view.byteAt(new String[]{"rnr_retry"}, 7);
        view.byteAt(new String[]{"max_rd_atomic"}, 16);
        return attr;
    }

    /**
     * Connects to the peer: INIT -> RTR -> RTS.
     */
    public void connect(final RdmaEndpoint peer)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment rtr = readyToReceiveAttributes(arena, peer, device.port(), device.gidIndex());
            RdmaDevice.check((int)verbs.modifyQp().invokeExact(qp, rtr, RdmaDevice.IBV_QP_STATE |
                RdmaDevice.IBV_QP_AV | RdmaDevice.IBV_QP_PATH_MTU | (1 << 20) | RdmaDevice.IBV_QP_RQ_PSN |
                RdmaDevice.IBV_QP_MAX_DEST_RD_ATOMIC | RdmaDevice.IBV_QP_MIN_RNR_TIMER) == 0, "ibv_modify_qp to RTR");
            final MemorySegment rts = readyToSendAttributes(arena, psn);
            RdmaDevice.check((int)verbs.modifyQp().invokeExact(qp, rts, RdmaDevice.IBV_QP_STATE |
                RdmaDevice.IBV_QP_TIMEOUT | RdmaDevice.IBV_QP_RETRY_CNT | RdmaDevice.IBV_QP_RNR_RETRY |
                RdmaDevice.IBV_QP_SQ_PSN | RdmaDevice.IBV_QP_MAX_QP_RD_ATOMIC) == 0, "ibv_modify_qp to RTS");
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("connecting the queue pair failed", t);
        }
    }

    public int number()
    {
        return qp.get(ValueLayout.JAVA_INT, VerbsLayouts.IBV_QP.byteOffset(groupElement("qp_num")));
    }

    public int psn()
    {
        return psn;
    }

    /**
     * @return whether {@code requests} more fit in the chain being built.
     */
    public boolean hasRoom(final int requests)
    {
        return chained + requests <= MAX_CHAIN;
    }

    /**
     * Appends an RDMA READ or WRITE to the chain.
     *
     * @param opcode       {@link Verbs#IBV_WR_RDMA_READ} or {@link Verbs#IBV_WR_RDMA_WRITE}.
     * @param local        local registered memory (address, length).
     * @param lkey         its local key.
     * @param remoteAddress address in the peer's registered region.
     * @param rkey         the region's remote key.
     */
    public void add(final int opcode, final MemorySegment local, final int lkey, final long remoteAddress,
                    final int rkey)
    {
        final MemorySegment sge = sges.asSlice(chained * SGE_SIZE, SGE_SIZE);
        sge.set(ValueLayout.JAVA_LONG, 0, local.address());
        sge.set(ValueLayout.JAVA_INT, 8, (int)local.byteSize());
        sge.set(ValueLayout.JAVA_INT, 12, lkey);
        final MemorySegment wr = requests.asSlice(chained * WR_SIZE, WR_SIZE).fill((byte)0);
        final RdmaDevice.StructView view = new RdmaDevice.StructView(wr, VerbsLayouts.IBV_SEND_WR);
        wr.set(ValueLayout.JAVA_LONG, view.offset(new String[]{"wr_id"}), chained);
        wr.set(ValueLayout.ADDRESS, view.offset(new String[]{"sg_list"}), sge);
        view.intAt(new String[]{"num_sge"}, 1);
        view.intAt(new String[]{"opcode"}, opcode);
        wr.set(ValueLayout.JAVA_LONG, view.offset(new String[]{"wr", "rdma", "remote_addr"}), remoteAddress);
        view.intAt(new String[]{"wr", "rdma", "rkey"}, rkey);
        if (chained > 0)
        {
            final MemorySegment previous = requests.asSlice((chained - 1) * WR_SIZE, WR_SIZE);
            previous.set(ValueLayout.ADDRESS, view.offset(new String[]{"next"}), wr);
        }
        chained++;
    }

    /**
     * Posts the chain with only its last request signaled and waits for that completion.
     *
     * @param timeoutNs how long to wait.
     * @return whether every request completed successfully.
     */
    public boolean execute(final long timeoutNs)
    {
        if (chained == 0)
        {
            return true;
        }
        final int count = chained;
        chained = 0;
        final MemorySegment last = requests.asSlice((count - 1) * WR_SIZE, WR_SIZE);
        final RdmaDevice.StructView view = new RdmaDevice.StructView(last, VerbsLayouts.IBV_SEND_WR);
        view.intAt(new String[]{"send_flags"}, Verbs.IBV_SEND_SIGNALED);
        if (verbs.postSend(qp, requests, badWr) != 0)
        {
            return false;
        }
        final long deadline = System.nanoTime() + timeoutNs;
        while (System.nanoTime() - deadline < 0)
        {
            final int polled = verbs.pollCq(cq, 1, completion);
            if (polled < 0)
            {
                return false;
            }
            if (polled == 1)
            {
                final int status = completion.get(ValueLayout.JAVA_INT,
                    VerbsLayouts.IBV_WC.byteOffset(groupElement("status")));
                final long id = completion.get(ValueLayout.JAVA_LONG, 0);
                if (status != 0)
                {
                    return false;
                }
                if (id == count - 1)
                {
                    return true;
                }
            }
            Thread.onSpinWait();
        }
        return false;
    }

    @Override
    public void close()
    {
        try
        {
            final int qpRc = (int)verbs.destroyQp().invokeExact(qp);
            final int cqRc = (int)verbs.destroyCq().invokeExact(cq);
            RdmaDevice.check(qpRc == 0 && cqRc == 0, "ibv_destroy_qp/ibv_destroy_cq");
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("destroying the queue pair failed", t);
        }
    }
}
