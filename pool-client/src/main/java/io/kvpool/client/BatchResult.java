package io.kvpool.client;

import io.kvpool.protocol.Status;

import java.util.Arrays;

/**
 * What a batch get or put did, key by key, in the order of the keys. Per-key statuses are
 * {@link io.kvpool.protocol.Status} codes: for a get {@link Status#OK} (copied) or {@link Status#NOT_FOUND} (absent,
 * evicted, or changed while being copied); for a put {@link Status#OK} (stored), {@link Status#ALREADY_EXISTS}
 * (already in the pool: nothing written), {@link Status#WRITE_IN_PROGRESS} (another writer holds it) or
 * {@link Status#INSUFFICIENT_CAPACITY}. Immutable; thread-safe.
 */
public final class BatchResult
{
    private final int[] statuses;
    private final int[] lengths;

    BatchResult(final int[] statuses, final int[] lengths)
    {
        this.statuses = statuses;
        this.lengths = lengths;
    }

    /**
     * @return number of keys.
     */
    public int size()
    {
        return statuses.length;
    }

    /**
     * @param index key index.
     * @return the key's status.
     */
    public int status(final int index)
    {
        return statuses[index];
    }

    /**
     * @param index key index.
     * @return bytes copied for the key (a get's payload length; a put's length), 0 when none.
     */
    public int length(final int index)
    {
        return lengths[index];
    }

    /**
     * @return keys with status OK.
     */
    public int okCount()
    {
        int count = 0;
        for (final int status : statuses)
        {
            count += status == Status.OK ? 1 : 0;
        }
        return count;
    }

    /**
     * @return keys that are in the pool after the call: OK plus ALREADY_EXISTS.
     */
    public int presentCount()
    {
        int count = 0;
        for (final int status : statuses)
        {
            count += status == Status.OK || status == Status.ALREADY_EXISTS ? 1 : 0;
        }
        return count;
    }

    /**
     * @return the number of leading keys with status OK (a get's usable prefix).
     */
    public int leadingOk()
    {
        int count = 0;
        while (count < statuses.length && statuses[count] == Status.OK)
        {
            count++;
        }
        return count;
    }

    /**
     * @return total bytes copied.
     */
    public long bytes()
    {
        long total = 0;
        for (final int length : lengths)
        {
            total += length;
        }
        return total;
    }

    @Override
    public String toString()
    {
        return "BatchResult[" + Arrays.stream(statuses).mapToObj(Status::name).toList() + "]";
    }
}
