package io.kvpool.manager;

import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.Durations;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The manager's configuration as text: a YAML file's keys, or the command line's flags (the same names, the long
 * options without dashes), each checked and set on a {@link ManagerContext}; an unknown key or a malformed value
 * is refused naming the source and the key. Stateless and thread-safe.
 */
final class ManagerConfigFile
{
    private static final Set<String> KEYS = new TreeSet<>(List.of("region", "region-file", "size", "slab-size",
        "min-block-size", "max-namespaces", "format", "format-if-empty", "index-file", "aeron-dir",
        "embedded-aeron-dir", "endpoint",
        "request-stream", "metrics-port", "metrics-host", "admin-token", "lease", "pin-lease", "prefault",
        "session-timeout", "namespaces", "rdma-device", "threading", "idle", "idle-park", "data-lanes"));

    private ManagerConfigFile()
    {
    }

    /**
     * Sets the values a YAML configuration file gives.
     *
     * @return {@code context}.
     * @throws PoolException {@link ErrorCode#CONFIG_INVALID} naming the file, the key and the problem.
     */
    static ManagerContext read(final Path file, final ManagerContext context)
    {
        final Object root;
        try (Reader reader = Files.newBufferedReader(file))
        {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        }
        catch (final IOException | RuntimeException ex)
        {
            throw ManagerContext.invalid("cannot read configuration file " + file + ": " + ex.getMessage());
        }
        if (root == null)
        {
            return context;
        }
        if (!(root instanceof Map<?, ?> map))
        {
            throw ManagerContext.invalid(file + ": the configuration must be a mapping of keys to values");
        }
        for (final Map.Entry<?, ?> entry : map.entrySet())
        {
            set(context, String.valueOf(entry.getKey()), entry.getValue(), file.toString());
        }
        return context;
    }

    /**
     * Sets one key's value.
     *
     * @param source where the value comes from (a file, the command line), for the error message.
     * @throws PoolException {@link ErrorCode#CONFIG_INVALID} naming the source, the key and the problem.
     */
    static void set(final ManagerContext context, final String key, final Object value, final String source)
    {
        if (!KEYS.contains(key))
        {
            throw ManagerContext.invalid(source + ": unknown key '" + key + "'; known keys: " + KEYS);
        }
        try
        {
            switch (key)
            {
                case "region" -> context.region(Path.of(text(value)));
                case "region-file" -> context.regionFile(Path.of(text(value)));
                case "size" -> context.regionSizeBytes(size(value));
                case "slab-size" -> context.slabSizeBytes(size(value));
                case "min-block-size" -> context.minBlockSizeBytes(size(value));
                case "max-namespaces" -> context.maxNamespaces(Integer.parseInt(text(value)));
                case "format" -> context.format(bool(value));
                case "format-if-empty" -> context.formatIfEmpty(bool(value));
                case "index-file" -> context.indexFile(Path.of(text(value)));
                case "aeron-dir" -> context.externalAeronDir(Path.of(text(value)));
                case "embedded-aeron-dir" -> context.embeddedAeronDir(Path.of(text(value)));
                case "endpoint" -> context.endpoint(text(value));
                case "request-stream" -> context.requestStreamId(Integer.parseInt(text(value)));
                case "metrics-port" -> context.metricsPort(Integer.parseInt(text(value)));
                case "metrics-host" -> context.metricsHost(text(value));
                case "admin-token" -> context.adminToken(text(value));
                case "lease" -> context.reservationLease(duration(value));
                case "pin-lease" -> context.pinLease(duration(value));
                case "prefault" -> context.prefault(bool(value));
                case "session-timeout" -> context.sessionTimeout(duration(value));
                case "namespaces" -> namespaces(context, value);
                case "rdma-device" -> context.rdmaDevice(text(value));
                case "threading" -> context.threading(ManagerContext.Threading.parse(text(value)));
                case "idle" -> context.idle(AeronIdle.parse(text(value)));
                case "idle-park" -> context.idlePark(duration(value));
                case "data-lanes" -> context.dataLanes(Integer.parseInt(text(value)));
                default -> throw new IllegalStateException(key);
            }
        }
        catch (final IllegalArgumentException ex)
        {
            throw ManagerContext.invalid(source + ": key '" + key + "' has value '" + value + "': " + ex.getMessage());
        }
    }

    private static void namespaces(final ManagerContext context, final Object value)
    {
        if (!(value instanceof List<?> list))
        {
            throw new IllegalArgumentException("expected a list of {name, block-size, min-slabs, max-slabs, token}");
        }
        for (final Object item : list)
        {
            if (!(item instanceof Map<?, ?> map) || map.get("name") == null || map.get("block-size") == null)
            {
                throw new IllegalArgumentException("each namespace needs at least name and block-size");
            }
            final Map<String, Object> fields = new LinkedHashMap<>();
            map.forEach((k, v) -> fields.put(String.valueOf(k), v));
            final Set<String> unknown = new TreeSet<>(fields.keySet());
            unknown.removeAll(Set.of("name", "block-size", "min-slabs", "max-slabs", "token"));
            if (!unknown.isEmpty())
            {
                throw new IllegalArgumentException("unknown namespace keys " + unknown);
            }
            context.addNamespace(new ManagerContext.NamespaceSpec(text(fields.get("name")),
                size(fields.get("block-size")), Integer.parseInt(text(fields.getOrDefault("min-slabs", 0))),
                Integer.parseInt(text(fields.getOrDefault("max-slabs", 0))),
                text(fields.getOrDefault("token", ""))));
        }
    }

    private static String text(final Object value)
    {
        if (value == null)
        {
            throw new IllegalArgumentException("a value is required");
        }
        return String.valueOf(value);
    }

    private static long size(final Object value)
    {
        return ByteSizes.parse(text(value));
    }

    private static boolean bool(final Object value)
    {
        if (value instanceof Boolean b)
        {
            return b;
        }
        return switch (text(value).toLowerCase(Locale.ROOT))
        {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    private static Duration duration(final Object value)
    {
        return Durations.parse(text(value));
    }
}
