package io.kvpool.transport.rdma.internal;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.Map;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.structLayout;

/**
 * FFM layouts of the libibverbs structs kvpool uses, for the x86-64 / aarch64 LP64 C ABI, field names as in
 * {@code <infiniband/verbs.h>} (rdma-core). Fields kvpool does not touch are padding of the same size.
 * {@code VerbsLayoutTest} compiles a C program against the installed headers and checks every size and offset
 * here; a mismatch fails the build rather than corrupting memory at run time.
 */
public final class VerbsLayouts
{
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    /** struct ibv_sge: one scatter/gather element. */
    public static final StructLayout IBV_SGE = structLayout(
        U64.withName("addr"), U32.withName("length"), U32.withName("lkey")).withName("ibv_sge");

    /** struct ibv_send_wr, with the rdma member of its wr union. */
    public static final StructLayout IBV_SEND_WR = structLayout(
        U64.withName("wr_id"), PTR.withName("next"), PTR.withName("sg_list"), U32.withName("num_sge"),
        U32.withName("opcode"), U32.withName("send_flags"), U32.withName("imm_data"),
        structLayout(
            structLayout(U64.withName("remote_addr"), U32.withName("rkey"), paddingLayout(4)).withName("rdma"),
            paddingLayout(16)).withName("wr"),
        U32.withName("remote_srqn"), paddingLayout(4),
        paddingLayout(48)).withName("ibv_send_wr");

    /** struct ibv_wc: a work completion. */
    public static final StructLayout IBV_WC = structLayout(
        U64.withName("wr_id"), U32.withName("status"), U32.withName("opcode"), U32.withName("vendor_err"),
        U32.withName("byte_len"), U32.withName("imm_data"), U32.withName("qp_num"), U32.withName("src_qp"),
        U32.withName("wc_flags"), U16.withName("pkey_index"), U16.withName("slid"), U8.withName("sl"),
        U8.withName("dlid_path_bits"), paddingLayout(2)).withName("ibv_wc");

    /** struct ibv_mr: a registered memory region. */
    public static final StructLayout IBV_MR = structLayout(
        PTR.withName("context"), PTR.withName("pd"), PTR.withName("addr"), U64.withName("length"),
        U32.withName("handle"), U32.withName("lkey"), U32.withName("rkey"), paddingLayout(4)).withName("ibv_mr");

    /** struct ibv_qp (pthread mutex and cond as padding). */
    public static final StructLayout IBV_QP = structLayout(
        PTR.withName("context"), PTR.withName("qp_context"), PTR.withName("pd"), PTR.withName("send_cq"),
        PTR.withName("recv_cq"), PTR.withName("srq"), U32.withName("handle"), U32.withName("qp_num"),
        U32.withName("state"), U32.withName("qp_type"), paddingLayout(40), paddingLayout(48),
        U32.withName("events_completed"), paddingLayout(4)).withName("ibv_qp");

    /**
     * struct ibv_context_ops: 32 function pointers; kvpool calls three of them, because ibv_poll_cq, ibv_post_send
     * and ibv_post_recv are static inline functions in verbs.h that call through this table (there is no symbol
     * to bind to).
     */
    public static final StructLayout IBV_CONTEXT_OPS = structLayout(
        paddingLayout(11 * 8), PTR.withName("poll_cq"), paddingLayout(13 * 8), PTR.withName("post_send"),
        PTR.withName("post_recv"), paddingLayout(5 * 8)).withName("ibv_context_ops");

    /** struct ibv_context: the device, the ops table, descriptors and a mutex (padding). */
    public static final StructLayout IBV_CONTEXT = structLayout(
        PTR.withName("device"), IBV_CONTEXT_OPS.withName("ops"), U32.withName("cmd_fd"), U32.withName("async_fd"),
        U32.withName("num_comp_vectors"), paddingLayout(4), paddingLayout(40), PTR.withName("abi_compat"))
        .withName("ibv_context");

    /** struct ibv_qp_init_attr, with its ibv_qp_cap. */
    public static final StructLayout IBV_QP_INIT_ATTR = structLayout(
        PTR.withName("qp_context"), PTR.withName("send_cq"), PTR.withName("recv_cq"), PTR.withName("srq"),
        structLayout(U32.withName("max_send_wr"), U32.withName("max_recv_wr"), U32.withName("max_send_sge"),
            U32.withName("max_recv_sge"), U32.withName("max_inline_data")).withName("cap"),
        U32.withName("qp_type"), U32.withName("sq_sig_all"), paddingLayout(4)).withName("ibv_qp_init_attr");

    /** struct ibv_global_route. */
    public static final StructLayout IBV_GLOBAL_ROUTE = structLayout(
        MemoryLayout.sequenceLayout(16, U8).withName("dgid"), U32.withName("flow_label"), U8.withName("sgid_index"),
        U8.withName("hop_limit"), U8.withName("traffic_class"), paddingLayout(1)).withName("ibv_global_route");

    /** struct ibv_ah_attr. */
    public static final StructLayout IBV_AH_ATTR = structLayout(
        IBV_GLOBAL_ROUTE.withName("grh"), U16.withName("dlid"), U8.withName("sl"), U8.withName("src_path_bits"),
        U8.withName("static_rate"), U8.withName("is_global"), U8.withName("port_num"), paddingLayout(1))
        .withName("ibv_ah_attr");

    /** struct ibv_qp_attr (for ibv_modify_qp). */
    public static final StructLayout IBV_QP_ATTR = structLayout(
        U32.withName("qp_state"), U32.withName("cur_qp_state"), U32.withName("path_mtu"),
        U32.withName("path_mig_state"), U32.withName("qkey"), U32.withName("rq_psn"), U32.withName("sq_psn"),
        U32.withName("dest_qp_num"), U32.withName("qp_access_flags"), paddingLayout(20),
        IBV_AH_ATTR.withName("ah_attr"), IBV_AH_ATTR.withName("alt_ah_attr"), U16.withName("pkey_index"),
        U16.withName("alt_pkey_index"), U8.withName("en_sqd_async_notify"), U8.withName("sq_draining"),
        U8.withName("max_rd_atomic"), U8.withName("max_dest_rd_atomic"), U8.withName("min_rnr_timer"),
        U8.withName("port_num"), U8.withName("timeout"), U8.withName("retry_cnt"), U8.withName("rnr_retry"),
        U8.withName("alt_port_num"), U8.withName("alt_timeout"), paddingLayout(1), U32.withName("rate_limit"),
        paddingLayout(4)).withName("ibv_qp_attr");

    /** struct ibv_port_attr (the compat prefix the exported ibv_query_port fills, padded to the full size). */
    public static final StructLayout IBV_PORT_ATTR = structLayout(
        U32.withName("state"), U32.withName("max_mtu"), U32.withName("active_mtu"), U32.withName("gid_tbl_len"),
        U32.withName("port_cap_flags"), U32.withName("max_msg_sz"), U32.withName("bad_pkey_cntr"),
        U32.withName("qkey_viol_cntr"), U16.withName("pkey_tbl_len"), U16.withName("lid"), U16.withName("sm_lid"),
        U8.withName("lmc"), U8.withName("max_vl_num"), U8.withName("sm_sl"), U8.withName("subnet_timeout"),
        U8.withName("init_type_reply"), U8.withName("active_width"), U8.withName("active_speed"),
        U8.withName("phys_state"), U8.withName("link_layer"), U8.withName("flags"), U16.withName("port_cap_flags2"),
        paddingLayout(2)).withName("ibv_port_attr");

    /** union ibv_gid: 16 bytes. */
    public static final MemoryLayout IBV_GID = MemoryLayout.sequenceLayout(16, U8).withName("ibv_gid");

    /** Every layout by its C name, for the layout check. */
    public static final Map<String, MemoryLayout> ALL = Map.ofEntries(
        Map.entry("ibv_sge", IBV_SGE), Map.entry("ibv_send_wr", IBV_SEND_WR), Map.entry("ibv_wc", IBV_WC),
        Map.entry("ibv_mr", IBV_MR), Map.entry("ibv_qp", IBV_QP), Map.entry("ibv_context", IBV_CONTEXT),
        Map.entry("ibv_context_ops", IBV_CONTEXT_OPS), Map.entry("ibv_qp_init_attr", IBV_QP_INIT_ATTR),
        Map.entry("ibv_qp_attr", IBV_QP_ATTR), Map.entry("ibv_ah_attr", IBV_AH_ATTR),
        Map.entry("ibv_global_route", IBV_GLOBAL_ROUTE), Map.entry("ibv_port_attr", IBV_PORT_ATTR),
        Map.entry("ibv_gid", IBV_GID));

    private VerbsLayouts()
    {
    }
}
