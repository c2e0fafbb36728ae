/**
 * The pool region registered with CUDA as pinned memory so blocks move between pool and GPU by DMA, with batched scattered pages and layer-wise loading. Filled by the GPU-bridge issue.
 */
package io.kvpool.gpu;
