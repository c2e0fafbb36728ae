package io.kvpool.transport.cxl;

import io.kvpool.protocol.BlockProtocol;
import io.kvpool.protocol.NamespaceTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.SlabTableDescriptor;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.SuperblockDescriptor;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TransferBatch;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * The CXL transport: block bytes move by plain load/store on this process's mapping of the region (a CXL device,
 * or the emulation on the manager's host). One copy each way; reads are validated seqlock-style on the block's
 * stamp (region-format.md §5), writes go only into blocks reserved with the entry's generation, under a writer
 * intent ({@link BlockProtocol} carries out both protocols). Transfers complete
 * before the future is returned, on the calling thread.
 * <p>
 * Thread-safe. Owns the region mapping unless told otherwise.
 */
public final class MappedBlockTransport implements BlockTransport
{
    private final Region region;
    private final MemorySegment segment;
    private final RegionGeometry geometry;
    private final MemorySegment view;
    private final boolean ownsRegion;
    private volatile boolean closed;

    /**
     * @param region     the mapped region.
     * @param ownsRegion whether {@link #close()} unmaps it.
     */
    public MappedBlockTransport(final Region region, final boolean ownsRegion)
    {
        this.region = region;
        this.segment = region.segment();
        this.view = region.view();
        this.geometry = SuperblockDescriptor.read(segment);
        this.ownsRegion = ownsRegion;
    }

    @Override
    public String name()
    {
        return "cxl";
    }

    @Override
    public MemorySegment mappedRegion()
    {
        return segment;
    }

    /**
     * @return the mapping transfers go through.
     */
    public Region region()
    {
        return region;
    }

    @Override
    public CompletableFuture<TransferBatch> read(final TransferBatch batch)
    {
        ensureOpen();
        for (int i = 0; i < batch.size(); i++)
        {
            batch.status(i, readOne(batch, i));
        }
        return CompletableFuture.completedFuture(batch);
    }

    @Override
    public CompletableFuture<TransferBatch> write(final TransferBatch batch)
    {
        ensureOpen();
        for (int i = 0; i < batch.size(); i++)
        {
            batch.status(i, writeOne(batch, i, null));
        }
        return CompletableFuture.completedFuture(batch);
    }

    /**
     * Stores each entry as {@link #write} does, checksumming its bytes as it stores them: each chunk read back from
     * the region's {@link Region#view()} (no arena acquire per chunk) while it is still in cache.
     */
    @Override
    public CompletableFuture<TransferBatch> writeChecksummed(final TransferBatch batch)
    {
        ensureOpen();
        region.enterView();
        try
        {
            for (int i = 0; i < batch.size(); i++)
            {
                final CRC32C checksum = new CRC32C();
                batch.status(i, writeOne(batch, i, checksum));
                batch.checksum(i, (int)checksum.getValue());
            }
        }
        finally
        {
            region.exitView();
        }
        return CompletableFuture.completedFuture(batch);
    }

    private int readOne(final TransferBatch batch, final int i)
    {
        if (!inBlock(batch, i))
        {
            return Status.OUT_OF_RANGE;
        }
        return BlockProtocol.read(segment, geometry.blockEntryOffset(batch.blockIndex(i)), batch.generation(i),
            batch.regionOffset(i), batch.segment(i), batch.length(i));
    }

    /** @param checksum updated with the bytes as they are stored; {@code null} for none. */
    private int writeOne(final TransferBatch batch, final int i, final CRC32C checksum)
    {
        if (!inBlock(batch, i))
        {
            return Status.OUT_OF_RANGE;
        }
        return BlockProtocol.write(segment, geometry.blockEntryOffset(batch.blockIndex(i)), batch.generation(i),
            batch.segment(i).asSlice(0, batch.length(i)), batch.regionOffset(i), view, checksum);
    }

    /**
     * @return whether the entry's range lies inside its block as the slab table cuts it now.
     */
    private boolean inBlock(final TransferBatch batch, final int i)
    {
        return rangeInBlock(segment, geometry, batch.blockIndex(i), batch.regionOffset(i), batch.length(i));
    }

    /**
     * Checks a range against the block it claims to belong to: the block's slab must be owned, and the range must
     * lie within the block's bytes for the owner's block size.
     */
    public static boolean rangeInBlock(
        final MemorySegment region, final RegionGeometry geometry, final long blockIndex, final long offset,
        final long length)
    {
        if (blockIndex < 0 || blockIndex >= geometry.blockTableEntries() || length <= 0)
        {
            return false;
        }
        final int slab = (int)(blockIndex / geometry.maxBlocksPerSlab());
        final long slabEntry = geometry.slabEntryOffset(slab);
        final int owner = SlabTableDescriptor.namespaceId(region, slabEntry);
        if (owner <= 0 || owner > geometry.maxNamespaces() ||
            blockIndex % geometry.maxBlocksPerSlab() >= SlabTableDescriptor.blocksInSlab(region, slabEntry))
        {
            return false;
        }
        final long blockSize = NamespaceTableDescriptor.blockSizeBytes(region, geometry.namespaceEntryOffset(owner));
        final long start = geometry.blockDataOffset(blockIndex, blockSize);
        return offset >= start && offset + length <= start + blockSize;
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the cxl transport is closed");
        }
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            if (ownsRegion)
            {
                region.close();
            }
        }
    }
}
