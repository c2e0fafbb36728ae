package io.kvpool.client;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.Payloads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A manager told to use an external media driver (--aeron-dir) embeds none and serves through that driver.
 */
class ExternalDriverTest
{
    @TempDir(factory = ShmTempDirFactory.class)
    Path directory;

    @Test
    void shouldServeThroughAnExternalMediaDriver()
    {
        final Path aeronDir = directory.resolve("external-aeron");
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(aeronDir.toString())
            .threadingMode(ThreadingMode.SHARED).dirDeleteOnStart(true).dirDeleteOnShutdown(true));
             PoolManager manager = PoolManager.launch(new ManagerContext().pool(new PoolContext()
                     .regionFile(directory.resolve("region")).regionSizeBytes(32L << 20).slabSizeBytes(2L << 20)
                     .prefault(false))
                 .externalAeronDir(aeronDir).embeddedAeronDir(directory.resolve("unused")).metricsPort(-1)
                 .addNamespace(new ManagerContext.NamespaceSpec("ext", 65536, 0, 0, ""))))
        {
            assertEquals(aeronDir, manager.aeronDir());
            assertFalse(Files.exists(directory.resolve("unused")), "no embedded driver was started");
            try (KvPool pool = KvPool.connect(new KvPoolContext().aeronDir(aeronDir)
                .connectTimeout(Duration.ofSeconds(20)));
                 Arena arena = Arena.ofConfined())
            {
                final KvNamespace ns = pool.namespace("ext", 65536);
                final MemorySegment[] source = {arena.allocate(1000)};
                Payloads.fill(source[0], 77);
                assertEquals(1, ns.put(ManagerFixture.keys(1, 1), source).okCount());
                final MemorySegment[] destination = {arena.allocate(65536)};
                assertEquals(1000, ns.get(ManagerFixture.keys(1, 1), destination).length(0));
                assertTrue(destination[0].asSlice(0, 1000).mismatch(source[0]) == -1);
            }
            assertTrue(driver.context().aeronDirectoryName().endsWith("external-aeron"));
        }
    }
}
