package io.kvpool.manager.internal;

import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.protocol.wire.StatsSnapshot;
import io.kvpool.protocol.wire.WireError;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * The manager's Prometheus metrics. Request latency and rejections are recorded by the agent thread into
 * pre-resolved data points (no allocation, no lock on the hot path); pool figures are read by the scraping thread
 * from the immutable {@link StatsSnapshot} the agent publishes about once a second, so a scrape never touches the
 * pool's state. Thread-safe.
 */
public final class ManagerMetrics
{
    private static final String[] REASONS = {"truncated", "oversized", "malformed", "unknown_template",
        "protocol_version", "out_of_range", "unknown_session", "not_authorized", "shutting_down", "internal",
        "refused"};
    /** Label key of requests refused by the pool itself (a namespace conflict, an invalid quota, ...). */
    private static final int REFUSED = -1;
    private static final int[] TEMPLATES = {MessageType.HELLO, MessageType.LOOKUP, MessageType.CONTAINS,
        MessageType.LONGEST_PREFIX,
        MessageType.RESERVE, MessageType.PIN, MessageType.REMOVE, MessageType.COMMIT, MessageType.ABORT,
        MessageType.RENEW, MessageType.UNPIN, MessageType.CREATE_NAMESPACE, MessageType.STATS};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final AtomicReference<StatsSnapshot> snapshot = new AtomicReference<>();
    private final Map<Integer, CounterDataPoint> rejected = new HashMap<>();
    private final DistributionDataPoint[] latency = new DistributionDataPoint[64];
    private long rejectedTotal;
    private final Counter agentErrors = Counter.builder().name("kvpool_agent_errors")
        .help("Errors an agent's duty cycle reported (logged; never thrown out of the cycle), by agent")
        .labelNames("agent").register(registry);

    public ManagerMetrics()
    {
        final Counter rejections = Counter.builder().name("kvpool_rejected_requests")
            .help("Requests refused as a whole, by reason").labelNames("reason").register(registry);
        for (final String reason : REASONS)
        {
            rejected.put(codeOf(reason), rejections.labelValues(reason));
        }
        final Histogram histogram = Histogram.builder().name("kvpool_request_latency_seconds").unit(Unit.SECONDS)
            .help("Time the manager spent on a request, from decode to response, by operation")
            .labelNames("op").classicOnly()
            .classicUpperBounds(1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 5e-3, 1e-2, 0.1)
            .register(registry);
        for (final int template : TEMPLATES)
        {
            latency[template] = histogram.labelValues(MessageType.name(template).toLowerCase(Locale.ROOT));
        }
        pool("kvpool_region_bytes", "Length of the pool region", s -> s.pool().regionLengthBytes());
        pool("kvpool_slabs", "Slabs in the data area", s -> s.pool().slabCount());
        pool("kvpool_free_slabs", "Slabs owned by no namespace", s -> s.pool().freeSlabs());
        pool("kvpool_open_reservations", "Blocks reserved by writers", s -> s.pool().openReservations());
        pool("kvpool_active_pins", "Read pins held", s -> s.pool().activePins());
        pool("kvpool_index_entries", "Entries in the persistent index", s -> s.pool().indexEntries());
        pool("kvpool_sessions", "Client sessions open", StatsSnapshot::sessions);
        pool("kvpool_manager_epoch", "Epoch of this manager (attaches of the region so far)",
            StatsSnapshot::managerEpoch);
        namespaceGauge("kvpool_namespace_slabs", "Slabs held by a namespace", PoolStats.Namespace::slabs);
        namespaceGauge("kvpool_namespace_quarantined_blocks", "Blocks kept from reuse while a writer may still " +
            "store into them (a writer that died holding one leaves it here)", PoolStats.Namespace::quarantinedBlocks);
        GaugeWithCallback.builder().name("kvpool_namespace_blocks").help("Blocks of a namespace by state")
            .labelNames("namespace", "state").callback(callback ->
            {
                final StatsSnapshot current = snapshot.get();
                if (current != null)
                {
                    for (final PoolStats.Namespace ns : current.pool().namespaces())
                    {
                        callback.call(ns.freeBlocks(), ns.info().name(), "free");
                        callback.call(ns.writingBlocks(), ns.info().name(), "reserved");
                        callback.call(ns.sealedBlocks(), ns.info().name(), "sealed");
                    }
                }
            }).register(registry);
        namespaceCounter("kvpool_hits", "Keys found by lookup and pin", PoolStats.Namespace::hits);
        namespaceCounter("kvpool_misses", "Keys not found by lookup and pin", PoolStats.Namespace::misses);
        namespaceCounter("kvpool_evictions", "Blocks evicted", PoolStats.Namespace::evictions);
        namespaceCounter("kvpool_lease_expiries", "Reservations and pins whose lease lapsed",
            PoolStats.Namespace::leaseExpiries);
        namespaceCounter("kvpool_capacity_rejections", "Reservations refused for want of capacity",
            PoolStats.Namespace::capacityRejections);
    }

    /**
     * @return the registry to expose.
     */
    public PrometheusRegistry registry()
    {
        return registry;
    }

    /**
     * Publishes the figures scrapes read (agent thread, about once a second).
     */
    public void publish(final StatsSnapshot current)
    {
        snapshot.set(current);
    }

    /**
     * Counts an error an agent reported (any thread: agents run on their own).
     *
     * @param agent the agent's name, e.g. "manager agent", "data lane 1".
     */
    public void agentError(final String agent)
    {
        agentErrors.labelValues(agent).inc();
    }

    /**
     * @return errors agents reported so far (any thread).
     */
    public long agentErrors()
    {
        long total = 0;
        for (final CounterSnapshot.CounterDataPointSnapshot point : agentErrors.collect().getDataPoints())
        {
            total += (long)point.getValue();
        }
        return total;
    }

    /**
     * Records a request refused as a whole (agent thread).
     *
     * @param code the {@link WireError} it was refused with, or the pool's {@code ErrorCode} number ("refused").
     */
    public void rejected(final int code)
    {
        final CounterDataPoint point = rejected.get(code);
        (point != null ? point : rejected.get(REFUSED)).inc();
        rejectedTotal++;
    }

    /**
     * @param reason a reason label, e.g. "not_authorized", "malformed", "unknown_session".
     * @return requests refused for that reason so far.
     */
    public long rejected(final String reason)
    {
        return (long)rejected.get(codeOf(reason)).get();
    }

    /**
     * @return requests refused so far (agent thread).
     */
    public long rejectedTotal()
    {
        return rejectedTotal;
    }

    /**
     * Records how long a request took (agent thread).
     */
    public void latency(final int templateId, final long nanos)
    {
        final DistributionDataPoint point = templateId >= 0 && templateId < latency.length ? latency[templateId] :
            null;
        if (point != null)
        {
            point.observe(nanos / 1e9);
        }
    }

    private void pool(final String name, final String help, final ToDoubleFunction<StatsSnapshot> value)
    {
        GaugeWithCallback.builder().name(name).help(help).callback(callback ->
        {
            final StatsSnapshot current = snapshot.get();
            if (current != null)
            {
                callback.call(value.applyAsDouble(current));
            }
        }).register(registry);
    }

    private void namespaceGauge(final String name, final String help, final ToDoubleFunction<PoolStats.Namespace> f)
    {
        GaugeWithCallback.builder().name(name).help(help).labelNames("namespace").callback(callback ->
        {
            final StatsSnapshot current = snapshot.get();
            if (current != null)
            {
                current.pool().namespaces().forEach(ns -> callback.call(f.applyAsDouble(ns), ns.info().name()));
            }
        }).register(registry);
    }

    private void namespaceCounter(final String name, final String help, final ToDoubleFunction<PoolStats.Namespace> f)
    {
        CounterWithCallback.builder().name(name).help(help).labelNames("namespace").callback(callback ->
        {
            final StatsSnapshot current = snapshot.get();
            if (current != null)
            {
                current.pool().namespaces().forEach(ns -> callback.call(f.applyAsDouble(ns), ns.info().name()));
            }
        }).register(registry);
    }

    private static int codeOf(final String reason)
    {
        return switch (reason)
        {
            case "truncated" -> WireError.TRUNCATED;
            case "oversized" -> WireError.OVERSIZED;
            case "malformed" -> WireError.MALFORMED;
            case "unknown_template" -> WireError.UNKNOWN_TEMPLATE;
            case "protocol_version" -> WireError.PROTOCOL_VERSION;
            case "out_of_range" -> WireError.OUT_OF_RANGE;
            case "unknown_session" -> WireError.UNKNOWN_SESSION;
            case "not_authorized" -> WireError.NOT_AUTHORIZED;
            case "shutting_down" -> WireError.SHUTTING_DOWN;
            case "internal" -> WireError.INTERNAL;
            default -> REFUSED;
        };
    }
}
