package io.kvpool.bench;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A row measures once the JIT is quiet or the bound is reached, every thread of it over the same span.
 */
class RowWarmUpTest
{
    @Test
    void shouldCallTheJitSettledOnlyBelowItsShareOfAWindow()
    {
        assertTrue(RowWarmUp.settled(1_000, 1_000, 500));
        assertTrue(RowWarmUp.settled(1_000, 1_010, 500), "10 ms of 500: 2 %");
        assertFalse(RowWarmUp.settled(1_000, 1_011, 500));
        assertFalse(RowWarmUp.settled(0, 400, 500), "a JIT busy for most of the window");
    }

    @Test
    void shouldWarmUpBetweenTheMinimumAndTheBoundThenOpenOneSpanForEveryThread() throws InterruptedException
    {
        final RowWarmUp warmUp = new RowWarmUp(200, 1_500, 0.25);
        final AtomicLong followerRuns = new AtomicLong();
        final AtomicBoolean followerDone = new AtomicBoolean();
        final Thread follower = Thread.ofPlatform().start(() ->
        {
            warmUp.follow(followerRuns::incrementAndGet);
            followerDone.set(true);
        });
        final long startNs = System.nanoTime();
        warmUp.lead(() -> Thread.onSpinWait());
        final long warmedNs = System.nanoTime() - startNs;
        follower.join(10_000);
        assertTrue(followerDone.get(), "the follower stops warming up with the leader");
        assertTrue(followerRuns.get() > 0);
        assertTrue(warmedNs >= 200_000_000L, "at least the minimum: " + warmedNs);
        assertTrue(warmedNs < 1_700_000_000L + 500_000_000L, "at most the minimum and the bound: " + warmedNs);
        final long untilNs = warmUp.measureUntilNs() - System.nanoTime();
        assertTrue(untilNs > 0 && untilNs <= 250_000_000L, "a quarter second to measure, from the leader's end");
    }

    @Test
    void shouldReleaseTheFollowersWithNothingToMeasureWhenTheLeaderFails() throws InterruptedException
    {
        final RowWarmUp warmUp = new RowWarmUp(60_000, 60_000, 2);
        final AtomicBoolean followerDone = new AtomicBoolean();
        final Thread follower = Thread.ofPlatform().start(() ->
        {
            warmUp.follow(Thread::onSpinWait);
            followerDone.set(true);
        });
        warmUp.abandon();
        follower.join(10_000);
        assertTrue(followerDone.get());
        assertTrue(warmUp.measureUntilNs() - System.nanoTime() <= 0, "the span is already over");
    }
}
