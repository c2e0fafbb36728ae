package io.kvpool.client.internal;

import io.aeron.Aeron;
import io.aeron.CncFileDescriptor;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.kvpool.protocol.FileTrees;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One embedded media driver per directory in a process, shared by its users until the last lets go.
 */
class EmbeddedDriversTest
{
    @Test
    void shouldShareOneDriverPerDirectoryUntilTheLastLeaseCloses() throws Exception
    {
        final Path scratch = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-drivers-");
        try
        {
            final Path directory = scratch.resolve("driver");
            final AtomicInteger launched = new AtomicInteger();
            final int before = EmbeddedDrivers.running();
            final EmbeddedDrivers.Lease first = EmbeddedDrivers.acquire(directory, () -> settings(launched));
            // The same directory spelled another way: the same driver, not launched again.
            final EmbeddedDrivers.Lease second = EmbeddedDrivers.acquire(scratch.resolve("x/../driver"),
                () -> settings(launched));
            assertEquals(1, launched.get());
            assertEquals(before + 1, EmbeddedDrivers.running());
            assertEquals(directory.toAbsolutePath().toString(), first.aeronDirectoryName());
            assertEquals(first.aeronDirectoryName(), second.aeronDirectoryName());
            final Path cnc = directory.resolve(CncFileDescriptor.CNC_FILE);
            assertTrue(Files.exists(cnc));

            first.close();
            first.close();
            assertEquals(before + 1, EmbeddedDrivers.running(), "a lease closed twice releases once");
            try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(second.aeronDirectoryName())))
            {
                assertFalse(aeron.isClosed(), "the driver still serves the other holder");
            }

            second.close();
            assertEquals(before, EmbeddedDrivers.running());
            assertFalse(Files.exists(cnc), "the last lease closed the driver (it deletes its directory)");

            final EmbeddedDrivers.Lease again = EmbeddedDrivers.acquire(directory, () -> settings(launched));
            assertEquals(2, launched.get(), "a directory no one holds gets a fresh driver");
            again.close();
        }
        finally
        {
            FileTrees.delete(scratch);
        }
    }

    private static MediaDriver.Context settings(final AtomicInteger launched)
    {
        launched.incrementAndGet();
        return new MediaDriver.Context().threadingMode(ThreadingMode.SHARED).dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true).termBufferSparseFile(true);
    }
}
