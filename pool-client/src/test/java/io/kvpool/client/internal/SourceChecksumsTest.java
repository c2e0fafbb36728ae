package io.kvpool.client.internal;

import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.test.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class SourceChecksumsTest
{
    static LongStream seeds()
    {
        return Seeds.of(20);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldGiveEachSourceItsOwnCrcWhoeverComputesThePiecesRunByRun(final long seed)
    {
        Seeds.run(seed, s ->
        {
            final SplittableRandom random = new SplittableRandom(s);
            final int helpers = random.nextInt(1, 5);
            try (SourceChecksums checksums = new SourceChecksums(helpers); Arena arena = Arena.ofShared())
            {
                final List<MemorySegment> list = new ArrayList<>();
                final int count = random.nextInt(1, 40);
                final int largest = random.nextBoolean() ? 3 << 20 : 80_000;
                long total = 0;
                for (int i = 0; i < count || total < SourceChecksums.PARALLEL_MIN_BYTES; i++)
                {
                    // Lengths on and around the piece size too: a block that ends exactly on a piece's edge.
                    final int length = switch (random.nextInt(4))
                    {
                        case 0 -> (int)SourceChecksums.PIECE_BYTES * random.nextInt(1, 5);
                        case 1 -> (int)SourceChecksums.PIECE_BYTES * random.nextInt(1, 5) + random.nextInt(-1, 2);
                        default -> random.nextInt(1, largest);
                    };
                    final MemorySegment source = arena.allocate(length);
                    for (long at = 0; at + 8 <= length; at += 8)
                    {
                        source.set(ValueLayout.JAVA_LONG_UNALIGNED, at, random.nextLong());
                    }
                    list.add(source);
                    total += length;
                }
                final MemorySegment[] sources = list.toArray(MemorySegment[]::new);
                try (SourceChecksums.Job job = checksums.start(sources))
                {
                    assertNotNull(job, total + " bytes from a shared arena go to the helpers");
                    // As a put in runs asks: each run's sources copied (computeUpTo), then their checksums wanted.
                    int end = 0;
                    while (end < sources.length)
                    {
                        final int from = end;
                        end = random.nextInt(4) == 0 ? sources.length : random.nextInt(end + 1, sources.length + 1);
                        job.computeUpTo(random.nextInt(from, end + 1));
                        if (end == sources.length && random.nextBoolean())
                        {
                            job.finish();
                        }
                        else
                        {
                            job.finishUpTo(end);
                        }
                        for (int t = from; t < end; t++)
                        {
                            assertEquals(Checksums.crc32c(sources[t]), job.checksum(t),
                                "source " + t + " of " + sources[t].byteSize() + " bytes, run " + from + "-" + end);
                        }
                    }
                }
            }
        });
    }

    @Test
    void shouldLeaveToTheCallerWhatHelpersCannotOrNeedNotDo()
    {
        try (SourceChecksums none = new SourceChecksums(0); SourceChecksums two = new SourceChecksums(2);
             Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined())
        {
            final long large = SourceChecksums.PARALLEL_MIN_BYTES;
            assertNull(none.start(batch(shared.allocate(large))), "no helpers");
            assertNull(two.start(batch(shared.allocate(large - 1))), "too small to share");
            assertNull(two.start(batch(confined.allocate(large))), "confined to the caller's thread");
            try (SourceChecksums.Job job = two.start(batch(MemorySegment.ofArray(new byte[(int)large]))))
            {
                assertNotNull(job, "heap memory any thread may read");
                job.finish();
                assertEquals(Checksums.crc32c(MemorySegment.ofArray(new byte[(int)large])), job.checksum(0));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new SourceChecksums(-1));
    }

    @Test
    void shouldLetTheCallerFreeItsSourcesOnceAJobIsClosedUnfinished()
    {
        try (SourceChecksums checksums = new SourceChecksums(3))
        {
            for (int round = 0; round < 50; round++)
            {
                final Arena arena = Arena.ofShared();
                final MemorySegment[] sources = new MemorySegment[16];
                for (int i = 0; i < 16; i++)
                {
                    sources[i] = arena.allocate(1 << 20);
                }
                checksums.start(sources).close();
                // No helper holds the memory now: a shared arena refuses to close while another thread reads it.
                arena.close();
            }
        }
    }

    @Test
    void shouldNotHangAPutWhoseSourceWasFreedUnderIt()
    {
        // One piece: no helper is asked for, so only the caller reads the source, after its arena closed.
        try (SourceChecksums checksums = new SourceChecksums(2))
        {
            final Arena arena = Arena.ofShared();
            final SourceChecksums.Job job = checksums.start(batch(arena.allocate(SourceChecksums.PIECE_BYTES)));
            assertNotNull(job);
            arena.close();
            assertThrows(IllegalStateException.class, job::finish);
            assertTimeoutPreemptively(Duration.ofSeconds(10), job::close, "close waits for no piece");
        }
    }

    private static MemorySegment[] batch(final MemorySegment source)
    {
        return new MemorySegment[] {source};
    }
}
