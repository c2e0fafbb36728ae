package io.kvpool.client;

import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Puts in pipelined runs (four RESERVEs in flight, COMMITs sent under the next run's copy) while the manager is
 * stopped and started again on the same region: no putting thread is left waiting, a put either answers per key or
 * fails with {@link ErrorCode#OUTCOME_UNKNOWN}, puts succeed again after the restart, and every key a put answered
 * OK — before the restart or after — is there afterwards with its bytes.
 */
class PutRunsRestartTest
{
    private static final int BLOCK = 64 * 1024;
    private static final int KEYS = 32;
    private static final int THREADS = 2;
    private static final int PUTS = 24;

    private final ManagerFixture fixture = new ManagerFixture(320L << 20);

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldLoseNoAcknowledgedBlockWhenTheManagerRestartsUnderPutsInRuns() throws Exception
    {
        fixture.createNamespace("runs", BLOCK, 0, "");
        final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> acknowledged = new ConcurrentLinkedQueue<>();
        final AtomicInteger unknown = new AtomicInteger();
        final AtomicInteger wholeAfterRestart = new AtomicInteger();
        final AtomicBoolean restarted = new AtomicBoolean();
        final AtomicInteger puts = new AtomicInteger();
        try (KvPool pool = KvPool.connect(fixture.poolContext()))
        {
            final KvNamespace namespace = pool.namespace("runs", BLOCK);
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++)
            {
                final long firstKey = (t + 1) * 1_000_000L;
                threads.add(Thread.ofPlatform().start(() ->
                {
                    try (Arena arena = Arena.ofConfined())
                    {
                        final MemorySegment[] sources = ManagerFixture.segments(arena, KEYS, BLOCK);
                        for (int p = 0; p < PUTS && wrong.isEmpty(); p++)
                        {
                            final long first = firstKey + (long)p * KEYS;
                            for (int i = 0; i < KEYS; i++)
                            {
                                Payloads.fill(sources[i], first + i);
                            }
                            final boolean after = restarted.get();
                            try
                            {
                                final BatchResult result = namespace.put(ManagerFixture.keys(first, KEYS), sources);
                                for (int i = 0; i < KEYS; i++)
                                {
                                    if (result.status(i) == Status.OK)
                                    {
                                        acknowledged.add(first + i);
                                    }
                                }
                                if (after && result.okCount() == KEYS)
                                {
                                    wholeAfterRestart.incrementAndGet();
                                }
                            }
                            catch (final PoolException ex)
                            {
                                if (ex.code() != ErrorCode.OUTCOME_UNKNOWN.code())
                                {
                                    wrong.add("put from key " + first + ": " + ex);
                                }
                                unknown.incrementAndGet();
                            }
                            puts.incrementAndGet();
                        }
                    }
                }));
            }
            while (puts.get() < THREADS * 4 && wrong.isEmpty())
            {
                Thread.sleep(5);
            }
            fixture.manager.close();
            fixture.relaunch();
            restarted.set(true);
            for (final Thread thread : threads)
            {
                thread.join(TimeUnit.SECONDS.toMillis(60));
                assertFalse(thread.isAlive(), "a putting thread is still waiting");
            }
            assertTrue(wrong.isEmpty(), () -> String.valueOf(wrong));
            assertTrue(wholeAfterRestart.get() > 0, "no put went through whole after the restart");
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment[] read = ManagerFixture.segments(arena, 1, BLOCK);
                final MemorySegment expected = arena.allocate(BLOCK);
                for (final long key : acknowledged)
                {
                    final BatchResult got = namespace.get(ManagerFixture.keys(key, 1), read);
                    assertEquals(Status.OK, got.status(0), "acknowledged key " + key + " is there");
                    Payloads.fill(expected, key);
                    assertEquals(-1, read[0].mismatch(expected), "acknowledged key " + key + "'s bytes");
                }
            }
            assertTrue(acknowledged.size() >= KEYS * wholeAfterRestart.get(), "keys acknowledged: " +
                acknowledged.size() + ", puts with an unknown outcome: " + unknown.get());
        }
    }
}
