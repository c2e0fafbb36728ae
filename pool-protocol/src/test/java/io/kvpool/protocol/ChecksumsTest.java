package io.kvpool.protocol;

import io.kvpool.protocol.test.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChecksumsTest
{
    static LongStream seeds()
    {
        return Seeds.of(50);
    }

    @Test
    void shouldGiveTheCastagnoliCheckValue()
    {
        // The catalogue's check value for CRC-32C: the CRC of the nine ASCII digits.
        final byte[] digits = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xE3069283, Checksums.crc32c(MemorySegment.ofArray(digits)));
    }

    @Test
    void shouldCombineAroundEmptyStrings()
    {
        final int digits = Checksums.crc32c(MemorySegment.ofArray("123456789".getBytes(StandardCharsets.US_ASCII)));
        final int empty = Checksums.crc32c(MemorySegment.ofArray(new byte[0]));
        assertEquals(0, empty);
        assertEquals(digits, Checksums.crc32cCombine(digits, empty, 0));
        assertEquals(digits, Checksums.crc32cCombine(empty, digits, 9));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldCombinePiecesIntoTheWholeStringsChecksum(final long seed)
    {
        Seeds.run(seed, s ->
        {
            final SplittableRandom random = new SplittableRandom(s);
            final byte[] bytes = new byte[random.nextInt(1, 3 << 20)];
            random.nextBytes(bytes);
            final MemorySegment whole = MemorySegment.ofArray(bytes);
            int combined = 0;
            long at = 0;
            while (at < bytes.length)
            {
                final long length = Math.min(bytes.length - at, random.nextLong(0, 600_000));
                combined = Checksums.crc32cCombine(combined, Checksums.crc32c(whole.asSlice(at, length)), length);
                at += length;
            }
            assertEquals(Checksums.crc32c(whole), combined, bytes.length + " bytes");
        });
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldCopyAndChecksumInOnePass(final long seed)
    {
        Seeds.run(seed, s ->
        {
            final SplittableRandom random = new SplittableRandom(s);
            // Lengths around the chunk's edges as well as anywhere up to 3 MiB; two payloads one after the other.
            final int edge = Checksums.COPY_CHUNK_BYTES * random.nextInt(1, 40) + random.nextInt(-1, 2);
            final int first = random.nextBoolean() ? edge : random.nextInt(0, 3 << 20);
            final int second = random.nextInt(0, 100_000);
            final byte[] bytes = new byte[first + second];
            random.nextBytes(bytes);
            final MemorySegment payload = MemorySegment.ofArray(bytes);
            try (Arena arena = Arena.ofConfined())
            {
                final long at = random.nextInt(0, 4096);
                final MemorySegment destination = arena.allocate(at + bytes.length + 64);
                destination.fill((byte)0x5A);
                // Read back through a view in no arena, as mapped puts do (Region.view()), or the destination itself.
                final MemorySegment readBack = random.nextBoolean() ? destination :
                    MemorySegment.ofAddress(destination.address()).reinterpret(destination.byteSize());
                final CRC32C crc = new CRC32C();
                Checksums.copy(payload.asSlice(0, first), destination, at, readBack, crc);
                assertEquals(Checksums.crc32c(payload.asSlice(0, first)), (int)crc.getValue(), first + " bytes");
                Checksums.copy(payload.asSlice(first), destination, at + first, readBack, crc);
                assertEquals(Checksums.crc32c(payload), (int)crc.getValue(), "running over both payloads");
                assertEquals(-1, destination.asSlice(at, bytes.length).mismatch(payload), "the bytes copied");
                for (long b = 0; b < destination.byteSize(); b++)
                {
                    if (b < at || b >= at + bytes.length)
                    {
                        assertEquals((byte)0x5A, destination.get(ValueLayout.JAVA_BYTE, b),
                            "nothing stored outside the range, byte " + b);
                    }
                }
            }
        });
    }

    @Test
    void shouldStoreNothingOfAPayloadThatDoesNotFit()
    {
        final byte[] bytes = new byte[3 * Checksums.COPY_CHUNK_BYTES];
        new SplittableRandom(5).nextBytes(bytes);
        final byte[] into = new byte[bytes.length + 100];
        final MemorySegment destination = MemorySegment.ofArray(into);
        final CRC32C crc = new CRC32C();
        assertThrows(IndexOutOfBoundsException.class,
            () -> Checksums.copy(MemorySegment.ofArray(bytes), destination, 101, destination, crc));
        assertThrows(IndexOutOfBoundsException.class,
            () -> Checksums.copy(MemorySegment.ofArray(bytes), destination, -1, destination, crc));
        assertThrows(IndexOutOfBoundsException.class, () -> Checksums.copy(MemorySegment.ofArray(bytes),
            destination, 0, destination.asSlice(0, bytes.length - 1), crc), "a read-back view too short");
        assertEquals(-1, destination.mismatch(MemorySegment.ofArray(new byte[into.length])), "nothing stored");
        assertEquals(0, (int)crc.getValue(), "nothing checksummed");
    }
}
