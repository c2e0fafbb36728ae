package io.kvpool.protocol.test;

import java.util.SplittableRandom;
import java.util.function.LongConsumer;
import java.util.stream.LongStream;

/**
 * Seeds for randomized tests on plain JUnit 5: a {@code @ParameterizedTest} takes {@link #of(int)} as its
 * {@code @MethodSource} and runs its body through {@link #run(long, LongConsumer)}, so that a failure names its seed
 * and how to replay it.
 * <p>
 * A run draws {@code count} case seeds from one base seed: {@code -Dkvpool.test.seed=N} fixes the base (the same
 * cases again), {@code -Dkvpool.test.replay=N} runs the single case seed {@code N}; by default the base is new each
 * run, so every run explores different cases. Thread-safe: holds no state.
 */
public final class Seeds
{
    /** System property: the base seed the case seeds are drawn from. */
    public static final String BASE_SEED_PROPERTY = "kvpool.test.seed";

    /** System property: one case seed to run alone (as a failure prints it). */
    public static final String REPLAY_PROPERTY = "kvpool.test.replay";

    private Seeds()
    {
    }

    /**
     * @param count how many cases a run has.
     * @return the case seeds: {@code count} of them drawn from the base seed, or the one replayed.
     */
    public static LongStream of(final int count)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("count=" + count + " must be at least 1");
        }
        final Long replay = Long.getLong(REPLAY_PROPERTY);
        if (replay != null)
        {
            return LongStream.of(replay);
        }
        final long base = Long.getLong(BASE_SEED_PROPERTY, System.nanoTime() ^ System.currentTimeMillis());
        final SplittableRandom random = new SplittableRandom(base);
        return LongStream.generate(random::nextLong).limit(count);
    }

    /**
     * Runs one case; a failure is rethrown as an {@link AssertionError} that starts with the seed and the property
     * that replays it, with the original failure as its cause.
     *
     * @param seed the case's seed.
     * @param body the case, given its seed.
     */
    public static void run(final long seed, final LongConsumer body)
    {
        try
        {
            body.accept(seed);
        }
        catch (final Throwable failure)
        {
            final AssertionError error = new AssertionError(describe(seed) + ": " + failure.getMessage(), failure);
            System.out.println("[SEED] " + describe(seed) + " failed: " + failure);
            throw error;
        }
    }

    /**
     * @param seed a case seed.
     * @return "seed=N (replay: -Dkvpool.test.replay=N)".
     */
    public static String describe(final long seed)
    {
        return "seed=" + seed + " (replay: -D" + REPLAY_PROPERTY + "=" + seed + ")";
    }
}
