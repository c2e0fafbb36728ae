package io.kvpool.bench.replay;

import io.kvpool.cli.trace.TraceRequest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference for a replay: the block hit rate of a trace under an exact LRU cache of a given capacity in
 * blocks, with no I/O. It applies the replay's rules: per request, the leading run of cached blocks is served (a
 * block after the first miss counts as a miss even if cached), served blocks become most recently used, and the
 * blocks that were not served are inserted if absent (one already cached keeps its place, as a put that finds the
 * key does in the pool). Not thread-safe.
 */
public final class LruSimulator
{
    private final long capacityBlocks;
    private final LinkedHashMap<Long, Boolean> cache;
    private long requested;
    private long hits;

    /**
     * @param capacityBlocks blocks the cache holds, at least 1.
     */
    public LruSimulator(final long capacityBlocks)
    {
        if (capacityBlocks < 1)
        {
            throw new IllegalArgumentException("capacityBlocks=" + capacityBlocks + " must be at least 1");
        }
        this.capacityBlocks = capacityBlocks;
        this.cache = new LinkedHashMap<>(16, 0.75f, true)
        {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(final Map.Entry<Long, Boolean> eldest)
            {
                return size() > LruSimulator.this.capacityBlocks;
            }
        };
    }

    /**
     * @return the hit rate of {@code requests} replayed in order on an empty cache of {@code capacityBlocks}.
     */
    public static Result simulate(final List<TraceRequest> requests, final long capacityBlocks)
    {
        final LruSimulator simulator = new LruSimulator(capacityBlocks);
        for (final TraceRequest request : requests)
        {
            simulator.request(request.hashIds());
        }
        return simulator.result();
    }

    /**
     * Replays one request's prefix blocks.
     *
     * @return blocks served (the leading run of cached ones).
     */
    public int request(final long[] blockIds)
    {
        int leading = 0;
        while (leading < blockIds.length && cache.containsKey(blockIds[leading]))
        {
            leading++;
        }
        for (int i = 0; i < leading; i++)
        {
            cache.get(blockIds[i]);
        }
        for (int i = leading; i < blockIds.length; i++)
        {
            // Not putIfAbsent: in an access-ordered map it refreshes a key that is present.
            if (!cache.containsKey(blockIds[i]))
            {
                cache.put(blockIds[i], Boolean.TRUE);
            }
        }
        requested += blockIds.length;
        hits += leading;
        return leading;
    }

    public Result result()
    {
        return new Result(capacityBlocks, requested, hits);
    }

    /**
     * @param capacityBlocks  the cache's capacity.
     * @param blocksRequested prefix blocks the requests named.
     * @param blocksHit       blocks served from the cache.
     */
    public record Result(long capacityBlocks, long blocksRequested, long blocksHit)
    {
        /**
         * @return hits / requested (0 for no requests).
         */
        public double hitRate()
        {
            return blocksRequested == 0 ? 0 : (double)blocksHit / blocksRequested;
        }
    }
}
