package io.kvpool.transport.cxl;

import io.kvpool.protocol.test.Hardware;
import io.kvpool.protocol.test.RequiresHardware;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Tag("hugetlbfs")
@RequiresHardware(Hardware.HUGETLBFS)
class HugetlbfsRegionTest extends RegionContractTest
{
    private final Path file = Hardware.HUGETLBFS.probe().resource().orElse(Path.of("/nonexistent"))
        .resolve("kvpool-region-test-" + ProcessHandle.current().pid());

    @AfterEach
    void deleteFile() throws IOException
    {
        Files.deleteIfExists(file);
    }

    @Override
    RegionSource source()
    {
        return RegionSource.file(file, 8 * MIB);
    }

    @Override
    RegionKind expectedKind()
    {
        return RegionKind.HUGETLBFS_FILE;
    }

    @Test
    void shouldRoundSizeUpToHugePages()
    {
        try (Region region = Region.map(RegionSource.file(file.resolveSibling(file.getFileName() + "-odd"),
            3 * MIB)))
        {
            assertEquals(2 * MIB, region.pageSizeBytes());
            assertEquals(4 * MIB, region.lengthBytes());
        }
        finally
        {
            file.resolveSibling(file.getFileName() + "-odd").toFile().delete();
        }
    }
}
