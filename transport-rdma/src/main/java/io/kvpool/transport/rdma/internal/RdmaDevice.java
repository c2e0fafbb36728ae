package io.kvpool.transport.rdma.internal;

import io.kvpool.transport.rdma.RdmaEndpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ThreadLocalRandom;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * An opened RDMA device with a protection domain, and the reliable-connected queue pairs made on it: the verbs
 * lifecycle both the client transport and the manager's responder need (open, register memory, create CQ and QP,
 * move the QP through INIT, RTR and RTS with the peer's {@link RdmaEndpoint}).
 * <p>
 * Not thread-safe: created and connected by one thread; posting and polling are done by the owner of a QP.
 * Owns its arena; {@link #close()} releases everything in reverse order.
 */
public final class RdmaDevice implements AutoCloseable
{
    public static final int IBV_QP_STATE = 1;
    public static final int IBV_QP_ACCESS_FLAGS = 8;
    public static final int IBV_QP_PKEY_INDEX = 16;
    public static final int IBV_QP_PORT = 32;
    public static final int IBV_QP_AV = 128;
    public static final int IBV_QP_PATH_MTU = 256;
    public static final int IBV_QP_TIMEOUT = 512;
    public static final int IBV_QP_RETRY_CNT = 1024;
    public static final int IBV_QP_RNR_RETRY = 2048;
    public static final int IBV_QP_RQ_PSN = 4096;
    public static final int IBV_QP_MAX_QP_RD_ATOMIC = 8192;
    public static final int IBV_QP_MIN_RNR_TIMER = 32768;
    public static final int IBV_QP_SQ_PSN = 65536;
    public static final int IBV_QP_MAX_DEST_RD_ATOMIC = 131072;
    public static final int IBV_QPS_INIT = 1;
    public static final int IBV_QPS_RTR = 2;
    public static final int IBV_QPS_RTS = 3;
    public static final int IBV_MTU_1024 = 3;
    /** RoCE v2 over IPv4 uses GID index 1 on rxe and most NICs. */
    public static final int DEFAULT_GID_INDEX = 1;

    private final Verbs verbs;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment context;
    private final MemorySegment pd;
    private final int port;
    private final int lid;
    private final byte[] gid = new byte[16];
    private final int gidIndex;

    /**
     * Opens a device by name (or the first one) and allocates a protection domain.
     *
     * @throws IllegalStateException with the failing verb when the device cannot be opened.
     */
    public RdmaDevice(final Verbs verbs, final String name, final int port, final int gidIndex)
    {
        this.verbs = verbs;
        this.port = port;
        this.gidIndex = gidIndex;
        try
        {
            context = verbs.openByName(name);
            pd = (MemorySegment)verbs.allocPd().invokeExact(context);
            check(!pd.equals(MemorySegment.NULL), "ibv_alloc_pd");
            final MemorySegment portAttr = arena.allocate(VerbsLayouts.IBV_PORT_ATTR);
            check((int)verbs.queryPort().invokeExact(context, (byte)port, portAttr) == 0, "ibv_query_port");
            lid = Short.toUnsignedInt(portAttr.get(ValueLayout.JAVA_SHORT,
                VerbsLayouts.IBV_PORT_ATTR.byteOffset(groupElement("lid"))));
            final MemorySegment gidSegment = arena.allocate(VerbsLayouts.IBV_GID);
            check((int)verbs.queryGid().invokeExact(context, (byte)port, gidIndex, gidSegment) == 0,
                "ibv_query_gid");
            MemorySegment.copy(gidSegment, ValueLayout.JAVA_BYTE, 0, gid, 0, 16);
        }
        catch (final IllegalStateException ex)
        {
            arena.close();
            throw ex;
        }
        catch (final Throwable t)
        {
            arena.close();
            throw new IllegalStateException("opening RDMA device " + name + " failed", t);
        }
    }

    /**
     * Registers memory for RDMA.
     *
     * @param access IBV_ACCESS_* flags.
     * @return the {@code ibv_mr*}; its lkey and rkey are read with {@link #lkey} and {@link #rkey}.
     */
    public MemorySegment register(final MemorySegment memory, final int access)
    {
        try
        {
            final MemorySegment mr = ((MemorySegment)verbs.regMr().invokeExact(pd, memory, memory.byteSize(), access))
                .reinterpret(VerbsLayouts.IBV_MR.byteSize());
            check(!mr.equals(MemorySegment.NULL), "ibv_reg_mr of " + memory.byteSize() + " bytes (is RLIMIT_MEMLOCK " +
                "high enough? run with LimitMEMLOCK=infinity)");
            return mr;
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("ibv_reg_mr failed", t);
        }
    }

    /**
     * @return the length an ibv_mr registers (its {@code length} field, at its checked offset).
     */
    public static long registeredLength(final MemorySegment mr)
    {
        return mr.get(ValueLayout.JAVA_LONG, VerbsLayouts.IBV_MR.byteOffset(groupElement("length")));
    }

    public static int lkey(final MemorySegment mr)
    {
        return mr.get(ValueLayout.JAVA_INT, VerbsLayouts.IBV_MR.byteOffset(groupElement("lkey")));
    }

    public static int rkey(final MemorySegment mr)
    {
        return mr.get(ValueLayout.JAVA_INT, VerbsLayouts.IBV_MR.byteOffset(groupElement("rkey")));
    }

    public void deregister(final MemorySegment mr)
    {
        try
        {
            final int rc = (int)verbs.deregMr().invokeExact(mr);
            check(rc == 0, "ibv_dereg_mr");
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("ibv_dereg_mr failed", t);
        }
    }

    /**
     * A reliable-connected queue pair with its own completion queue, in INIT state.
     */
    public QueuePair createQueuePair(final int maxSendWr)
    {
        try
        {
            final MemorySegment cq = (MemorySegment)verbs.createCq().invokeExact(context, maxSendWr * 2,
                MemorySegment.NULL, MemorySegment.NULL, 0);
            check(!cq.equals(MemorySegment.NULL), "ibv_create_cq");
            final MemorySegment init = arena.allocate(VerbsLayouts.IBV_QP_INIT_ATTR);
            final StructView initView = new StructView(init, VerbsLayouts.IBV_QP_INIT_ATTR);
            initView.address("send_cq", cq);
            initView.address("recv_cq", cq);
            initView.intAt(new String[]{"cap", "max_send_wr"}, maxSendWr);
            initView.intAt(new String[]{"cap", "max_recv_wr"}, 1);
            initView.intAt(new String[]{"cap", "max_send_sge"}, 1);
            initView.intAt(new String[]{"cap", "max_recv_sge"}, 1);
            initView.intAt(new String[]{"qp_type"}, Verbs.IBV_QPT_RC);
            final MemorySegment qp = ((MemorySegment)verbs.createQp().invokeExact(pd, init))
                .reinterpret(VerbsLayouts.IBV_QP.byteSize());
            check(!qp.equals(MemorySegment.NULL), "ibv_create_qp");
            final MemorySegment attr = QueuePair.initAttributes(arena, port);
            check((int)verbs.modifyQp().invokeExact(qp, attr, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
                IBV_QP_ACCESS_FLAGS) == 0, "ibv_modify_qp to INIT");
            return new QueuePair(this, verbs, qp, cq, ThreadLocalRandom.current().nextInt(1 << 24));
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("creating a queue pair failed", t);
        }
    }

    /**
     * @return this side's endpoint for a queue pair, to send to the peer.
     */
    public RdmaEndpoint endpoint(final QueuePair qp, final int rkey, final long baseAddress, final long lengthBytes)
    {
        return new RdmaEndpoint(qp.number(), lid, gid, gidIndex, port, qp.psn(), rkey, baseAddress, lengthBytes);
    }

    Arena arena()
    {
        return arena;
    }

    int port()
    {
        return port;
    }

    int gidIndex()
    {
        return gidIndex;
    }

    static void check(final boolean ok, final String verb)
    {
        if (!ok)
        {
            throw new IllegalStateException(verb + " failed");
        }
    }

    @Override
    public void close()
    {
        try
        {
            final int pdRc = (int)verbs.deallocPd().invokeExact(pd);
            final int ctxRc = (int)verbs.closeDevice().invokeExact(context);
            check(pdRc == 0 && ctxRc == 0, "ibv_dealloc_pd/ibv_close_device");
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("closing the RDMA device failed", t);
        }
        finally
        {
            arena.close();
        }
    }

    /**
     * Writes fields of a struct by name, through its layout.
     */
    static final class StructView
    {
        private final MemorySegment segment;
        private final MemoryLayout layout;

        StructView(final MemorySegment segment, final MemoryLayout layout)
        {
            this.segment = segment;
            this.layout = layout;
        }

        void address(final String field, final MemorySegment value)
        {
            segment.set(ValueLayout.ADDRESS, layout.byteOffset(groupElement(field)), value);
        }

        void intAt(final String[] path, final int value)
        {
            segment.set(ValueLayout.JAVA_INT, offset(path), value);
        }

        void shortAt(final String[] path, final int value)
        {
            segment.set(ValueLayout.JAVA_SHORT, offset(path), (short)value);
        }

        void byteAt(final String[] path, final int value)
        {
            segment.set(ValueLayout.JAVA_BYTE, offset(path), (byte)value);
        }

        void bytesAt(final String[] path, final byte[] value)
        {
            MemorySegment.copy(value, 0, segment, ValueLayout.JAVA_BYTE, offset(path), value.length);
        }

        long offset(final String[] path)
        {
            final MemoryLayout.PathElement[] elements = new MemoryLayout.PathElement[path.length];
            for (int i = 0; i < path.length; i++)
            {
                elements[i] = groupElement(path[i]);
            }
            return layout.byteOffset(elements);
        }
    }
}
