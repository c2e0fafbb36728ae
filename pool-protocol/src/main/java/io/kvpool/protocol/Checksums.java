package io.kvpool.protocol;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
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
     * Bytes {@link #copy} stores and then checksums at a time: small enough that a chunk is still in the core's
     * first-level cache when the checksum reads it back. Measured in 32 x 64 KiB and 2 MiB mapped puts (bench
     * shapes, bench/RESULTS-shapes.txt, session 24): on a 16-core Intel host 8 KiB chunks beat 2 KiB ones (one
     * thread, 64 KiB: 1.81-2.44x against 1.52-1.72x of a copy into cold memory; 2 MiB: 2.66-2.96x against
     * 2.24-2.42x); on a 2-core AMD VM 2, 8 and 16 KiB ran alike, within the VM's noise.
     */
    public static final int COPY_CHUNK_BYTES = 8192;

    /**
     * Copies a payload into memory and adds what was stored to a running CRC32C, a chunk
     * ({@link #COPY_CHUNK_BYTES}) at a time: each chunk is stored and then read back for the checksum while it is
     * still in the core's cache, so the source is read from memory once and the checksum runs while the stores
     * before it drain. The checksum is of the destination's bytes as this thread stored them (the bytes a reader
     * later checks), read through {@code readBack}.
     * <p>
     * {@code readBack} is the destination's memory as a segment the checksum may read without an arena's acquire on
     * every call: the JDK's CRC32C over native memory acquires the segment's arena each time, an atomic operation
     * that waits for the stores before it and that every thread of a shared arena contends on (measured on a
     * 16-core host: mapped puts of four threads fell to a third of their throughput, checksumming 2 KiB chunks of
     * their shared-arena sources). The mapped region's view ({@code Region.view()}) is such a segment; a segment of
     * any other arena works too, at that cost.
     *
     * @param source            the payload, at most 2 GiB.
     * @param destination       where it goes.
     * @param destinationOffset its first byte there.
     * @param readBack          the same memory as {@code destination}, at the same offsets.
     * @param crc               updated with the stored bytes, in order.
     * @throws IndexOutOfBoundsException when the payload does not fit at the offset of either segment (nothing
     *                                   stored).
     */
    public static void copy(
        final MemorySegment source, final MemorySegment destination, final long destinationOffset,
        final MemorySegment readBack, final CRC32C crc)
    {
        final long length = source.byteSize();
        Objects.checkFromIndexSize(destinationOffset, length, destination.byteSize());
        Objects.checkFromIndexSize(destinationOffset, length, readBack.byteSize());
        final ByteBuffer stored = readBack.asSlice(destinationOffset, length).asByteBuffer();
        for (int offset = 0; offset < length; offset += COPY_CHUNK_BYTES)
        {
            final int bytes = (int)Math.min(COPY_CHUNK_BYTES, length - offset);
            MemorySegment.copy(source, offset, destination, destinationOffset + offset, bytes);
            crc.update(stored.limit(offset + bytes).position(offset));
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
