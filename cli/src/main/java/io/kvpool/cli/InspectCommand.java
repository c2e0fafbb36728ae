package io.kvpool.cli;

import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.KeyDirectory;
import io.kvpool.protocol.NamespaceTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.SlabTableDescriptor;
import io.kvpool.protocol.SuperblockDescriptor;
import io.kvpool.transport.cxl.Region;
import io.kvpool.transport.cxl.RegionSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * {@code kvpool inspect}: reads a region's superblock and tables without writing a byte, and prints its identity,
 * geometry, shutdown state and per-namespace occupancy. Works on a region a manager is using (a snapshot).
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Prints a region's superblock, geometry and per-namespace block states; writes nothing.")
final class InspectCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REGION", description = "A devdax device (/dev/daxX.Y) or a region file.")
    private Path path;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (!path.getFileName().toString().startsWith("dax") && !Files.isRegularFile(path))
        {
            throw new IllegalArgumentException("no region file at " + path);
        }
        try (Region region = Region.map(RegionSource.forPath(path, 0, false)))
        {
            final MemorySegment segment = region.segment();
            final RegionGeometry geometry = SuperblockDescriptor.validate(segment);
            out.printf("region      %s%n", region.description());
            out.printf("uuid        %s%n", SuperblockDescriptor.uuid(segment));
            out.printf("format      %d.%d, formatted %s%n", SuperblockDescriptor.MAJOR_VERSION,
                SuperblockDescriptor.minorVersion(segment),
                Instant.ofEpochMilli(SuperblockDescriptor.formatTimeMillis(segment)));
            out.printf("manager     epoch %d, %s%n", SuperblockDescriptor.managerEpoch(segment),
                SuperblockDescriptor.isCleanShutdown(segment) ? "shut down cleanly" :
                "in use, or its manager died (the next manager recovers)");
            out.printf("geometry    %d slabs of %s, min block %s, %d block slots per slab, data at %s%n",
                geometry.slabCount(), ByteSizes.format(geometry.slabSizeBytes()),
                ByteSizes.format(geometry.minBlockSizeBytes()), geometry.maxBlocksPerSlab(),
                ByteSizes.format(geometry.dataOffset()));
            out.printf("directory   %s%n", directoryLine(segment, geometry));
            int freeSlabs = 0;
            for (int slab = 0; slab < geometry.slabCount(); slab++)
            {
                freeSlabs += SlabTableDescriptor.namespaceId(segment, geometry.slabEntryOffset(slab)) == 0 ? 1 : 0;
            }
            out.printf("free slabs  %d%n", freeSlabs);
            out.printf("%-4s %-24s %10s %6s %10s %10s %10s%n", "id", "namespace", "block", "slabs", "free",
                "writing", "sealed");
            for (int id = 1; id <= geometry.maxNamespaces(); id++)
            {
                final long entry = geometry.namespaceEntryOffset(id);
                if (NamespaceTableDescriptor.state(segment, entry) != NamespaceTableDescriptor.STATE_ACTIVE)
                {
                    continue;
                }
                final long[] counts = new long[4];
                for (int slab = 0; slab < geometry.slabCount(); slab++)
                {
                    final long slabEntry = geometry.slabEntryOffset(slab);
                    if (SlabTableDescriptor.namespaceId(segment, slabEntry) != id)
                    {
                        continue;
                    }
                    counts[3]++;
                    final long first = (long)slab * geometry.maxBlocksPerSlab();
                    for (int slot = 0; slot < SlabTableDescriptor.blocksInSlab(segment, slabEntry); slot++)
                    {
                        counts[BlockTableDescriptor.state(BlockTableDescriptor.stampAcquire(segment,
                            geometry.blockEntryOffset(first + slot)))]++;
                    }
                }
                out.printf("%-4d %-24s %10s %6d %10d %10d %10d%n", id, NamespaceTableDescriptor.name(segment, entry),
                    ByteSizes.format(NamespaceTableDescriptor.blockSizeBytes(segment, entry)), counts[3],
                    counts[BlockTableDescriptor.FREE], counts[BlockTableDescriptor.WRITING],
                    counts[BlockTableDescriptor.SEALED]);
            }
        }
        return 0;
    }

    /**
     * @return what the region's key directory is: its buckets, where and how many slots name a block; or why it
     *         has none.
     */
    private static String directoryLine(final MemorySegment segment, final RegionGeometry geometry)
    {
        final KeyDirectory directory = KeyDirectory.attach(segment, geometry);
        if (directory != null)
        {
            return directory.buckets() + " buckets at " + ByteSizes.format(KeyDirectory.offset(geometry)) + ", " +
                directory.slotsInUse() + " slots in use";
        }
        final String why = SuperblockDescriptor.minorVersion(segment) < KeyDirectory.SINCE_MINOR_VERSION ?
            "format before 1.2" : "no room past the slabs";
        return "none (" + why + "): first gets ask the manager";
    }
}
