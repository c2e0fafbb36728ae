package io.kvpool.transport.cxl.internal;

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
                    return parseSize(option.substring("pagesize=".length()));
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

    /**
     * Parses sizes such as {@code 2M}, {@code 1G}, {@code 4096}, {@code 8g}, {@code 64k}.
     *
     * @param text size with an optional binary unit suffix (k, m, g, t; case-insensitive; optional trailing "b"
     *             or "ib").
     * @return the size in bytes.
     * @throws IllegalArgumentException when the text is not a size.
     */
    public static long parseSize(final String text)
    {
        String value = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (value.endsWith("ib"))
        {
            value = value.substring(0, value.length() - 2);
        }
        else if (value.endsWith("b"))
        {
            value = value.substring(0, value.length() - 1);
        }
        long multiplier = 1;
        if (!value.isEmpty())
        {
            switch (value.charAt(value.length() - 1))
            {
                case 'k' -> multiplier = 1L << 10;
                case 'm' -> multiplier = 1L << 20;
                case 'g' -> multiplier = 1L << 30;
                case 't' -> multiplier = 1L << 40;
                default -> multiplier = 1;
            }
            if (multiplier != 1)
            {
                value = value.substring(0, value.length() - 1);
            }
        }
        try
        {
            final long number = Long.parseLong(value.trim());
            if (number < 0)
            {
                throw new NumberFormatException("negative");
            }
            return Math.multiplyExact(number, multiplier);
        }
        catch (final NumberFormatException | ArithmeticException ex)
        {
            throw new IllegalArgumentException("size='" + text + "' is not a size such as 4096, 64k, 2m, 8g", ex);
        }
    }
}
