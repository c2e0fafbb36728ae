/**
 * What every kvpool process must agree on: the region format (superblock, namespace, slab and block tables, with
 * their memory-ordering rules), per-key {@link io.kvpool.protocol.Status} codes, control-plane
 * {@link io.kvpool.protocol.ErrorCode}s and the reusable {@link io.kvpool.protocol.BlockBatch}. The formats are
 * specified independently of Java in {@code docs/spec/}.
 */
package io.kvpool.protocol;
