package io.kvpool.client.internal;

import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.test.Seeds;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransferBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SharedWrite} against a region in memory (a transport that stores each piece where its entry says and
 * remembers which thread stored which block's pieces): every block lands whole, with the CRC32C of its source,
 * whichever thread claimed it; a block's pieces come from one thread, in order; a refused piece stops its block;
 * a block a helper cannot store is stored by the caller; the caller's own failure, or its hook's (a lease renewal
 * that fails, while the caller stores or while it waits), is thrown only once no helper stores.
 */
class SharedWriteTest
{
    private static final long BLOCK_SPACE = 3L << 20;

    static LongStream seeds()
    {
        return Seeds.of(20);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldStoreEveryBlockWholeWithItsCrcWhoeverClaimsIt(final long seed)
    {
        Seeds.run(seed, s ->
        {
            final SplittableRandom random = new SplittableRandom(s);
            final int count = random.nextInt(1, 24);
            try (SourceChecksums helpers = new SourceChecksums(random.nextInt(0, 4)); Arena arena = Arena.ofShared())
            {
                final HeapRegion region = new HeapRegion(arena, count);
                final TransferBatch transfers = new TransferBatch(count);
                for (int t = 0; t < count; t++)
                {
                    // Lengths on and around the piece size too: a block that ends exactly on a piece's edge.
                    final int length = switch (random.nextInt(3))
                    {
                        case 0 -> (int)SourceChecksums.PIECE_BYTES * random.nextInt(1, 9) + random.nextInt(-1, 2);
                        default -> random.nextInt(1, (int)BLOCK_SPACE);
                    };
                    final MemorySegment source = arena.allocate(length);
                    for (long at = 0; at + 8 <= length; at += 8)
                    {
                        source.set(ValueLayout.JAVA_LONG_UNALIGNED, at, random.nextLong());
                    }
                    transfers.add(t, 1, t * BLOCK_SPACE, length, source);
                }
                final int[] crcs = new int[count];
                final AtomicInteger between = new AtomicInteger();
                final long shareMinBytes = random.nextBoolean() ? 0 : SharedWrite.SHARE_MIN_BYTES;
                SharedWrite.write(region, transfers, helpers, crcs, between::incrementAndGet, shareMinBytes);
                long total = 0;
                for (int t = 0; t < count; t++)
                {
                    total += transfers.length(t);
                }
                int callerPieces = 0;
                for (int t = 0; t < count; t++)
                {
                    final MemorySegment source = transfers.segment(t);
                    assertEquals(Status.OK, transfers.status(t), "block " + t);
                    assertEquals(Checksums.crc32c(source), crcs[t], "block " + t + "'s CRC32C");
                    assertEquals(-1, region.block(t, source.byteSize()).mismatch(source), "block " + t + "'s bytes");
                    final Stores stores = region.stores.get((long)t);
                    assertEquals(1, stores.threads.size(), "block " + t + " stored by one thread: " + stores.threads);
                    assertEquals(pieces(source.byteSize()), stores.pieces.get(), "block " + t + "'s pieces");
                    if (total < shareMinBytes)
                    {
                        assertEquals(Set.of(Thread.currentThread()), stores.threads, "too little to share");
                    }
                    if (stores.threads.contains(Thread.currentThread()))
                    {
                        callerPieces += stores.pieces.get();
                    }
                }
                assertTrue(between.get() >= callerPieces, "the caller's hook ran before each of its " +
                    callerPieces + " pieces: " + between.get());
            }
        });
    }

    @Test
    void shouldStopABlockAtItsFirstRefusedPiece()
    {
        try (SourceChecksums helpers = new SourceChecksums(1); Arena arena = Arena.ofShared())
        {
            final HeapRegion region = new HeapRegion(arena, 4);
            region.statusOfPiece = piece -> piece == 1 ? Status.LEASE_EXPIRED : Status.OK;
            final TransferBatch transfers = new TransferBatch(1);
            final long length = 3 * SourceChecksums.PIECE_BYTES;
            transfers.add(0, 1, 0, (int)length, arena.allocate(length));
            SharedWrite.write(region, transfers, helpers, new int[1], () -> { }, 0);
            assertEquals(Status.LEASE_EXPIRED, transfers.status(0));
            assertEquals(2, region.stores.get(0L).pieces.get(), "the third piece never stored");
        }
    }

    @Test
    void shouldStoreThemselvesWhatAHelperCouldNot() throws Exception
    {
        try (SourceChecksums helpers = new SourceChecksums(1); Arena arena = Arena.ofShared())
        {
            final HeapRegion region = new HeapRegion(arena, 8);
            final Thread caller = Thread.currentThread();
            final CountDownLatch helperTried = new CountDownLatch(1);
            region.beforeStore = () ->
            {
                if (Thread.currentThread() != caller)
                {
                    helperTried.countDown();
                    throw new IllegalStateException("a helper's store fails");
                }
                // The caller's first store waits for the helper's first, so that the helper has claimed a block.
                await(helperTried);
            };
            final TransferBatch transfers = blocks(arena, 8, SourceChecksums.PIECE_BYTES);
            final int[] crcs = new int[8];
            SharedWrite.write(region, transfers, helpers, crcs, () -> { }, 0);
            assertEquals(0, helperTried.getCount(), "a helper tried a block");
            for (int t = 0; t < 8; t++)
            {
                assertEquals(Status.OK, transfers.status(t), "block " + t);
                assertEquals(Checksums.crc32c(transfers.segment(t)), crcs[t], "block " + t);
                assertEquals(-1, region.block(t, SourceChecksums.PIECE_BYTES).mismatch(transfers.segment(t)));
            }
        }
    }

    @Test
    void shouldLeaveNoHelperStoringOnceTheCallersFailureIsThrown()
    {
        assertThrownOnlyOnceNoHelperStores(false);
    }

    @Test
    void shouldThrowWhatTheCallersHookThrowsOnlyOnceNoHelperStores()
    {
        assertThrownOnlyOnceNoHelperStores(true);
    }

    /**
     * The caller fails (its first store, or its hook before that store, {@code inHook}) while a slow helper stores
     * (still storing then, unless the caller waits for it): the failure is thrown, and no helper stores any more.
     */
    private static void assertThrownOnlyOnceNoHelperStores(final boolean inHook)
    {
        try (SourceChecksums helpers = new SourceChecksums(2); Arena arena = Arena.ofShared())
        {
            final HeapRegion region = new HeapRegion(arena, 16);
            final Thread caller = Thread.currentThread();
            final IllegalStateException failure = new IllegalStateException(
                inHook ? "the lease renewal failed" : "the caller's store fails");
            final CountDownLatch helperStoring = new CountDownLatch(1);
            final Runnable failOnceAHelperStores = () ->
            {
                await(helperStoring);
                throw failure;
            };
            region.beforeStore = () ->
            {
                if (Thread.currentThread() != caller)
                {
                    helperStoring.countDown();
                    sleep();
                }
                else if (!inHook)
                {
                    failOnceAHelperStores.run();
                }
            };
            final TransferBatch transfers = blocks(arena, 16, SourceChecksums.PIECE_BYTES);
            final Runnable between = inHook ? failOnceAHelperStores : () -> { };
            assertSame(failure, assertThrows(IllegalStateException.class,
                () -> SharedWrite.write(region, transfers, helpers, new int[16], between, 0)));
            assertEquals(0, region.storing.get(), "a helper still storing after the put's failure was thrown");
        }
    }

    @Test
    void shouldThrowWhatTheHookThrowsWhileTheCallerWaitsOnlyOnceTheHelperIsDone()
    {
        try (SourceChecksums helpers = new SourceChecksums(1); Arena arena = Arena.ofShared())
        {
            final HeapRegion region = new HeapRegion(arena, 2);
            final Thread caller = Thread.currentThread();
            final CountDownLatch helperStoring = new CountDownLatch(1);
            region.beforeStore = () ->
            {
                if (Thread.currentThread() != caller)
                {
                    helperStoring.countDown();
                    sleep(); // the caller, its own block stored, waits for this one
                    return;
                }
                await(helperStoring); // the other block is the helper's
            };
            final TransferBatch transfers = blocks(arena, 2, SharedWrite.SHARE_MIN_BYTES);
            final IllegalStateException renewalFailed = new IllegalStateException("the lease renewal failed");
            final AtomicInteger calls = new AtomicInteger();
            final Runnable between = () ->
            {
                // Before each of the caller's four pieces of its block, then while it waits for the helper.
                if (calls.incrementAndGet() == 5)
                {
                    throw renewalFailed;
                }
            };
            assertSame(renewalFailed, assertThrows(IllegalStateException.class,
                () -> SharedWrite.write(region, transfers, helpers, new int[2], between, 0)));
            assertEquals(0, region.storing.get(), "the helper still storing after the put's failure was thrown");
            // Whichever block each claimed (the helper may be first), the caller stored at most one, four pieces:
            // the hook's fifth call, which throws, came while it waited.
            assertTrue(region.stores.values().stream().anyMatch(b -> !b.threads.contains(caller)), "a helper's block");
        }
    }

    /** @return {@code count} blocks of {@code length} bytes, block t's bytes all t + 1, at block t's place. */
    private static TransferBatch blocks(final Arena arena, final int count, final long length)
    {
        final TransferBatch transfers = new TransferBatch(count);
        for (int t = 0; t < count; t++)
        {
            transfers.add(t, 1, t * BLOCK_SPACE, (int)length, arena.allocate(length).fill((byte)(t + 1)));
        }
        return transfers;
    }

    private static long pieces(final long length)
    {
        return Math.max(1, (length + SourceChecksums.PIECE_BYTES - 1) / SourceChecksums.PIECE_BYTES);
    }

    private static void sleep()
    {
        try
        {
            Thread.sleep(20);
        }
        catch (final InterruptedException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static void await(final CountDownLatch latch)
    {
        try
        {
            assertTrue(latch.await(20, TimeUnit.SECONDS), "no helper ever came");
        }
        catch (final InterruptedException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Per block, the threads that stored its pieces and how many pieces (checked in order of offset). */
    private static final class Stores
    {
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        final AtomicInteger pieces = new AtomicInteger();
        long nextOffset;
    }

    /** A region in memory: block {@code b} at {@code b * BLOCK_SPACE}; each store one piece. */
    private static final class HeapRegion implements BlockTransport
    {
        final MemorySegment bytes;
        final Map<Long, Stores> stores = new ConcurrentHashMap<>();
        final AtomicInteger storing = new AtomicInteger();
        volatile IntUnaryOperator statusOfPiece = piece -> Status.OK;
        volatile Runnable beforeStore = () -> { };

        HeapRegion(final Arena arena, final int blocks)
        {
            bytes = arena.allocate(blocks * BLOCK_SPACE);
        }

        MemorySegment block(final int b, final long length)
        {
            return bytes.asSlice(b * BLOCK_SPACE, length);
        }

        @Override
        public CompletableFuture<TransferBatch> write(final TransferBatch batch)
        {
            storing.incrementAndGet();
            try
            {
                beforeStore.run();
                assertEquals(1, batch.size(), "one piece a store");
                final long block = batch.blockIndex(0);
                final Stores of = stores.computeIfAbsent(block, b -> new Stores());
                of.threads.add(Thread.currentThread());
                final long offset = batch.regionOffset(0) - block * BLOCK_SPACE;
                assertEquals(of.nextOffset, offset, "block " + block + "'s pieces in order");
                assertTrue(batch.length(0) <= SourceChecksums.PIECE_BYTES, "a piece at most PIECE_BYTES");
                final int status = statusOfPiece.applyAsInt(of.pieces.getAndIncrement());
                if (status == Status.OK)
                {
                    MemorySegment.copy(batch.segment(0), 0, bytes, batch.regionOffset(0), batch.length(0));
                }
                of.nextOffset = offset + batch.length(0);
                batch.status(0, status);
                return CompletableFuture.completedFuture(batch);
            }
            finally
            {
                storing.decrementAndGet();
            }
        }

        @Override
        public String name()
        {
            return "heap";
        }

        @Override
        public CompletableFuture<TransferBatch> read(final TransferBatch batch)
        {
            throw new UnsupportedOperationException("stores only");
        }

        @Override
        public void close()
        {
        }
    }
}
