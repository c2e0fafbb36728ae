package io.kvpool.transport.cxl;

import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.SuperblockDescriptor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Finds and maps a region by identity: the same CXL device shows up under different names on different hosts, so a
 * client tries the names it is given, then every {@code /dev/dax*} device, and keeps the one whose superblock has
 * the region's UUID. Stateless; thread-safe.
 */
public final class RegionLocator
{
    private RegionLocator()
    {
    }

    /**
     * @param uuid  the region's identity.
     * @param hints paths to try first (nulls ignored).
     * @return the mapped region; the caller owns it.
     * @throws PoolException {@link ErrorCode#REGION_MAP_FAILED} listing everything tried and why it did not match.
     */
    public static Region map(final UUID uuid, final Path... hints)
    {
        final List<Path> candidates = new ArrayList<>();
        for (final Path hint : hints)
        {
            if (hint != null)
            {
                candidates.add(hint);
            }
        }
        try (Stream<Path> devices = Files.list(Path.of("/dev")))
        {
            devices.filter(p -> p.getFileName().toString().matches("dax\\d+\\.\\d+")).sorted()
                .forEach(candidates::add);
        }
        catch (final IOException ex)
        {
            // No /dev listing: only the hints are tried.
        }
        final List<String> tried = new ArrayList<>();
        for (final Path candidate : candidates)
        {
            if (!Files.exists(candidate))
            {
                tried.add(candidate + " (absent)");
                continue;
            }
            try
            {
                final Region mapped = Region.map(RegionSource.forPath(candidate, 0, false));
                final UUID found = SuperblockDescriptor.uuid(mapped.segment());
                if (uuid.equals(found))
                {
                    return mapped;
                }
                mapped.close();
                tried.add(candidate + " (uuid " + found + ")");
            }
            catch (final PoolException ex)
            {
                tried.add(candidate + " (" + ex.getMessage() + ")");
            }
        }
        throw new PoolException(ErrorCode.REGION_MAP_FAILED, "this host cannot map region " + uuid + "; tried " +
            tried);
    }
}
