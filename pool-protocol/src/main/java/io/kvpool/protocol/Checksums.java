package io.kvpool.protocol;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The block checksum: CRC32C (Castagnoli) of a payload, as recorded in the block table. Stateless and thread-safe;
 * uses the JDK's intrinsic (SSE4.2 / ARMv8 CRC instructions).
 */
public final class Checksums
{
    /** CRC32C's polynomial, bit-reversed (as the JDK and the hardware compute it). */
    private static final int POLYNOMIAL = 0x82F63B78;
    /** {@code X_POW_2N[k]} = x^(2^k) modulo the polynomial, for {@link #crc32cCombine}. */
    private static final int[] X_POW_2N = new int[32];

    static
    {
        int p = 1 << 30;
        X_POW_2N[0] = p;
        for (int k = 1; k < X_POW_2N.length; k++)
        {
            p = multiplyModP(p, p);
            X_POW_2N[k] = p;
        }
    }

    private Checksums()
    {
    }

    /**
     * @param payload bytes to checksum, anywhere (heap or native, including the mapped region).
     * @return CRC32C of all of them, as a signed int.
     */
    public static int crc32c(final MemorySegment payload)
    {
        final CRC32C crc = new CRC32C();
        crc.update(payload.asByteBuffer());
        return (int)crc.getValue();
    }

    /**
     * Bytes {@link #copy} checksums and stores at a time. Measured on a 2-core AMD EPYC VM (64 KiB sources in cache,
     * destinations not): a 64 KiB block checksummed whole and then copied, 0.78x of the copy alone ({@code bench jmh
     * CopyChecksumBenchmark}); checksummed and copied 2 KiB at a time, 0.98x (the checksum's instructions run while
     * the stores before them drain); in a plain loop 4 KiB at a time ran at ~0.75x of the copy, 8 KiB at ~1.0x,
     * 16 KiB and more at 0.85-0.9x (bench/RESULTS-shapes.txt, session 23).
     */
    public static final int COPY_CHUNK_BYTES = 2048;

    /**
     * Copies a payload into memory and adds it to a running CRC32C in one pass: a chunk ({@link #COPY_CHUNK_BYTES})
     * at a time, each checksummed from the source and then stored, so the source is read from memory once and the
     * checksum costs little beside the stores. The checksum is of the source's bytes, as they were read.
     *
     * @param source            the payload.
     * @param destination       where it goes.
     * @param destinationOffset its first byte there.
     * @param crc               updated with the source's bytes, in order.
     * @throws IndexOutOfBoundsException when the payload does not fit at the offset (nothing stored).
     */
    public static void copy(
        final MemorySegment source, final MemorySegment destination, final long destinationOffset, final CRC32C crc)
    {
        final long length = source.byteSize();
        Objects.checkFromIndexSize(destinationOffset, length, destination.byteSize());
        for (long offset = 0; offset < length; offset += COPY_CHUNK_BYTES)
        {
            final long bytes = Math.min(COPY_CHUNK_BYTES, length - offset);
            crc.update(source.asSlice(offset, bytes).asByteBuffer());
            MemorySegment.copy(source, offset, destination, destinationOffset + offset, bytes);
        }
    }

    /**
     * The CRC32C of two byte strings one after the other, from the CRC32C of each (zlib's {@code crc32_combine}
     * for the Castagnoli polynomial): lets pieces of a block be checksummed apart, on several threads.
     *
     * @param first        CRC32C of the first string.
     * @param second       CRC32C of the second string.
     * @param secondLength bytes in the second string (0 or more).
     * @return CRC32C of the first string followed by the second.
     */
    public static int crc32cCombine(final int first, final int second, final long secondLength)
    {
        return multiplyModP(xPow8n(secondLength), first) ^ second;
    }

    /**
     * @return x^(8n) modulo the polynomial: shifting a CRC by n zero bytes.
     */
    private static int xPow8n(final long n)
    {
        int p = 1 << 31;
        int k = 3;
        for (long rest = n; rest != 0; rest >>>= 1, k++)
        {
            if ((rest & 1) != 0)
            {
                p = multiplyModP(X_POW_2N[k & 31], p);
            }
        }
        return p;
    }

    /**
     * @return a times b modulo the polynomial, both bit-reversed.
     */
    private static int multiplyModP(final int a, final int b)
    {
        int product = 0;
        int multiplicand = b;
        for (int m = 1 << 31; m != 0; m >>>= 1)
        {
            if ((a & m) != 0)
            {
                product ^= multiplicand;
                if ((a & (m - 1)) == 0)
                {
                    break;
                }
            }
            multiplicand = (multiplicand & 1) != 0 ? (multiplicand >>> 1) ^ POLYNOMIAL : multiplicand >>> 1;
        }
        return product;
    }
}
