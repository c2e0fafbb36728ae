package io.kvpool.protocol;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.Locale;

/**
 * How the threads on kvpool's Aeron data path (a media driver's sender and receiver, the manager's data agent, a
 * client waiting for a transfer) wait for work. Stateless and thread-safe.
 */
public enum AeronIdle
{
    /**
     * Yield the core up to {@link #BACKOFF_YIELDS} times (about a millisecond where nothing else wants the core),
     * then park, each park twice as long as the last up to a bound: while requests keep coming no thread sleeps,
     * and an idle thread costs little CPU (an idle manager ~8 % of a core with 200 us parks). The default; the only
     * sensible choice on hosts with few cores. It does not spin first: a thread that spins where its peers have no
     * core to run on only delays them (Agrona's usual 100 spins before yielding made GETs 5 to 19 times slower on a
     * 2-core host).
     */
    BACKOFF,
    /**
     * Busy-spin: every hop between threads costs about a microsecond, and each of those threads keeps a core busy
     * all the time. For hosts with cores to spare (Aeron's low-latency configuration).
     */
    SPIN,
    /**
     * Spin, offering the core to other runnable threads between polls ({@code Thread.yield}): nearly as quick as
     * SPIN while each has a core, and where there are more such threads than cores they take turns instead of
     * starving one another (busy spinners then lose the core for whole scheduler slices). For clients that run
     * more data-path threads than the host has cores (measured against BACKOFF: bench/RESULTS-remote.txt).
     */
    YIELD;

    /** Times {@link #BACKOFF} yields before it parks. */
    public static final int BACKOFF_YIELDS = 1_000;

    /**
     * @param text "backoff", "spin" or "yield", in any case.
     * @throws IllegalArgumentException for anything else.
     */
    public static AeronIdle parse(final String text)
    {
        return Choices.parse(values(), text);
    }

    /**
     * @param maxParkNs the longest park of {@link #BACKOFF} (the others never park).
     * @return a fresh strategy (strategies keep state: one per thread).
     */
    public IdleStrategy strategy(final long maxParkNs)
    {
        return switch (this)
        {
            case SPIN -> new BusySpinIdleStrategy();
            case YIELD -> new YieldingIdleStrategy();
            case BACKOFF -> new BackoffIdleStrategy(1, BACKOFF_YIELDS, 1_000, maxParkNs);
        };
    }

    /**
     * @return the name as configuration files spell it.
     */
    public String text()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
