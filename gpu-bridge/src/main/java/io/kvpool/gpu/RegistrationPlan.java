package io.kvpool.gpu;

import java.util.ArrayList;
import java.util.List;

/**
 * How a region is registered with CUDA: in chunks (one cuMemHostRegister call each; very large single
 * registrations fail on some drivers and take long), each a whole number of pages. Pure arithmetic; immutable.
 *
 * @param address     first byte of the region (page aligned).
 * @param lengthBytes length of the region (whole pages).
 * @param chunkBytes  most bytes one registration covers (whole pages).
 */
public record RegistrationPlan(long address, long lengthBytes, long chunkBytes)
{
    /** Page size registrations are aligned to. */
    public static final long PAGE_BYTES = 4096;
    /** Default chunk: 1 GiB. */
    public static final long DEFAULT_CHUNK_BYTES = 1L << 30;

    public RegistrationPlan
    {
        if (address % PAGE_BYTES != 0 || lengthBytes <= 0 || lengthBytes % PAGE_BYTES != 0)
        {
            throw new IllegalArgumentException("address=0x" + Long.toHexString(address) + " lengthBytes=" +
                lengthBytes + " must be page aligned and positive");
        }
        if (chunkBytes <= 0 || chunkBytes % PAGE_BYTES != 0)
        {
            throw new IllegalArgumentException("chunkBytes=" + chunkBytes + " must be a positive multiple of " +
                PAGE_BYTES);
        }
    }

    /**
     * One registration call.
     *
     * @param address     first byte.
     * @param lengthBytes bytes.
     */
    public record Chunk(long address, long lengthBytes)
    {
    }

    /**
     * @return the chunks, in address order, covering the region exactly once.
     */
    public List<Chunk> chunks()
    {
        final List<Chunk> chunks = new ArrayList<>();
        for (long offset = 0; offset < lengthBytes; offset += chunkBytes)
        {
            chunks.add(new Chunk(address + offset, Math.min(chunkBytes, lengthBytes - offset)));
        }
        return chunks;
    }

    /**
     * @return whether [address, address + length) lies inside the registered region.
     */
    public boolean covers(final long rangeAddress, final long length)
    {
        return length >= 0 && rangeAddress >= address && rangeAddress - address <= lengthBytes - length;
    }
}
