package io.kvpool.client;

import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.Durations;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.transport.DataLanes;
import io.kvpool.protocol.transport.TcpPuts;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * An engine host's client configuration, as deployment writes it (Ansible's kvpool_client role): a properties
 * file of the pool to reach and the namespace to use. Keys: {@code namespace} and {@code block-size} (required),
 * {@code token}, {@code manager-endpoint} (host:port of the manager's UDP endpoint; absent: the manager on this
 * host over IPC), {@code response-host}, {@code aeron-dir}, {@code transport} (auto, cxl, rdma or aeron),
 * {@code client-name}, {@code connect-timeout}, {@code request-timeout}, {@code verify-checksums}, {@code region},
 * {@code aeron-idle} (backoff, spin or yield: how the Aeron data path waits; see {@link AeronIdle}), {@code
 * data-lanes} (the most data lanes opened to a manager that serves several, or auto: see
 * {@link KvPoolContext#dataLanes(int)}), {@code tcp-puts} (auto, on or off: see {@link TcpPuts}).
 *
 * <pre>{@code
 * ClientConfig config = ClientConfig.load(Path.of("/opt/kvpool/etc/client.properties"));
 * try (KvPool pool = KvPool.connect(config.context())) {
 *     KvNamespace ns = config.open(pool);
 * }
 * }</pre>
 *
 * @param context        connection settings.
 * @param namespace      the namespace engines use.
 * @param blockSizeBytes its block size.
 * @param token          its token ("" for none).
 */
public record ClientConfig(KvPoolContext context, String namespace, long blockSizeBytes, String token)
{
    private static final Set<String> KEYS = new TreeSet<>(Set.of("namespace", "block-size", "token",
        "manager-endpoint", "response-host", "aeron-dir", "transport", "client-name", "connect-timeout",
        "request-timeout", "verify-checksums", "region", "aeron-idle", "data-lanes", "tcp-puts"));

    /**
     * @throws IllegalArgumentException naming the file and the key when a key is unknown, a value is malformed or
     *                                  a required key is missing.
     */
    public static ClientConfig load(final Path file)
    {
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file))
        {
            properties.load(reader);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read client configuration " + file + ": " +
                FileTrees.reason(ex), ex);
        }
        final Set<String> unknown = new TreeSet<>(properties.stringPropertyNames());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty())
        {
            throw new IllegalArgumentException(file + ": unknown keys " + unknown + "; known keys: " + KEYS);
        }
        final KvPoolContext context = new KvPoolContext();
        String current = null;
        try
        {
            for (final String key : properties.stringPropertyNames())
            {
                current = key;
                final String value = properties.getProperty(key).trim();
                switch (key)
                {
                    case "manager-endpoint" -> context.managerEndpoint(value.isEmpty() ? null : value);
                    case "response-host" -> context.responseHost(value);
                    case "aeron-dir" -> context.aeronDir(Path.of(value));
                    case "transport" -> context.transport("auto".equals(value) || value.isEmpty() ? null : value);
                    case "client-name" -> context.clientName(value);
                    case "connect-timeout" -> context.connectTimeout(Durations.parse(value));
                    case "request-timeout" -> context.requestTimeout(Durations.parse(value));
                    case "verify-checksums" -> context.verifyChecksums(bool(value));
                    case "region" -> context.regionPath(Path.of(value));
                    case "aeron-idle" -> context.aeronIdle(AeronIdle.parse(value));
                    case "data-lanes" -> DataLanes.set(value, context::dataLanes, context::dataLanesAuto);
                    case "tcp-puts" -> context.tcpPuts(TcpPuts.parse(value));
                    default ->
                    {
                        // namespace, block-size and token: below.
                    }
                }
            }
            current = "block-size";
            final String namespace = required(properties, "namespace", file);
            final long blockSizeBytes = ByteSizes.parse(required(properties, "block-size", file));
            return new ClientConfig(context, namespace, blockSizeBytes, properties.getProperty("token", "").trim());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(file + ": key '" + current + "': " + ex.getMessage(), ex);
        }
    }

    /**
     * @return the configured namespace on a connected pool.
     */
    public KvNamespace open(final KvPool pool)
    {
        return pool.namespace(namespace, blockSizeBytes, token);
    }

    /**
     * @return one line per setting (the token's value withheld).
     */
    public String describe()
    {
        return "namespace: " + namespace + "\nblock size: " + ByteSizes.format(blockSizeBytes) + "\ntoken: " +
            (token.isEmpty() ? "none" : "set") + "\nmanager: " + (context.managerEndpoint() == null ?
            "this host, IPC through " + context.aeronDirectory() : "UDP " + context.managerEndpoint() +
            " (responses to " + context.responseHost() + ")") + "\ntransport: " +
            (context.transport() == null ? "auto" : context.transport()) + "\naeron idle: " +
            context.aeronIdle().text() + "\ndata lanes: at most " + context.dataLanes() +
            (context.dataLanesAutomatic() ? " (auto: this host's cores)" : "") + "\ntcp puts: " +
            context.tcpPuts().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String required(final Properties properties, final String key, final Path file)
    {
        final String value = properties.getProperty(key, "").trim();
        if (value.isEmpty())
        {
            throw new IllegalArgumentException("is required in " + file);
        }
        return value;
    }

    private static boolean bool(final String value)
    {
        return switch (value)
        {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false, not '" + value + "'");
        };
    }
}
