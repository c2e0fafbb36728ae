/**
 * The RDMA transport: one-sided verbs through Panama FFM bindings to libibverbs, for hosts off the CXL fabric.
 * DiSNI is not used: its JNI library is shipped by no registry we can use and its last release is from 2019; FFM
 * gives the same verbs without a native build. {@link io.kvpool.protocol.transport.BlockTransportProvider} is the
 * seam where a DiSNI-backed implementation could be slotted in.
 */
package io.kvpool.transport.rdma;
