package io.kvpool.cli;

import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.manager.RecoveryReport;
import org.agrona.concurrent.ShutdownSignalBarrier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kvpool manager}: runs the pool manager service in the foreground until SIGTERM or SIGINT, then finishes
 * in-flight requests, flushes, marks the region clean and exits 0.
 */
@Command(
    name = "manager",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Runs the pool manager service in the foreground.",
    description = {
        "The manager owns the region and answers clients over Aeron (IPC on this host, UDP with --endpoint). " +
            "SIGTERM/SIGINT: finish in-flight requests, flush, mark the region clean, exit 0. After a SIGKILL the " +
            "next start recovers the region.",
        "Every option may also be given in a YAML file (--config) under the same name without dashes; options on " +
            "the command line override the file."})
final class ManagerCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
    private Path config;

    @Option(names = "--region", paramLabel = "DEVICE", description = "A devdax device, e.g. /dev/dax0.0.")
    private Path region;

    @Option(names = "--region-file", paramLabel = "PATH",
        description = "A region file on tmpfs or hugetlbfs (default: /dev/shm/kvpool-region).")
    private Path regionFile;

    @Option(names = "--size", paramLabel = "SIZE", description = "Size of a region file created now (default 1g).")
    private String size;

    @Option(names = "--slab-size", paramLabel = "SIZE", description = "Slab size for formatting (default 64m).")
    private String slabSize;

    @Option(names = "--min-block-size", paramLabel = "SIZE", description = "Smallest block size (default 16k).")
    private String minBlockSize;

    @Option(names = "--format", description = "Format the region even if it holds a pool (destroys it).")
    private Boolean format;

    @Option(names = "--format-if-empty", description = "Format the region only if it was never formatted (its " +
        "superblock all zero, as on a fresh device); attach to a pool, refuse anything else. Safe on every start.")
    private Boolean formatIfEmpty;

    @Option(names = "--index-file", paramLabel = "PATH", description = "Index file (default: beside the region).")
    private Path indexFile;

    @Option(names = "--aeron-dir", paramLabel = "DIR",
        description = "Use the external media driver in DIR instead of embedding one.")
    private Path aeronDir;

    @Option(names = "--embedded-aeron-dir", paramLabel = "DIR",
        description = "Directory of the embedded media driver (default: /dev/shm/kvpool-aeron).")
    private Path embeddedAeronDir;

    @Option(names = "--endpoint", paramLabel = "HOST:PORT",
        description = "Also receive requests over UDP here (port 0 picks one). Default: IPC only.")
    private String endpoint;

    @Option(names = "--metrics-port", paramLabel = "PORT",
        description = "Prometheus endpoint port (default 9470; 0 picks one; -1 turns it off).")
    private Integer metricsPort;

    @Option(names = "--admin-token", paramLabel = "TOKEN",
        description = "Token admin sessions (namespace creation, stats of all) must present.")
    private String adminToken;

    @Option(names = "--lease", paramLabel = "DURATION", description = "Reservation lease (default 10s).")
    private String lease;

    @Option(names = "--pin-lease", paramLabel = "DURATION", description = "Read-pin lease (default 10s).")
    private String pinLease;

    @Option(names = "--threading", paramLabel = "MODE",
        description = "shared (default: the embedded media driver, control and data agents on one thread) or " +
            "dedicated (a thread each, for hosts with cores to spare).")
    private String threading;

    @Option(names = "--idle", paramLabel = "MODE",
        description = "How the data path's threads wait: backoff (default: little CPU when idle), spin " +
            "(busy-spin: the fastest, a core per thread, on hosts with cores to spare) or yield (spin offering the " +
            "core to other threads: where spinning threads could outnumber the cores).")
    private String idle;

    @Option(names = "--idle-park", paramLabel = "DURATION",
        description = "The longest an idle thread parks between looks for work (default 200us: the most an idle " +
            "manager adds to a request's latency); milliseconds keep an idle manager from taking a core where CPUs " +
            "are emulated or oversubscribed.")
    private String idlePark;

    @Option(names = "--data-lanes", paramLabel = "N|auto",
        description = "Aeron data lanes for remote clients: each a media driver, UDP port (the endpoint's + k) " +
            "and data agent of its own; clients split every transfer across them. Default auto: one per four " +
            "cores of this host, 1 to 4 (a lane whose port is taken is then left out).")
    private String dataLanes;

    @Option(names = "--no-data-tcp", negatable = false,
        description = "Remote puts send their bytes over Aeron only; by default the manager also takes them over " +
            "TCP on each data lane's port number, which clients use where the manager offers it.")
    private boolean noDataTcp;

    @Option(names = "--max-sessions", paramLabel = "N",
        description = "Client sessions served at once, all hosts (default 4096); a HELLO beyond is refused.")
    private Integer maxSessions;

    @Option(names = "--max-sessions-per-host", paramLabel = "N",
        description = "Client sessions at once answering to one host over UDP (default 512).")
    private Integer maxSessionsPerHost;

    @Option(names = "--control-socket", paramLabel = "PATH",
        description = "Unix-domain socket serving the control protocol to clients without Aeron (Python): a path, " +
            "default (the Aeron directory's path + .sock) or off.")
    private String controlSocket;

    @Option(names = "--control-endpoint", paramLabel = "HOST:PORT",
        description = "Also serve the control protocol over TCP here, for other hosts of the fabric (default: off).")
    private String controlEndpoint;

    @Option(names = "--group", paramLabel = "NAME",
        description = "Engine group that may open the region, its index and the media driver's directory besides " +
            "the service's user (modes 0660/0770); default: the service's user only (0600/0700).")
    private String group;

    @Option(names = "--no-prefault", negatable = false, description = "Do not fault the region in at start.")
    private boolean noPrefault;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final ManagerContext context = config == null ? new ManagerContext() : ManagerContext.fromYaml(config);
        final Map<String, Object> flags = new LinkedHashMap<>();
        flags.put("region", region);
        flags.put("region-file", regionFile);
        flags.put("size", size);
        flags.put("slab-size", slabSize);
        flags.put("min-block-size", minBlockSize);
        flags.put("format", format);
        flags.put("format-if-empty", formatIfEmpty);
        flags.put("index-file", indexFile);
        flags.put("aeron-dir", aeronDir);
        flags.put("embedded-aeron-dir", embeddedAeronDir);
        flags.put("endpoint", endpoint);
        flags.put("metrics-port", metricsPort);
        flags.put("admin-token", adminToken);
        flags.put("lease", lease);
        flags.put("pin-lease", pinLease);
        flags.put("prefault", noPrefault ? Boolean.FALSE : null);
        flags.put("threading", threading);
        flags.put("idle", idle);
        flags.put("idle-park", idlePark);
        flags.put("data-lanes", dataLanes);
        flags.put("data-tcp", noDataTcp ? Boolean.FALSE : null);
        flags.put("max-sessions", maxSessions);
        flags.put("group", group);
        flags.put("control-socket", controlSocket);
        flags.put("control-endpoint", controlEndpoint);
        flags.put("max-sessions-per-host", maxSessionsPerHost);
        context.override(flags);

        final ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
        try (PoolManager manager = PoolManager.launch(context))
        {
            final RecoveryReport report = manager.recoveryReport();
            out.printf("kvpool manager epoch %d: %s%n", report.managerEpoch(), manager.description());
            out.printf("recovery: %s, %d sealed blocks, %d writing reclaimed, %d index entries restored, %d removed" +
                    " in %d ms%n", report.formatted() ? "formatted" : report.cleanShutdown() ? "clean" : "recovered",
                report.sealedBlocks(), report.reclaimedWritingBlocks(), report.restoredIndexEntries(),
                report.removedIndexEntries(), report.elapsedNanos() / 1_000_000);
            out.println("ready");
            out.flush();
            barrier.await();
            out.println("shutting down: finishing in-flight requests, flushing, marking the region clean");
            out.flush();
        }
        out.println("stopped cleanly");
        out.flush();
        return 0;
    }
}
