package io.kvpool.bench.replay;

import io.kvpool.cli.trace.TraceRequest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Small traces whose hit counts are worked out by hand in the comments.
 */
class LruSimulatorTest
{
    @Test
    void shouldServeOnlyTheLeadingRunOfCachedBlocks()
    {
        final LruSimulator lru = new LruSimulator(100);
        assertEquals(0, lru.request(new long[]{1, 2, 3}));  // cold: 1 2 3 inserted
        assertEquals(2, lru.request(new long[]{1, 2, 4}));  // 1 2 hit, 4 inserted
        assertEquals(0, lru.request(new long[]{5, 1, 2}));  // 5 misses first: 1 and 2 count as misses
        assertEquals(3, lru.request(new long[]{5, 1, 2}));  // now all three lead
        assertEquals(new LruSimulator.Result(100, 12, 5), lru.result());
        assertEquals(5 / 12.0, lru.result().hitRate(), 1e-12);
    }

    @Test
    void shouldEvictTheLeastRecentlyUsed()
    {
        // Capacity 3. After [1 2 3]: LRU order 1 2 3. [1]: hit, order 2 3 1. [4]: insert, evicts 2 -> 3 1 4.
        // [2]: miss (evicted), insert, evicts 3 -> 1 4 2. [1 4 2]: 3 hits. [3]: miss.
        final List<TraceRequest> trace = List.of(request(1, 2, 3), request(1), request(4), request(2),
            request(1, 4, 2), request(3));
        final LruSimulator.Result result = LruSimulator.simulate(trace, 3);
        assertEquals(10, result.blocksRequested());
        assertEquals(4, result.blocksHit());
    }

    @Test
    void shouldNotRefreshACachedBlockThatFollowsAMiss()
    {
        // Capacity 3. [1 2]: order 1 2. [3 1]: 3 misses and is inserted (1 2 3); 1 follows the miss, is not served
        // and keeps its place. [4]: evicts the eldest, 1 -> 2 3 4. [1]: miss. Had 1 been refreshed by [3 1], [4]
        // would have evicted 2 and [1] would hit.
        final LruSimulator.Result result = LruSimulator.simulate(List.of(request(1, 2), request(3, 1), request(4),
            request(1)), 3);
        assertEquals(0, result.blocksHit());
        assertEquals(6, result.blocksRequested());
    }

    @Test
    void shouldRefuseAnEmptyCache()
    {
        assertThrows(IllegalArgumentException.class, () -> new LruSimulator(0));
    }

    private static TraceRequest request(final long... ids)
    {
        return new TraceRequest(0, ids.length * 512, 1, ids, 1);
    }
}
