package io.kvpool.transport.cxl.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a devdax device's size and mapping alignment from sysfs
 * ({@code /sys/bus/dax/devices/daxX.Y/size} and {@code .../align}). Stateless and thread-safe.
 */
public final class DaxSysfs
{
    /** Alignment assumed when the kernel predates the {@code align} attribute (5.10). */
    public static final long DEFAULT_ALIGN_BYTES = 2L * 1024 * 1024;

    /**
     * What sysfs says of a devdax device.
     *
     * @param sizeBytes  capacity of the device.
     * @param alignBytes mapping alignment: lengths and offsets must be multiples of it.
     * @param sysfsDir   where it was read.
     */
    public record DaxDevice(long sizeBytes, long alignBytes, Path sysfsDir)
    {
    }

    private DaxSysfs()
    {
    }

    /**
     * @param device    the device node, e.g. {@code /dev/dax0.0}.
     * @param sysfsRoot normally {@code /sys}.
     * @return size and alignment.
     * @throws IOException with the paths it tried when the device is not a devdax device.
     */
    public static DaxDevice read(final Path device, final Path sysfsRoot) throws IOException
    {
        final String name = device.getFileName().toString();
        if (!name.matches("dax\\d+\\.\\d+"))
        {
            throw new IOException("device=" + device + " is not named like a devdax device (daxX.Y)");
        }
        final Path dir = sysfsRoot.resolve("bus/dax/devices").resolve(name);
        final Path sizeFile = dir.resolve("size");
        if (!Files.isReadable(sizeFile))
        {
            throw new IOException("no devdax device " + name + ": " + sizeFile + " does not exist; list devices with " +
                "'daxctl list' and put a namespace in devdax mode ('ndctl create-namespace -m devdax')");
        }
        final long size = Long.parseLong(Files.readString(sizeFile).trim());
        final Path alignFile = dir.resolve("align");
        final long align = Files.isReadable(alignFile) ?
            Long.parseLong(Files.readString(alignFile).trim()) : DEFAULT_ALIGN_BYTES;
        if (size <= 0 || align <= 0 || Long.bitCount(align) != 1)
        {
            throw new IOException("devdax " + name + " reports size=" + size + " align=" + align + " in " + dir);
        }
        return new DaxDevice(size, align, dir);
    }
}
