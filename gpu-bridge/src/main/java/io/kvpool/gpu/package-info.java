/**
 * The GPU bridge: the pool region registered with CUDA as pinned, device-mapped memory, so that blocks move
 * between pool and GPU by DMA with no staging copy — per-page copies on streams, a gather/scatter kernel for
 * batches of scattered pages, and layer-wise loading that overlaps the engine's compute. Built on JCuda.
 */
package io.kvpool.gpu;
