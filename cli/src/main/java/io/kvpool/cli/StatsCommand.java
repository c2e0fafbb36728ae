package io.kvpool.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kvpool.client.ManagerClient;
import io.kvpool.client.ManagerClientContext;
import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.wire.StatsSnapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code kvpool stats}: asks a running manager for its live figures and prints them as a table, or as JSON.
 */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    header = "Prints a running manager's live figures.",
    description = "Prints a running manager's live figures: capacity, slabs and blocks per namespace, hits, " +
        "misses, evictions, lease expiries, rejected requests.")
final class StatsCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--aeron-dir", paramLabel = "DIR",
        description = {"Media driver directory (default: /dev/shm/kvpool-aeron, the manager's own on its host).",
            "With --endpoint and no driver there, a driver is embedded for the call."})
    private Path aeronDir = Path.of("/dev/shm/kvpool-aeron");

    @Option(names = "--endpoint", paramLabel = "HOST:PORT", description = "The manager's UDP endpoint (else IPC).")
    private String endpoint;

    @Option(names = "--admin-token", paramLabel = "TOKEN", description = "The manager's admin token, if it has one.")
    private String adminToken = "";

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
        description = "How long to wait for the manager (default: ${DEFAULT-VALUE}).")
    private int timeoutSeconds;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    private boolean json;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final ManagerClientContext context = new ManagerClientContext().aeronDir(aeronDir).managerEndpoint(endpoint)
            .token(adminToken).clientName("kvpool-stats").connectTimeout(Duration.ofSeconds(timeoutSeconds))
            .requestTimeout(Duration.ofSeconds(Math.min(2, timeoutSeconds)));
        if (endpoint != null && !Files.exists(aeronDir.resolve("cnc.dat")))
        {
            // No media driver on this host: bring one for the duration of the call.
            context.embeddedDriverDir(Path.of(System.getProperty("java.io.tmpdir"),
                "kvpool-stats-" + ProcessHandle.current().pid()));
        }
        final StatsSnapshot snapshot;
        try (ManagerClient client = ManagerClient.connect(context))
        {
            snapshot = client.stats();
        }
        if (json)
        {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(snapshot));
            return 0;
        }
        final PoolStats pool = snapshot.pool();
        out.printf("manager epoch %d, %d sessions, %d requests, %d rejected%n", snapshot.managerEpoch(),
            snapshot.sessions(), snapshot.requests(), snapshot.rejectedRequests());
        out.printf("region %s in %d slabs of %s, %d free; %d index entries, %d reservations open, %d pins held%n",
            ByteSizes.format(pool.regionLengthBytes()), pool.slabCount(), ByteSizes.format(pool.slabSizeBytes()),
            pool.freeSlabs(), pool.indexEntries(), pool.openReservations(), pool.activePins());
        out.printf("%-20s %9s %11s %8s %8s %8s %8s %10s %10s %9s %8s %8s%n", "namespace", "block", "slabs",
            "free", "reserved", "sealed", "hit %", "hits", "misses", "evicted", "expired", "refused");
        for (final PoolStats.Namespace ns : pool.namespaces())
        {
            final long lookups = ns.hits() + ns.misses();
            out.printf("%-20s %9s %4d [%d-%d] %8d %8d %8d %8s %10d %10d %9d %8d %8d%n", ns.info().name(),
                ByteSizes.format(ns.info().blockSizeBytes()), ns.slabs(), ns.info().minSlabs(), ns.info().maxSlabs(),
                ns.freeBlocks(), ns.writingBlocks(), ns.sealedBlocks(),
                lookups == 0 ? "-" : String.format("%.1f", 100.0 * ns.hits() / lookups), ns.hits(), ns.misses(),
                ns.evictions(), ns.leaseExpiries(), ns.capacityRejections());
        }
        return 0;
    }
}
