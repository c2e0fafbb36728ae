package io.kvpool.bench.replay;

import java.util.Map;

/**
 * What a trace replay measured, as printed and as written to JSON (field names are the JSON keys).
 *
 * @param trace                      the trace's name.
 * @param requests                   requests replayed.
 * @param clients                    client threads, each with its own connection.
 * @param blockSizeBytes             bytes of KV per prefix block.
 * @param tokensPerBlock             tokens per prefix block (512 in Mooncake's traces).
 * @param capacityBlocks             blocks the namespace may hold (slabs it may take times blocks per slab).
 * @param transport                  the data path the clients chose, with the reason.
 * @param blocksRequested            prefix blocks the requests named.
 * @param blocksHit                  blocks served from the pool: the leading run of each request's blocks.
 * @param hitRate                    blocksHit / blocksRequested.
 * @param lruHitRate                 the reference simulator's hit rate, exact LRU of capacityBlocks, same trace.
 * @param blocksStored               blocks put (misses stored for later requests).
 * @param putFailures                blocks a put did not store, counted by status name (empty when every put stored
 *                                   every block).
 * @param evictions                  blocks the pool evicted during the replay.
 * @param corruptBlocks              served blocks whose bytes differed from what their writer put (must be 0).
 * @param bytesRead                  bytes served by gets.
 * @param bytesWritten               bytes stored by puts.
 * @param seconds                    wall time of the replay.
 * @param requestsPerSecond          requests / seconds.
 * @param gigabytesPerSecond         (bytesRead + bytesWritten) / seconds / 1e9.
 * @param get                        latency of a request's get of its leading hits, in microseconds.
 * @param put                        latency of a request's put of its misses, in microseconds.
 * @param prefillRateTokensPerSecond the prefill throughput the saving is stated at.
 * @param prefillSecondsSaved        blocksHit * tokensPerBlock / prefillRateTokensPerSecond.
 * @param speed                      replay speed (0: as fast as possible; else trace time divided by it).
 */
public record ReplayReport(
    String trace,
    int requests,
    int clients,
    long blockSizeBytes,
    int tokensPerBlock,
    long capacityBlocks,
    String transport,
    long blocksRequested,
    long blocksHit,
    double hitRate,
    double lruHitRate,
    long blocksStored,
    Map<String, Long> putFailures,
    long evictions,
    long corruptBlocks,
    long bytesRead,
    long bytesWritten,
    double seconds,
    double requestsPerSecond,
    double gigabytesPerSecond,
    Latency get,
    Latency put,
    double prefillRateTokensPerSecond,
    double prefillSecondsSaved,
    double speed)
{
    /**
     * Percentiles of one operation's latency, in microseconds.
     *
     * @param count operations measured.
     */
    public record Latency(long count, double p50, double p90, double p99, double p999, double max)
    {
        static Latency of(final org.HdrHistogram.Histogram histogram)
        {
            return new Latency(histogram.getTotalCount(), histogram.getValueAtPercentile(50),
                histogram.getValueAtPercentile(90), histogram.getValueAtPercentile(99),
                histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
        }
    }

    /**
     * @return hit rate minus the LRU reference's, in percentage points.
     */
    public double differenceFromLruPoints()
    {
        return 100 * (hitRate - lruHitRate);
    }
}
