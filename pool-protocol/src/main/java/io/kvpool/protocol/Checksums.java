package io.kvpool.protocol;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * The block checksum: CRC32C (Castagnoli) of a payload, as recorded in the block table. Stateless and thread-safe;
 * uses the JDK's intrinsic (SSE4.2 / ARMv8 CRC instructions).
 */
public final class Checksums
{
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
}
