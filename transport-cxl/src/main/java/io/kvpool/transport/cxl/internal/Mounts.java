package io.kvpool.transport.cxl.internal;

import io.kvpool.protocol.ByteSizes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the file system a path lives on by reading {@code /proc/self/mounts} (longest matching mount point wins).
 * Stateless and thread-safe.
 */
public final class Mounts
{
    /**
     * A mount table entry.
     *
     * @param mountPoint where it is mounted.
     * @param type       file system type, e.g. {@code tmpfs}, {@code hugetlbfs}, {@code ext4}.
     * @param options    mount options as listed.
     */
    public record Mount(String mountPoint, String type, String options)
    {
        /**
         * @return the huge page size of a hugetlbfs mount (its {@code pagesize=} option, else 2 MiB), or 4 KiB.
         */
        public long pageSizeBytes()
        {
            if (!"hugetlbfs".equals(type))
            {
                return 4096;
            }
            for (final String option : options.split(","))
            {
                if (option.startsWith("pagesize="))
                {
                    return ByteSizes.parse(option.substring("pagesize=".length()));
                }
            }
            return 2L * 1024 * 1024;
        }
    }

    private Mounts()
    {
    }

    /**
     * @param path a file or directory (need not exist: its parent is used).
     * @return the mount holding it; type {@code unknown} where the mount table cannot be read.
     */
    public static Mount of(final Path path)
    {
        return of(path, Path.of("/proc/self/mounts"));
    }

    static Mount of(final Path path, final Path mountTable)
    {
        Path real = path.toAbsolutePath().normalize();
        try
        {
            real = Files.exists(real) ? real.toRealPath() : real.getParent().toRealPath().resolve(real.getFileName());
        }
        catch (final IOException | NullPointerException ignored)
        {
            // Keep the absolute path: the longest-prefix match still works for a path that does not exist yet.
        }
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(mountTable);
        }
        catch (final IOException ex)
        {
            return new Mount("/", "unknown", "");
        }
        Mount best = new Mount("/", "unknown", "");
        int bestLength = -1;
        for (final String line : lines)
        {
            final String[] fields = line.split(" ");
            if (fields.length < 4)
            {
                continue;
            }
            final String mountPoint = fields[1].replace("\\040", " ");
            if (real.startsWith(Path.of(mountPoint)) && mountPoint.length() > bestLength)
            {
                best = new Mount(mountPoint, fields[2], fields[3]);
                bestLength = mountPoint.length();
            }
        }
        return best;
    }
}
