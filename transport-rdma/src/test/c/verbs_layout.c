/* Prints sizeof and offsetof of every libibverbs struct field the Java layouts (VerbsLayouts) use; VerbsLayoutTest
   compiles it with gcc against the installed <infiniband/verbs.h> and compares. */
#include <stdio.h>
#include <stddef.h>
#include <infiniband/verbs.h>
#define S(t) printf("sizeof %s %zu\n", #t, sizeof(struct t))
#define O(t,f) printf("offsetof %s.%s %zu\n", #t, #f, offsetof(struct t, f))
int main(void) {
  S(ibv_sge); O(ibv_sge,addr); O(ibv_sge,length); O(ibv_sge,lkey);
  S(ibv_send_wr); O(ibv_send_wr,wr_id); O(ibv_send_wr,next); O(ibv_send_wr,sg_list); O(ibv_send_wr,num_sge); O(ibv_send_wr,opcode); O(ibv_send_wr,send_flags); O(ibv_send_wr,wr.rdma.remote_addr); O(ibv_send_wr,wr.rdma.rkey);
  S(ibv_wc); O(ibv_wc,wr_id); O(ibv_wc,status); O(ibv_wc,opcode); O(ibv_wc,byte_len); O(ibv_wc,qp_num);
  S(ibv_mr); O(ibv_mr,addr); O(ibv_mr,length); O(ibv_mr,lkey); O(ibv_mr,rkey);
  S(ibv_qp); O(ibv_qp,context); O(ibv_qp,qp_num); O(ibv_qp,state);
  S(ibv_context); O(ibv_context,device); O(ibv_context,ops);
  O(ibv_context_ops,poll_cq); O(ibv_context_ops,post_send); O(ibv_context_ops,post_recv);
  S(ibv_qp_init_attr); O(ibv_qp_init_attr,qp_context); O(ibv_qp_init_attr,send_cq); O(ibv_qp_init_attr,recv_cq); O(ibv_qp_init_attr,srq); O(ibv_qp_init_attr,cap.max_send_wr); O(ibv_qp_init_attr,cap.max_recv_wr); O(ibv_qp_init_attr,cap.max_send_sge); O(ibv_qp_init_attr,cap.max_recv_sge); O(ibv_qp_init_attr,cap.max_inline_data); O(ibv_qp_init_attr,qp_type); O(ibv_qp_init_attr,sq_sig_all);
  S(ibv_qp_attr); O(ibv_qp_attr,qp_state); O(ibv_qp_attr,path_mtu); O(ibv_qp_attr,rq_psn); O(ibv_qp_attr,sq_psn); O(ibv_qp_attr,dest_qp_num); O(ibv_qp_attr,qp_access_flags); O(ibv_qp_attr,ah_attr); O(ibv_qp_attr,pkey_index); O(ibv_qp_attr,max_rd_atomic); O(ibv_qp_attr,max_dest_rd_atomic); O(ibv_qp_attr,min_rnr_timer); O(ibv_qp_attr,port_num); O(ibv_qp_attr,timeout); O(ibv_qp_attr,retry_cnt); O(ibv_qp_attr,rnr_retry);
  S(ibv_ah_attr); O(ibv_ah_attr,grh); O(ibv_ah_attr,dlid); O(ibv_ah_attr,sl); O(ibv_ah_attr,src_path_bits); O(ibv_ah_attr,static_rate); O(ibv_ah_attr,is_global); O(ibv_ah_attr,port_num);
  S(ibv_global_route); O(ibv_global_route,dgid); O(ibv_global_route,flow_label); O(ibv_global_route,sgid_index); O(ibv_global_route,hop_limit); O(ibv_global_route,traffic_class);
  S(ibv_port_attr); O(ibv_port_attr,state); O(ibv_port_attr,max_mtu); O(ibv_port_attr,active_mtu); O(ibv_port_attr,gid_tbl_len); O(ibv_port_attr,lid); O(ibv_port_attr,link_layer);
  printf("sizeof ibv_gid %zu\n", sizeof(union ibv_gid));
  return 0;
}
