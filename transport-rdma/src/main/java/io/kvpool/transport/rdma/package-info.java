/**
 * One-sided RDMA verbs (READ for get, WRITE for put) through Panama FFM bindings to libibverbs, for hosts that cannot map the pool. Filled by the remote-paths issue.
 */
package io.kvpool.transport.rdma;
