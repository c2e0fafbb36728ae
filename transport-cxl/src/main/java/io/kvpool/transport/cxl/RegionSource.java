package io.kvpool.transport.cxl;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a region's memory comes from. Immutable; thread-safe.
 */
public sealed interface RegionSource permits RegionSource.DevDax, RegionSource.SharedFile, RegionSource.Anonymous
{
    /**
     * A devdax character device ({@code /dev/daxX.Y}): a CXL memory pool or persistent memory in devdax mode. Its
     * size and alignment come from sysfs; it is mapped whole, MAP_SHARED.
     *
     * @param device    the device node.
     * @param sysfsRoot where sysfs is mounted, normally {@code /sys}.
     */
    record DevDax(Path device, Path sysfsRoot) implements RegionSource
    {
        public DevDax
        {
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(sysfsRoot, "sysfsRoot");
        }
    }

    /**
     * A file on tmpfs ({@code /dev/shm}) or hugetlbfs that emulates a pool: created and sized on first use, mapped
     * MAP_SHARED so every process that maps it sees the same bytes.
     *
     * @param path           the file.
     * @param sizeBytes      size to create it with (rounded up to the mount's page size), or 0 to require an
     *                       existing file.
     * @param resizeExisting whether an existing file is resized to {@code sizeBytes} (only when formatting).
     */
    record SharedFile(Path path, long sizeBytes, boolean resizeExisting) implements RegionSource
    {
        public SharedFile
        {
            Objects.requireNonNull(path, "path");
            if (sizeBytes < 0)
            {
                throw new IllegalArgumentException("sizeBytes=" + sizeBytes + " must be >= 0");
            }
        }
    }

    /**
     * Anonymous shared memory, for tests: private to this process and its children.
     *
     * @param sizeBytes length of the mapping.
     */
    record Anonymous(long sizeBytes) implements RegionSource
    {
        public Anonymous
        {
            if (sizeBytes <= 0)
            {
                throw new IllegalArgumentException("sizeBytes=" + sizeBytes + " must be > 0");
            }
        }
    }

    /**
     * @param device e.g. {@code /dev/dax0.0}.
     * @return a devdax source read through {@code /sys}.
     */
    static RegionSource devDax(final Path device)
    {
        return new DevDax(device, Path.of("/sys"));
    }

    /**
     * @param path      the backing file.
     * @param sizeBytes size to create it with; an existing file keeps its size.
     * @return a shared-file source.
     */
    static RegionSource file(final Path path, final long sizeBytes)
    {
        return new SharedFile(path, sizeBytes, false);
    }

    /**
     * @param sizeBytes length.
     * @return an anonymous source.
     */
    static RegionSource anonymous(final long sizeBytes)
    {
        return new Anonymous(sizeBytes);
    }

    /**
     * Picks the source for a path: a devdax device for {@code /dev/daxX.Y}, else a shared file.
     *
     * @param path      device or file.
     * @param sizeBytes size for a file created on first use.
     * @param resize    whether an existing file is resized (formatting).
     * @return the source.
     */
    static RegionSource forPath(final Path path, final long sizeBytes, final boolean resize)
    {
        final String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (name.matches("dax\\d+\\.\\d+"))
        {
            return devDax(path);
        }
        return new SharedFile(path, sizeBytes, resize);
    }
}
