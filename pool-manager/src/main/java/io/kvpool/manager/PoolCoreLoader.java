package io.kvpool.manager;

import io.kvpool.manager.internal.BlockAllocator;
import io.kvpool.manager.internal.BlockIndex;
import io.kvpool.manager.internal.FileModes;
import io.kvpool.manager.internal.NamespaceState;
import io.kvpool.manager.internal.Recovery;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.KeyDirectory;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.SuperblockDescriptor;
import io.kvpool.transport.cxl.Region;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Opens a {@link PoolCore}: takes the region's lock, maps it, formats it (only when asked, when this open created
 * it, or when asked to format a region never formatted and it is one) or validates its superblock, opens the index (with Chronicle Map's recovery after an unclean shutdown) and
 * cross-checks it against the block table. Nothing is written to a region whose superblock is refused.
 */
final class PoolCoreLoader
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.manager");

    private PoolCoreLoader()
    {
    }

    static PoolCore open(final PoolContext context)
    {
        context.conclude();
        final long start = System.nanoTime();
        final Path indexFile = context.indexFile().toAbsolutePath();
        Region.requirePresent(context.regionSource());
        final FileLock lock = lock(indexFile);
        Region region = null;
        BlockIndex index = null;
        try
        {
            region = Region.map(context.regionSource());
            restrict(Path.of(region.path()), context.fileGroup());
            restrict(Path.of(indexFile + ".lock"), context.fileGroup());
            final MemorySegment segment = region.segment();
            final boolean format = context.format() || region.created() ||
                context.formatIfEmpty() && SuperblockDescriptor.isUnformatted(segment);
            final RegionGeometry geometry;
            if (format)
            {
                geometry = RegionGeometry.layout(region.lengthBytes(), context.slabSizeBytes(),
                    context.minBlockSizeBytes(), context.maxNamespaces());
                segment.asSlice(0, geometry.dataOffset()).fill((byte)0);
                SuperblockDescriptor.write(segment, geometry, UUID.randomUUID(), System.currentTimeMillis());
                Files.deleteIfExists(indexFile);
            }
            else
            {
                geometry = SuperblockDescriptor.validate(segment);
                if (context.geometryGiven())
                {
                    requireSame("slabSizeBytes", context.slabSizeBytes(), geometry.slabSizeBytes());
                    requireSame("minBlockSizeBytes", context.minBlockSizeBytes(), geometry.minBlockSizeBytes());
                    requireSame("maxNamespaces", context.maxNamespaces(), geometry.maxNamespaces());
                }
            }
            if (context.prefault())
            {
                region.prefault();
            }
            if (SuperblockDescriptor.minorVersion(segment) < 1)
            {
                upgradeToWriterIntents(segment, geometry);
            }
            final boolean clean = SuperblockDescriptor.isCleanShutdown(segment);
            final long epoch = SuperblockDescriptor.managerEpoch(segment) + 1;
            SuperblockDescriptor.cleanShutdown(segment, false);
            SuperblockDescriptor.managerEpoch(segment, epoch, ProcessHandle.current().pid());

            index = openIndex(indexFile, geometry, !clean && !format);
            restrict(indexFile, context.fileGroup());
            final NamespaceRegistry namespaces = new NamespaceRegistry(segment, geometry);
            namespaces.load();
            final Recovery recovery = new Recovery(segment, geometry, index, namespaces.byId());
            final NamespaceState[] slabOwners = recovery.run();
            final BlockAllocator allocator = new BlockAllocator(segment, geometry, index);
            namespaces.allocator(allocator);
            for (int slab = 0; slab < slabOwners.length; slab++)
            {
                allocator.attachSlab(slab, slabOwners[slab]);
            }
            allocator.tick(Math.max(allocator.tick(), SuperblockDescriptor.accessTick(segment)));
            rebuildDirectory(segment, geometry);

            final RecoveryReport report = new RecoveryReport(format, clean, epoch, recovery.sealedBlocks,
                recovery.reclaimedWritingBlocks, recovery.clearedPins, recovery.restoredIndexEntries,
                recovery.removedIndexEntries, recovery.duplicateBlocks, System.nanoTime() - start);
            LOG.log(report.repaired() ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                "attached " + region.description() + ": " + report);

            final Region mapped = region;
            final BlockIndex opened = index;
            return new PoolCore(context, region, geometry, index, allocator, namespaces, report,
                core -> closeAll(core, mapped, opened, lock));
        }
        catch (final IOException ex)
        {
            closeQuietly(index, region, lock);
            throw new PoolException(ErrorCode.INDEX_FAILED, "cannot prepare index file " + indexFile + ": " + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(index, region, lock);
            throw ex;
        }
    }

    /**
     * 1.0 -> 1.1: the block entry's 64-bit access tick became a 32-bit tick and the writer intent word. Clients of
     * 1.0 never wrote intents, so none is held: the high halves of the old ticks are cleared. The new minor version
     * is stored by {@link #rebuildDirectory}, later in the same attach.
     */
    private static void upgradeToWriterIntents(final MemorySegment segment, final RegionGeometry geometry)
    {
        for (long block = 0; block < geometry.blockTableEntries(); block++)
        {
            segment.set(ValueLayout.JAVA_INT,
                geometry.blockEntryOffset(block) + BlockTableDescriptor.WRITER_INTENT_OFFSET, 0);
        }
        LOG.log(System.Logger.Level.INFO, "upgrading the region's format 1.0: writer intents in the block table");
    }

    /**
     * Fills the key directory from the block table, whatever it held (a manager of format 1.1 attached since
     * would not have kept it), then marks the region 1.2 so that clients read it.
     */
    private static void rebuildDirectory(final MemorySegment segment, final RegionGeometry geometry)
    {
        final KeyDirectory directory = KeyDirectory.of(segment, geometry);
        final long entered = directory == null ? 0 : directory.rebuild();
        if (SuperblockDescriptor.minorVersion(segment) < SuperblockDescriptor.MINOR_VERSION)
        {
            SuperblockDescriptor.upgradeMinorVersion(segment);
            LOG.log(System.Logger.Level.INFO, "upgraded the region's format to " + SuperblockDescriptor.MAJOR_VERSION +
                "." + SuperblockDescriptor.MINOR_VERSION + " (key directory)");
        }
        LOG.log(System.Logger.Level.INFO, directory == null ? "no key directory: the region's tail is too short" :
            "key directory: " + directory.buckets() + " buckets, " + entered + " sealed blocks entered");
    }

    /**
     * The region (a file: a device's mode is udev's), the index and its lock: the service's user and the engine
     * group only.
     */
    private static void restrict(final Path path, final String group)
    {
        if (path != null && Files.isRegularFile(path))
        {
            FileModes.restrict(path, group);
        }
    }

    private static BlockIndex openIndex(final Path indexFile, final RegionGeometry geometry, final boolean recover)
    {
        try
        {
            return BlockIndex.open(indexFile.toFile(), geometry.blockTableEntries(), recover);
        }
        catch (final PoolException ex)
        {
            if (!recover)
            {
                throw ex;
            }
            // The block table holds every sealed block's full key, so an index that cannot be recovered is
            // rebuilt from it by the cross-check that follows.
            LOG.log(System.Logger.Level.WARNING, "index " + indexFile + " could not be recovered (" +
                ex.getMessage() + "); rebuilding it from the block table");
            try
            {
                Files.deleteIfExists(indexFile);
            }
            catch (final IOException deleteFailure)
            {
                ex.addSuppressed(deleteFailure);
                throw ex;
            }
            return BlockIndex.open(indexFile.toFile(), geometry.blockTableEntries(), false);
        }
    }

    private static void requireSame(final String field, final long given, final long recorded)
    {
        if (given != recorded)
        {
            throw new PoolException(ErrorCode.REGION_BAD_GEOMETRY, "field=" + field + " requested=" + given +
                " recorded=" + recorded + ": the region was formatted with other geometry; omit the option to " +
                "attach as it is, or reformat explicitly with kvpool manager --format (destroys its contents)");
        }
    }

    private static FileLock lock(final Path indexFile)
    {
        final Path lockFile = Path.of(indexFile + ".lock");
        try
        {
            final FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try
            {
                final FileLock lock = channel.tryLock();
                if (lock != null)
                {
                    return lock;
                }
            }
            catch (final OverlappingFileLockException ex)
            {
                // Held by this JVM: fall through to the same error.
            }
            channel.close();
            throw new PoolException(ErrorCode.REGION_MAP_FAILED, "another manager holds " + lockFile +
                ": one manager owns a region at a time; stop the other one or use another region");
        }
        catch (final IOException ex)
        {
            throw new PoolException(ErrorCode.REGION_MAP_FAILED, "cannot create the lock file " + lockFile + ": " + ex +
                " (does its directory exist and is it writable?)", ex);
        }
    }

    private static void closeAll(final PoolCore core, final Region region, final BlockIndex index, final FileLock lock)
    {
        try
        {
            SuperblockDescriptor.accessTick(region.segment(), core.accessTick());
            index.close();
            // Last: a manager that finds clean=1 knows the index was closed after every change.
            SuperblockDescriptor.cleanShutdown(region.segment(), true);
        }
        finally
        {
            closeQuietly(null, region, lock);
        }
    }

    private static void closeQuietly(final BlockIndex index, final Region region, final FileLock lock)
    {
        if (index != null)
        {
            index.close();
        }
        if (region != null)
        {
            region.close();
        }
        if (lock != null)
        {
            try
            {
                lock.channel().close();
            }
            catch (final IOException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "closing lock " + ex);
            }
        }
    }
}
