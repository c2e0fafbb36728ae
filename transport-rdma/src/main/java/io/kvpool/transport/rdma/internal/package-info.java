/**
 * FFM bindings to libibverbs (layouts and downcalls). Not API.
 */
package io.kvpool.transport.rdma.internal;
