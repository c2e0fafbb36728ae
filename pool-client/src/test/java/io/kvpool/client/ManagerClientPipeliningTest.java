package io.kvpool.client;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads sharing one {@link ManagerClient} have their requests in flight together: each must get the answer to
 * its own request, across a manager restart too, and none may be left waiting when the client closes.
 */
class ManagerClientPipeliningTest
{
    private static final int BLOCK_BYTES = 4096;
    private static final int STORED = 64;
    private static final int THREADS = 8;

    private ManagerFixture fixture;
    private long[] offsets;

    @BeforeEach
    void setUp()
    {
        fixture = new ManagerFixture(64L << 20);
        fixture.createNamespace("pipelined", BLOCK_BYTES, 0, "");
        try (Arena arena = Arena.ofConfined(); KvPool pool = KvPool.connect(fixture.poolContext()))
        {
            final MemorySegment[] sources = ManagerFixture.segments(arena, STORED, BLOCK_BYTES);
            for (int i = 0; i < STORED; i++)
            {
                Payloads.fill(sources[i], i);
            }
            assertEquals(STORED, pool.namespace("pipelined", BLOCK_BYTES).put(ManagerFixture.keys(0, STORED),
                sources).okCount());
        }
        offsets = new long[STORED];
        try (ManagerClient client = ManagerClient.connect(fixture.clientContext("pipelined", "")))
        {
            final BlockBatch all = new BlockBatch();
            for (int i = 0; i < STORED; i++)
            {
                all.addKey(ManagerFixture.key(i));
            }
            assertEquals(STORED, client.lookup(all));
            for (int i = 0; i < STORED; i++)
            {
                offsets[i] = all.offset(i);
            }
        }
    }

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldAnswerEveryThreadItsOwnRequestWhenThreadsShareOneClient() throws Exception
    {
        try (ManagerClient client = ManagerClient.connect(fixture.clientContext("pipelined", "")))
        {
            final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            final AtomicLong checked = new AtomicLong();
            final List<Thread> threads = new ArrayList<>();
            final CountDownLatch start = new CountDownLatch(1);
            for (int t = 0; t < THREADS; t++)
            {
                final long seed = 1000 + t;
                threads.add(Thread.ofPlatform().start(() ->
                {
                    final SplittableRandom random = new SplittableRandom(seed);
                    final BlockBatch batch = new BlockBatch();
                    awaitQuietly(start);
                    for (int round = 0; round < 300 && wrong.isEmpty(); round++)
                    {
                        lookUpAndCheck(client, random, batch, seed, round, wrong);
                        checked.incrementAndGet();
                    }
                }));
            }
            start.countDown();
            for (final Thread thread : threads)
            {
                thread.join(TimeUnit.SECONDS.toMillis(60));
                assertFalse(thread.isAlive(), "a thread is still waiting for its answer");
            }
            assertTrue(wrong.isEmpty(), () -> "answers crossed between threads: " + wrong);
            assertEquals(THREADS * 300L, checked.get());
        }
    }

    @Test
    void shouldRepeatLookupsOfEveryThreadAcrossAManagerRestart() throws Exception
    {
        try (ManagerClient client = ManagerClient.connect(fixture.clientContext("pipelined", "")))
        {
            final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong afterRestart = new AtomicLong();
            final AtomicBoolean restarted = new AtomicBoolean();
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                final long seed = 2000 + t;
                threads.add(Thread.ofPlatform().start(() ->
                {
                    final SplittableRandom random = new SplittableRandom(seed);
                    final BlockBatch batch = new BlockBatch();
                    for (int round = 0; !stop.get() && wrong.isEmpty(); round++)
                    {
                        try
                        {
                            lookUpAndCheck(client, random, batch, seed, round, wrong);
                        }
                        catch (final PoolException ex)
                        {
                            wrong.add("seed " + seed + ": a lookup (safe to repeat) failed: " + ex);
                        }
                        if (restarted.get())
                        {
                            afterRestart.incrementAndGet();
                        }
                    }
                }));
            }
            Thread.sleep(200);
            fixture.manager.close();
            fixture.relaunch();
            restarted.set(true);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (afterRestart.get() < 400 && wrong.isEmpty() && System.nanoTime() - deadline < 0)
            {
                Thread.sleep(10);
            }
            stop.set(true);
            for (final Thread thread : threads)
            {
                thread.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(thread.isAlive(), "a thread is still waiting for its answer");
            }
            assertTrue(wrong.isEmpty(), () -> String.valueOf(wrong));
            assertTrue(afterRestart.get() >= 400, "lookups answered after the restart: " + afterRestart.get());
            assertEquals(1, client.reconnects());
        }
    }

    @Test
    void shouldFailEveryWaitingThreadWithClientClosedWhenTheClientCloses() throws Exception
    {
        final ManagerClient client = ManagerClient.connect(fixture.clientContext("pipelined", ""));
        final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        final AtomicLong closedSeen = new AtomicLong();
        final AtomicLong answered = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++)
        {
            final long seed = 3000 + t;
            threads.add(Thread.ofPlatform().start(() ->
            {
                final SplittableRandom random = new SplittableRandom(seed);
                final BlockBatch batch = new BlockBatch();
                for (int round = 0; ; round++)
                {
                    try
                    {
                        lookUpAndCheck(client, random, batch, seed, round, wrong);
                        answered.incrementAndGet();
                    }
                    catch (final PoolException ex)
                    {
                        if (ex.code() != ErrorCode.CLIENT_CLOSED.code())
                        {
                            wrong.add("seed " + seed + ": " + ex);
                        }
                        closedSeen.incrementAndGet();
                        return;
                    }
                }
            }));
        }
        while (answered.get() < 100)
        {
            Thread.sleep(5);
        }
        client.close();
        for (final Thread thread : threads)
        {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(thread.isAlive(), "a thread is still waiting after the client closed");
        }
        assertTrue(wrong.isEmpty(), () -> String.valueOf(wrong));
        assertEquals(4, closedSeen.get(), "every thread learned the client closed");
    }

    /**
     * Looks up a random mix of stored and absent keys, in a random order, and checks every entry's answer
     * (status, and the stored block's offset) against what the key must get.
     */
    private void lookUpAndCheck(
        final ManagerClient client, final SplittableRandom random, final BlockBatch batch, final long seed,
        final int round, final ConcurrentLinkedQueue<String> wrong)
    {
        batch.clear();
        final int size = 1 + random.nextInt(16);
        final long[] expected = new long[size];
        for (int i = 0; i < size; i++)
        {
            final boolean stored = random.nextBoolean();
            final long key = stored ? random.nextInt(STORED) : 1_000_000 + seed * 10_000 + random.nextInt(10_000);
            batch.addKey(ManagerFixture.key(key));
            expected[i] = stored ? offsets[(int)key] : -1;
        }
        int present = 0;
        for (final long offset : expected)
        {
            present += offset >= 0 ? 1 : 0;
        }
        final int found = client.lookup(batch);
        if (found != present || batch.size() != size)
        {
            wrong.add("seed " + seed + " round " + round + ": found " + found + " of " + batch.size() +
                ", expected " + present + " of " + size);
            return;
        }
        for (int i = 0; i < size; i++)
        {
            final int status = batch.status(i);
            if (expected[i] >= 0 ? status != Status.OK || batch.offset(i) != expected[i] : status != Status.NOT_FOUND)
            {
                wrong.add("seed " + seed + " round " + round + " entry " + i + ": status " + status + " offset " +
                    batch.offset(i) + ", expected offset " + expected[i]);
            }
        }
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
