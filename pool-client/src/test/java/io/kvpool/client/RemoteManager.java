package io.kvpool.client;

import io.kvpool.protocol.FileTrees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A manager in another process, usually on another host (the rig's two-VM rdma scenario), that a test reaches over
 * UDP as a host off the CXL fabric would, through media drivers of its own. Named by the environment:
 * <ul>
 *     <li>{@code KVPOOL_TEST_MANAGER_ENDPOINT}: the manager's UDP {@code host:port};</li>
 *     <li>{@code KVPOOL_TEST_RESPONSE_HOST}: this host's address as the manager reaches it;</li>
 *     <li>{@code KVPOOL_TEST_ADMIN_TOKEN}: the manager's admin token;</li>
 *     <li>{@code KVPOOL_TEST_MANAGER_STOP_FILE}: a path both hosts see; the manager's supervisor kills the manager
 *     (SIGKILL) when the file appears, deletes the file, and starts the manager again on the same region, which
 *     it recovers.</li>
 * </ul>
 * The manager must serve a region of at least 160 MiB in 8 MiB slabs with a 4 KiB smallest block (what the
 * conformance suite's in-process fixture uses). Not thread-safe.
 */
final class RemoteManager implements AutoCloseable
{
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(180);
    /** Generous: a manager on an emulated CPU (the rig) answers its first requests slowly while code warms up. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    final String endpoint;
    final String responseHost;
    private final String adminToken;
    private final Path stopFile;
    private final Path drivers;
    private int driversOpened;

    private RemoteManager(final String endpoint, final String responseHost, final String adminToken, final Path stopFile)
    {
        this.endpoint = endpoint;
        this.responseHost = responseHost;
        this.adminToken = adminToken;
        this.stopFile = stopFile;
        try
        {
            drivers = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-remote-test-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return the manager the environment names, or {@code null} when it names none (the suite then runs its own).
     * @throws IllegalStateException naming the variable when the endpoint is given but another setting is not.
     */
    static RemoteManager fromEnvironment()
    {
        final String endpoint = System.getenv("KVPOOL_TEST_MANAGER_ENDPOINT");
        if (endpoint == null || endpoint.isBlank())
        {
            return null;
        }
        return new RemoteManager(endpoint, required("KVPOOL_TEST_RESPONSE_HOST"), required("KVPOOL_TEST_ADMIN_TOKEN"),
            Path.of(required("KVPOOL_TEST_MANAGER_STOP_FILE")));
    }

    private static String required(final String name)
    {
        final String value = System.getenv(name);
        if (value == null || value.isBlank())
        {
            throw new IllegalStateException(name + " is not set; a remote manager (KVPOOL_TEST_MANAGER_ENDPOINT=" +
                System.getenv("KVPOOL_TEST_MANAGER_ENDPOINT") + ") needs it");
        }
        return value;
    }

    /**
     * @return a control-plane configuration over UDP with a media driver of its own (waits up to three minutes for
     *         a manager that is restarting, two for an answer).
     */
    ManagerClientContext clientContext(final String namespace, final String token)
    {
        return new ManagerClientContext().managerEndpoint(endpoint).responseHost(responseHost)
            .embeddedDriverDir(nextDriverDir()).namespace(namespace).token(token).connectTimeout(CONNECT_TIMEOUT)
            .requestTimeout(REQUEST_TIMEOUT);
    }

    /**
     * @return a fresh directory for one more media driver in this process.
     */
    Path nextDriverDir()
    {
        return drivers.resolve("driver-" + ++driversOpened);
    }

    void createNamespace(final String name, final long blockSizeBytes, final int maxSlabs, final String token)
    {
        try (ManagerClient admin = ManagerClient.connect(clientContext("", adminToken)))
        {
            admin.createNamespace(name, blockSizeBytes, 0, maxSlabs, token);
        }
    }

    /**
     * Has the supervisor kill the manager, and returns once it has (the file is gone).
     *
     * @throws IllegalStateException when the supervisor does not act within two minutes.
     */
    void kill()
    {
        try
        {
            Files.writeString(stopFile, "stop\n");
            final long deadlineNs = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (Files.exists(stopFile))
            {
                if (System.nanoTime() > deadlineNs)
                {
                    throw new IllegalStateException("the manager's supervisor did not remove " + stopFile +
                        " within two minutes: is it watching that path?");
                }
                Thread.sleep(100);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the manager was being killed", ex);
        }
    }

    @Override
    public void close()
    {
        FileTrees.delete(drivers);
    }
}
