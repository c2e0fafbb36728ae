package io.kvpool.transport.cxl.internal;

import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.transport.cxl.Region;
import io.kvpool.transport.cxl.RegionSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sysfs parsing of devdax attributes, against a sysfs tree laid out as the kernel lays it out. (Mapping a
 * real device is {@code DevDaxRegionTest}'s, on the rig.)
 */
class DaxSysfsTest
{
    @TempDir
    Path sysfs;

    @Test
    void shouldReadSizeAndAlignment() throws IOException
    {
        device("dax1.0", "526385152\n", "2097152\n");
        final DaxSysfs.DaxDevice device = DaxSysfs.read(Path.of("/dev/dax1.0"), sysfs);
        assertEquals(526385152L, device.sizeBytes());
        assertEquals(2097152L, device.alignBytes());
    }

    @Test
    void shouldAssumeTwoMebibytesWhereKernelHasNoAlignAttribute() throws IOException
    {
        device("dax0.0", "1073741824\n", null);
        assertEquals(DaxSysfs.DEFAULT_ALIGN_BYTES, DaxSysfs.read(Path.of("/dev/dax0.0"), sysfs).alignBytes());
    }

    @Test
    void shouldNameWhatItLookedForWhenDeviceIsAbsent()
    {
        final IOException ex = assertThrows(IOException.class, () -> DaxSysfs.read(Path.of("/dev/dax7.3"), sysfs));
        assertTrue(ex.getMessage().contains("bus/dax/devices/dax7.3/size"), ex.getMessage());
        assertTrue(ex.getMessage().contains("ndctl create-namespace -m devdax"), ex.getMessage());
        final PoolException mapping = assertThrows(PoolException.class,
            () -> Region.map(new RegionSource.DevDax(Path.of("/dev/dax7.3"), sysfs)));
        assertEquals(ErrorCode.REGION_MAP_FAILED, mapping.errorCode());
    }

    @Test
    void shouldRefuseNonsenseAttributes() throws IOException
    {
        device("dax2.0", "1073741824\n", "3000\n");
        assertThrows(IOException.class, () -> DaxSysfs.read(Path.of("/dev/dax2.0"), sysfs));
        assertThrows(IOException.class, () -> DaxSysfs.read(Path.of("/dev/pmem0"), sysfs));
    }

    private void device(final String name, final String size, final String align) throws IOException
    {
        final Path dir = Files.createDirectories(sysfs.resolve("bus/dax/devices").resolve(name));
        Files.writeString(dir.resolve("size"), size);
        if (align != null)
        {
            Files.writeString(dir.resolve("align"), align);
        }
    }
}
