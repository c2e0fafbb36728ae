package io.kvpool.bench.characterize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the machine is, for the summary: CPU model, cores, memory, kernel, Java, and the region measured with the
 * file system it lives on.
 *
 * @param cpu          /proc/cpuinfo's model name.
 * @param cores        processors the JVM may use.
 * @param memoryBytes  /proc/meminfo's MemTotal.
 * @param kernel       /proc/sys/kernel/osrelease.
 * @param java         the runtime's version.
 * @param region       the region's own description (kind, path, size, page size).
 * @param regionMount  the mount the region's file is on (device, mount point, type, options), or "-".
 */
public record Machine(
    String cpu, int cores, long memoryBytes, String kernel, String java, String region, String regionMount)
{
    /**
     * @param region      the region's description.
     * @param regionPath  its file or device.
     */
    static Machine describe(final String region, final Path regionPath)
    {
        return new Machine(firstField(Path.of("/proc/cpuinfo"), "model name"),
            Runtime.getRuntime().availableProcessors(), memTotal(), read(Path.of("/proc/sys/kernel/osrelease")),
            Runtime.version().toString(), region, mountOf(regionPath));
    }

    private static String firstField(final Path file, final String field)
    {
        for (final String line : lines(file))
        {
            if (line.startsWith(field))
            {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        return "unknown";
    }

    private static long memTotal()
    {
        final String kib = firstField(Path.of("/proc/meminfo"), "MemTotal").replace("kB", "").strip();
        return kib.equals("unknown") ? 0 : Long.parseLong(kib) * 1024;
    }

    /**
     * @return the /proc/mounts line of the longest mount point that holds {@code path}.
     */
    static String mountOf(final Path path)
    {
        final String absolute = path.toAbsolutePath().normalize().toString();
        String best = "-";
        int bestLength = -1;
        for (final String line : lines(Path.of("/proc/mounts")))
        {
            final String[] fields = line.split(" ");
            if (fields.length >= 4 && (absolute.equals(fields[1]) || absolute.startsWith(
                fields[1].endsWith("/") ? fields[1] : fields[1] + "/")) && fields[1].length() > bestLength)
            {
                best = fields[0] + " on " + fields[1] + " type " + fields[2] + " (" + fields[3] + ")";
                bestLength = fields[1].length();
            }
        }
        return best;
    }

    private static String read(final Path file)
    {
        final List<String> lines = lines(file);
        return lines.isEmpty() ? "unknown" : lines.getFirst().strip();
    }

    private static List<String> lines(final Path file)
    {
        try
        {
            return Files.readAllLines(file);
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }
}
