package io.kvpool.protocol;

import io.kvpool.protocol.test.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
