package io.kvpool.transport.cxl.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MountsTest
{
    @TempDir
    Path directory;

    @Test
    void shouldPickLongestMountPointAndHugePageSize() throws IOException
    {
        final Path table = directory.resolve("mounts");
        Files.writeString(table, """
            /dev/vda / ext4 rw,relatime 0 0
            tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0
            none /mnt/huge hugetlbfs rw,relatime,pagesize=1G 0 0
            none /mnt/huge2 hugetlbfs rw,relatime 0 0
            """);
        assertEquals("tmpfs", Mounts.of(Path.of("/dev/shm/pool"), table).type());
        assertEquals("ext4", Mounts.of(Path.of("/var/lib/kvpool/x"), table).type());
        assertEquals(1L << 30, Mounts.of(Path.of("/mnt/huge/pool"), table).pageSizeBytes());
        assertEquals(2L << 20, Mounts.of(Path.of("/mnt/huge2/pool"), table).pageSizeBytes());
        assertEquals(4096, Mounts.of(Path.of("/dev/shm/pool"), table).pageSizeBytes());
    }

    @Test
    void shouldFindShmOnThisMachine()
    {
        assertEquals("tmpfs", Mounts.of(Path.of("/dev/shm/anything")).type());
    }
}
