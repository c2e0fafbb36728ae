package io.kvpool.transport.cxl;

import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TmpfsRegionTest extends RegionContractTest
{
    private final Path directory;

    TmpfsRegionTest() throws IOException
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-region-test-");
    }

    @AfterEach
    void deleteFiles() throws IOException
    {
        try (var files = Files.list(directory))
        {
            for (final Path file : files.toList())
            {
                Files.delete(file);
            }
        }
        Files.delete(directory);
    }

    @Override
    RegionSource source()
    {
        return RegionSource.file(directory.resolve("region"), 8 * MIB);
    }

    @Override
    RegionKind expectedKind()
    {
        return RegionKind.TMPFS_FILE;
    }

    @Test
    void shouldCreateFileOfRequestedSizeAndKeepExistingSize() throws IOException
    {
        final Path file = directory.resolve("sized");
        try (Region created = Region.map(RegionSource.file(file, 4 * MIB + 1)))
        {
            assertTrue(created.created());
            assertEquals(4 * MIB + 4096, Files.size(file), "rounded up to whole pages");
        }
        try (Region existing = Region.map(RegionSource.file(file, 64 * MIB)))
        {
            assertFalse(existing.created());
            assertEquals(4 * MIB + 4096, existing.lengthBytes(), "an existing file keeps its size");
        }
        try (Region resized = Region.map(new RegionSource.SharedFile(file, 8 * MIB, true)))
        {
            assertEquals(8 * MIB, Files.size(file));
            assertEquals(8 * MIB, resized.lengthBytes());
        }
    }

    @Test
    void shouldExplainMissingFileWithoutSizeAndMissingDirectory()
    {
        final PoolException noSize = assertThrows(PoolException.class,
            () -> Region.map(RegionSource.file(directory.resolve("absent"), 0)));
        assertEquals(ErrorCode.REGION_MAP_FAILED, noSize.errorCode());
        assertTrue(noSize.getMessage().contains("no size was given"), noSize.getMessage());
        final PoolException noDirectory = assertThrows(PoolException.class,
            () -> Region.map(RegionSource.file(directory.resolve("missing/region"), MIB)));
        assertTrue(noDirectory.getMessage().contains("does not exist"), noDirectory.getMessage());
        assertFalse(Files.exists(directory.resolve("absent")), "a refused map creates nothing");
    }

    @Test
    void shouldChooseDevDaxSourceForDaxDeviceNames()
    {
        assertTrue(RegionSource.forPath(Path.of("/dev/dax0.1"), 0, false) instanceof RegionSource.DevDax);
        assertTrue(RegionSource.forPath(Path.of("/dev/shm/pool"), MIB, false) instanceof RegionSource.SharedFile);
    }
}
