package io.kvpool.client;

import io.kvpool.protocol.AeronTimeouts;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.wire.Streams;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Configuration of a {@link ManagerClient}: how to reach the manager (IPC through a media driver on this host, or
 * UDP), the namespace and token, and timeouts. Set fluently; {@link #conclude()} validates once.
 * Not thread-safe; not to be changed after connecting.
 */
public final class ManagerClientContext
{
    /** Stream the manager receives requests on (its default). */
    public static final int DEFAULT_REQUEST_STREAM_ID = Streams.REQUEST_STREAM_ID;

    private Path aeronDir = Path.of("/dev/shm/kvpool-aeron");
    private Path embeddedDriverDir;
    private String managerEndpoint;
    private String responseHost = "127.0.0.1";
    private int requestStreamId = DEFAULT_REQUEST_STREAM_ID;
    private String namespace = "";
    private String token = "";
    private String clientName = "kvpool-client-" + ProcessHandle.current().pid();
    private Duration requestTimeout = Duration.ofSeconds(2);
    private Duration connectTimeout = Duration.ofSeconds(15);
    private Duration driverTimeout = Duration.ofMillis(AeronTimeouts.driverTimeoutMs());

    /**
     * @param aeronDir directory of the media driver to use (the manager's embedded one on the same host).
     */
    public ManagerClientContext aeronDir(final Path aeronDir)
    {
        this.aeronDir = aeronDir;
        return this;
    }

    public Path aeronDir()
    {
        return embeddedDriverDir != null ? embeddedDriverDir : aeronDir;
    }

    /**
     * @param dir run a media driver inside this client, in this directory (a host with no driver of its own);
     *            shared with every client of this process that names the same directory.
     */
    public ManagerClientContext embeddedDriverDir(final Path dir)
    {
        this.embeddedDriverDir = dir;
        return this;
    }

    public Path embeddedDriverDir()
    {
        return embeddedDriverDir;
    }

    /**
     * @param endpoint the manager's UDP {@code host:port}; {@code null} (the default) talks IPC on this host.
     */
    public ManagerClientContext managerEndpoint(final String endpoint)
    {
        this.managerEndpoint = endpoint;
        return this;
    }

    public String managerEndpoint()
    {
        return managerEndpoint;
    }

    /**
     * @param host this host's address as the manager can reach it, for UDP responses.
     */
    public ManagerClientContext responseHost(final String host)
    {
        this.responseHost = host;
        return this;
    }

    public String responseHost()
    {
        return responseHost;
    }

    /**
     * @param streamId the Aeron stream the manager takes requests on (default {@link #DEFAULT_REQUEST_STREAM_ID}).
     * @return this.
     */
    public ManagerClientContext requestStreamId(final int streamId)
    {
        this.requestStreamId = streamId;
        return this;
    }

    public int requestStreamId()
    {
        return requestStreamId;
    }

    /**
     * @param namespace the namespace to open a session for; "" for an admin session.
     */
    public ManagerClientContext namespace(final String namespace)
    {
        this.namespace = namespace == null ? "" : namespace;
        return this;
    }

    public String namespace()
    {
        return namespace;
    }

    /**
     * @param token the namespace's token (or the admin token for an admin session); proved in HELLO, never sent.
     * @return this.
     */
    public ManagerClientContext token(final String token)
    {
        this.token = token == null ? "" : token;
        return this;
    }

    public String token()
    {
        return token;
    }

    /**
     * @param clientName how this client names itself to the manager (logs, stats; default kvpool-client-PID).
     * @return this.
     */
    public ManagerClientContext clientName(final String clientName)
    {
        this.clientName = clientName;
        return this;
    }

    public String clientName()
    {
        return clientName;
    }

    /**
     * @param timeout how long one request waits for its answer before the client reconnects.
     */
    public ManagerClientContext requestTimeout(final Duration timeout)
    {
        this.requestTimeout = timeout;
        return this;
    }

    public Duration requestTimeout()
    {
        return requestTimeout;
    }

    /**
     * @param timeout how long connecting (or reconnecting after a manager restart) may take.
     */
    public ManagerClientContext connectTimeout(final Duration timeout)
    {
        this.connectTimeout = timeout;
        return this;
    }

    public Duration connectTimeout()
    {
        return connectTimeout;
    }

    /**
     * @param timeout how long without a media driver heartbeat before the driver is considered dead (default: 2 s,
     *                or {@code -Dkvpool.aeron.driverTimeoutMs}; see {@link AeronTimeouts}).
     */
    public ManagerClientContext driverTimeout(final Duration timeout)
    {
        this.driverTimeout = timeout;
        return this;
    }

    public Duration driverTimeout()
    {
        return driverTimeout;
    }

    /**
     * @return this, validated.
     * @throws PoolException {@code CONFIG_INVALID} naming the value.
     */
    public ManagerClientContext conclude()
    {
        if (managerEndpoint != null && !managerEndpoint.matches("[^:\\s]+:\\d{1,5}"))
        {
            throw new PoolException(ErrorCode.CONFIG_INVALID, "managerEndpoint=" + managerEndpoint +
                " must be host:port");
        }
        if (requestTimeout.toMillis() < 1 || connectTimeout.compareTo(requestTimeout) < 0)
        {
            throw new PoolException(ErrorCode.CONFIG_INVALID, "requestTimeout=" + requestTimeout +
                " must be positive and at most connectTimeout=" + connectTimeout);
        }
        return this;
    }
}
