package io.kvpool.client;

import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.Payloads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers copy blocks while a writer keeps filling a one-slab namespace, so that the blocks they copy are evicted
 * and their slots reused under them (256 KiB blocks, 8 to the slab; the writer
 * removes each block four puts after writing it, so its slot is rewritten next while readers copy it). Every block a get returns must be exactly what was put under its key: the
 * generation check after the copy must catch every reuse.
 */
class TornReadTest
{
    private static final long BLOCK = 256 * 1024;

    private final ManagerFixture fixture = new ManagerFixture(32L << 20);

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldNeverReturnTornOrForeignBlockWhileSlotsAreReused() throws Exception
    {
        fixture.createNamespace("churn", BLOCK, 1, "");
        final AtomicLong written = new AtomicLong(-1);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong hits = new AtomicLong();
        final AtomicLong misses = new AtomicLong();
        final List<String> torn = Collections.synchronizedList(new ArrayList<>());
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());

        final Thread writer = new Thread(() ->
        {
            try (KvPool pool = KvPool.connect(fixture.poolContext());
                 Arena arena = Arena.ofConfined())
            {
                final KvNamespace ns = pool.namespace("churn", BLOCK);
                final MemorySegment[] source = {arena.allocate(BLOCK)};
                for (long key = 0; !stop.get() && key < 200_000; key++)
                {
                    Payloads.fill(source[0], key);
                    if (ns.put(ManagerFixture.keys(key, 1), source).status(0) == Status.OK)
                    {
                        written.set(key);
                    }
                    // Free an older block at once: the next put reuses its slot (LIFO free list) while readers may
                    // still be copying it. CLOCK alone would spare blocks the readers keep touching.
                    if (key >= 4)
                    {
                        ns.remove(ManagerFixture.keys(key - 4, 1));
                    }
                }
            }
            catch (final Throwable t)
            {
                failures.add(t);
            }
        }, "writer");
        final List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++)
        {
            readers.add(new Thread(() ->
            {
                try (KvPool pool = KvPool.connect(fixture.poolContext());
                     Arena arena = Arena.ofConfined())
                {
                    final KvNamespace ns = pool.namespace("churn", BLOCK);
                    final MemorySegment[] destinations = ManagerFixture.segments(arena, 4, BLOCK);
                    final MemorySegment expected = arena.allocate(BLOCK);
                    while (!stop.get())
                    {
                        final long newest = written.get();
                        if (newest < 20)
                        {
                            Thread.onSpinWait();
                            continue;
                        }
                        // Keys at the eviction frontier (the slab holds 8): the oldest are being reused as they
                        // are copied.
                        final long first = newest - ThreadLocalRandom.current().nextLong(3, 7);
                        final BatchResult result = ns.get(ManagerFixture.keys(first, 4), destinations);
                        for (int i = 0; i < 4; i++)
                        {
                            if (result.status(i) != Status.OK)
                            {
                                misses.incrementAndGet();
                                continue;
                            }
                            hits.incrementAndGet();
                            Payloads.fill(expected, first + i);
                            if (result.length(i) != BLOCK || destinations[i].mismatch(expected) != -1)
                            {
                                torn.add("key " + (first + i) + " length " + result.length(i));
                            }
                        }
                    }
                }
                catch (final Throwable t)
                {
                    failures.add(t);
                }
            }, "reader-" + r));
        }
        writer.start();
        readers.forEach(Thread::start);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && (hits.get() < 50_000 || misses.get() < 5_000) && writer.isAlive())
        {
            Thread.sleep(50);
        }
        stop.set(true);
        writer.join();
        for (final Thread reader : readers)
        {
            reader.join();
        }
        assertEquals(List.of(), failures);
        assertEquals(List.of(), torn, "torn or foreign blocks returned");
        assertTrue(hits.get() > 1_000, "hits=" + hits);
        assertTrue(misses.get() > 100, "misses=" + misses + ": reads must race with eviction");
        final PoolStats.Namespace churn = fixture.stats().pool().namespaces().getFirst();
        assertTrue(churn.evictions() + churn.sealedBlocks() < hits.get() + misses.get(), "churn too slow");
        assertEquals(1, churn.slabs());
        System.out.println("torn-read test: " + hits + " hits, " + misses + " misses, " + churn.evictions() +
            " evictions, 0 torn");
    }
}
