/**
 * Data paths the client brings itself: the Aeron fallback for hosts that can neither map the region nor use RDMA.
 */
package io.kvpool.client.transport;
