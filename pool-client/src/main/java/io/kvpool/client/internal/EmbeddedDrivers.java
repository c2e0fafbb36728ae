package io.kvpool.client.internal;

import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The media drivers a client process embeds, one per directory: every {@code ManagerClient} and data transport of
 * the process that names the same directory shares its driver, which closes when the last of them lets go. So the
 * threads of one engine process, each with a {@code KvPool} of its own, run one driver per data lane between them
 * instead of one each (a driver is a thread; more of them than cores starve the ones with work), and two pools
 * that name one directory no longer delete each other's driver files on start.
 * <p>
 * The driver is configured by its first user; later users get it as it is. Thread-safe.
 */
public final class EmbeddedDrivers
{
    private static final Map<Path, Shared> DRIVERS = new HashMap<>();

    private EmbeddedDrivers()
    {
    }

    /** A driver and how many leases hold it. */
    private static final class Shared
    {
        final MediaDriver driver;
        int holders;

        Shared(final MediaDriver driver)
        {
            this.driver = driver;
        }
    }

    /**
     * One user's hold on a shared embedded driver. Closing it releases the hold (once; later closes do nothing);
     * the driver closes with the last hold.
     */
    public static final class Lease implements AutoCloseable
    {
        private final Path directory;
        private final String aeronDirectoryName;
        private boolean released;

        private Lease(final Path directory, final String aeronDirectoryName)
        {
            this.directory = directory;
            this.aeronDirectoryName = aeronDirectoryName;
        }

        /**
         * @return the driver's directory, for {@code Aeron.Context.aeronDirectoryName}.
         */
        public String aeronDirectoryName()
        {
            return aeronDirectoryName;
        }

        @Override
        public void close()
        {
            synchronized (DRIVERS)
            {
                if (released)
                {
                    return;
                }
                released = true;
                final Shared shared = DRIVERS.get(directory);
                if (--shared.holders == 0)
                {
                    DRIVERS.remove(directory);
                    CloseHelper.quietClose(shared.driver);
                }
            }
        }
    }

    /**
     * Holds the driver embedded in {@code directory}, launching it when no one in this process holds it yet.
     *
     * @param directory the driver's directory; paths naming the same directory share one driver.
     * @param settings  the driver's configuration, used only when this call launches it (its directory name is
     *                  set here).
     * @return a lease to close when done with the driver.
     */
    public static Lease acquire(final Path directory, final Supplier<MediaDriver.Context> settings)
    {
        final Path key = directory.toAbsolutePath().normalize();
        synchronized (DRIVERS)
        {
            Shared shared = DRIVERS.get(key);
            if (shared == null)
            {
                shared = new Shared(MediaDriver.launchEmbedded(settings.get().aeronDirectoryName(key.toString())));
                DRIVERS.put(key, shared);
            }
            shared.holders++;
            return new Lease(key, shared.driver.aeronDirectoryName());
        }
    }

    /**
     * @return how many drivers this process embeds now (for tests and diagnostics).
     */
    public static int running()
    {
        synchronized (DRIVERS)
        {
            return DRIVERS.size();
        }
    }
}
