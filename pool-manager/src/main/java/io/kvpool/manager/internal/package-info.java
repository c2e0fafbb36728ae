/**
 * Implementation of the pool manager: the slab allocator and CLOCK evictor, the lease table, the Chronicle Map
 * index and crash recovery. Not API: the types are public only so that {@link io.kvpool.manager.PoolCore} can
 * reach them; nothing outside pool-manager may use them.
 */
package io.kvpool.manager.internal;
