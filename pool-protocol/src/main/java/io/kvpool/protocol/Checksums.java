package io.kvpool.protocol;

import java.lang.foreign.MemorySegment;
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
