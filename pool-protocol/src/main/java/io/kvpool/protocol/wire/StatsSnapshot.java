package io.kvpool.protocol.wire;

import io.kvpool.protocol.PoolStats;

/**
 * What STATS_RESPONSE carries: the pool's figures and the service's.
 *
 * @param managerEpoch     epoch of the answering manager.
 * @param sessions         sessions open.
 * @param requests         requests handled since start.
 * @param rejectedRequests requests refused as a whole (malformed, unauthorized, unknown session, ...).
 * @param pool             the pool's figures (namespaces limited to the session's own for non-admin sessions).
 */
public record StatsSnapshot(long managerEpoch, int sessions, long requests, long rejectedRequests, PoolStats pool)
{
}
