package io.kvpool.manager;

import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.Durations;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.transport.DataLanes;
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
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * The manager's configuration as text: a YAML file's keys, or the command line's flags (the same names, the long
 * options without dashes), each checked and set on a {@link ManagerContext}; an unknown key or a malformed value
 * is refused naming the source and the key. Stateless and thread-safe.
 */
final class ManagerConfigFile
{
    /** Every key and how it sets its value; sorted, so that the "known keys" of an error read in order. */
    private static final Map<String, BiConsumer<ManagerContext, Object>> SETTERS = new TreeMap<>(Map.ofEntries(
        Map.entry("region", (c, v) -> c.pool().region(Path.of(text(v)))),
        Map.entry("region-file", (c, v) -> c.pool().regionFile(Path.of(text(v)))),
        Map.entry("size", (c, v) -> c.pool().regionSizeBytes(size(v))),
        Map.entry("slab-size", (c, v) -> c.pool().slabSizeBytes(size(v))),
        Map.entry("min-block-size", (c, v) -> c.pool().minBlockSizeBytes(size(v))),
        Map.entry("max-namespaces", (c, v) -> c.pool().maxNamespaces(Integer.parseInt(text(v)))),
        Map.entry("format", (c, v) -> c.pool().format(bool(v))),
        Map.entry("format-if-empty", (c, v) -> c.pool().formatIfEmpty(bool(v))),
        Map.entry("index-file", (c, v) -> c.pool().indexFile(Path.of(text(v)))),
        Map.entry("aeron-dir", (c, v) -> c.externalAeronDir(Path.of(text(v)))),
        Map.entry("embedded-aeron-dir", (c, v) -> c.embeddedAeronDir(Path.of(text(v)))),
        Map.entry("endpoint", (c, v) -> c.endpoint(text(v))),
        Map.entry("request-stream", (c, v) -> c.requestStreamId(Integer.parseInt(text(v)))),
        Map.entry("metrics-port", (c, v) -> c.metricsPort(Integer.parseInt(text(v)))),
        Map.entry("metrics-host", (c, v) -> c.metricsHost(text(v))),
        Map.entry("admin-token", (c, v) -> c.adminToken(text(v))),
        Map.entry("lease", (c, v) -> c.pool().reservationLeaseNs(duration(v).toNanos())),
        Map.entry("pin-lease", (c, v) -> c.pool().pinLeaseNs(duration(v).toNanos())),
        Map.entry("prefault", (c, v) -> c.pool().prefault(bool(v))),
        Map.entry("session-timeout", (c, v) -> c.sessionTimeout(duration(v))),
        Map.entry("namespaces", ManagerConfigFile::namespaces),
        Map.entry("rdma-device", (c, v) -> c.rdmaDevice(text(v))),
        Map.entry("threading", (c, v) -> c.threading(ManagerContext.Threading.parse(text(v)))),
        Map.entry("idle", (c, v) -> c.idle(AeronIdle.parse(text(v)))),
        Map.entry("idle-park", (c, v) -> c.idlePark(duration(v))),
        Map.entry("data-lanes", (c, v) -> DataLanes.set(text(v), c::dataLanes, c::dataLanesAuto)),
        Map.entry("data-tcp", (c, v) -> c.dataTcp(bool(v))),
        Map.entry("max-sessions", (c, v) -> c.maxSessions(Integer.parseInt(text(v)))),
        Map.entry("group", (c, v) -> c.pool().fileGroup(text(v))),
        Map.entry("control-socket", (c, v) -> c.controlSocket(text(v))),
        Map.entry("control-endpoint", (c, v) -> c.controlEndpoint(text(v))),
        Map.entry("max-sessions-per-host", (c, v) -> c.maxSessionsPerHost(Integer.parseInt(text(v))))));

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
            throw ManagerContext.invalid("cannot read configuration file " + file + ": " + FileTrees.reason(ex));
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
        final BiConsumer<ManagerContext, Object> setter = SETTERS.get(key);
        if (setter == null)
        {
            throw ManagerContext.invalid(source + ": unknown key '" + key + "'; known keys: " + SETTERS.keySet());
        }
        try
        {
            setter.accept(context, value);
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
