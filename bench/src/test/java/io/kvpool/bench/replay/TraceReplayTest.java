package io.kvpool.bench.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.kvpool.client.ManagerClient;
import io.kvpool.client.ManagerClientContext;
import io.kvpool.cli.trace.MooncakeTrace;
import io.kvpool.cli.trace.TraceRequest;
import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.FileTrees;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replays of the shipped trace sample against a real pool in this JVM, compared with the LRU reference.
 */
class TraceReplayTest
{
    private static final long BLOCK = 64 * 1024;

    @TempDir
    Path output;
    private Path directory;

    @BeforeEach
    void createDirectory() throws IOException
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-replay-test-");
    }

    @AfterEach
    void deleteDirectory() throws IOException
    {
        FileTrees.delete(directory);
    }

    @Test
    void shouldMatchTheLruExactlyWhenNothingIsEvicted() throws InterruptedException
    {
        final List<TraceRequest> requests = MooncakeTrace.sample().subList(0, 200);
        final ReplayReport report = replay(requests, 1L << 30, 1);
        final LruSimulator.Result lru = LruSimulator.simulate(requests, report.capacityBlocks());
        assertEquals(0, report.evictions());
        assertEquals(lru.blocksRequested(), report.blocksRequested());
        assertEquals(lru.blocksHit(), report.blocksHit());
        assertEquals(lru.hitRate(), report.lruHitRate(), 0);
        assertTrue(report.blocksHit() > 0, "the sample reuses prefixes");
        assertEquals(report.blocksHit() * BLOCK, report.bytesRead());
        assertEquals(report.blocksRequested() - report.blocksHit(), report.blocksStored());
        assertEquals(Map.of(), report.putFailures());
        assertEquals(report.blocksStored() * BLOCK, report.bytesWritten());
        assertEquals(0, report.corruptBlocks());
        assertEquals(report.blocksHit() * 512 / 10_000.0, report.prefillSecondsSaved(), 1e-9);
        assertEquals(200, report.requests());
    }

    @Test
    void shouldStayWithinAPointOfTheLruUnderEviction() throws InterruptedException
    {
        final ReplayReport report = replay(MooncakeTrace.sample(), 256L << 20, 1);
        assertTrue(report.evictions() > 10_000, "the pool evicted " + report.evictions());
        assertTrue(Math.abs(report.differenceFromLruPoints()) <= 1.0,
            "pool " + report.hitRate() + " vs LRU " + report.lruHitRate());
        assertEquals(0, report.corruptBlocks());
    }

    @Test
    void shouldWriteTheJsonReport() throws IOException
    {
        final StringWriter text = new StringWriter();
        final CommandLine command = new CommandLine(new ReplayCommand());
        command.setOut(new PrintWriter(text));
        final int exit = command.execute("--requests", "50", "--capacity", "256m", "--clients", "2", "--json",
            "--out", output.toString());
        assertEquals(0, exit, text.toString());
        final JsonNode written = ReplayCommand.json().readTree(output.resolve("replay.json").toFile());
        assertEquals(written, ReplayCommand.json().readTree(text.toString()), "stdout holds the same JSON");
        assertEquals(50, written.get("requests").asInt());
        assertEquals(2, written.get("clients").asInt());
        assertEquals("mooncake-conversation-sample", written.get("trace").asText());
        for (final String field : List.of("hitRate", "lruHitRate", "bytesRead", "bytesWritten", "seconds",
            "gigabytesPerSecond", "prefillSecondsSaved", "capacityBlocks", "evictions", "corruptBlocks"))
        {
            assertTrue(written.has(field), field);
        }
        assertEquals(written.get("blocksHit").asLong() * BLOCK, written.get("bytesRead").asLong());
        assertTrue(written.get("get").get("count").asLong() > 0 && written.get("get").has("p99"));
        assertTrue(written.get("put").get("p50").asDouble() > 0);
    }

    @Test
    void shouldReplayAgainstARunningManager() throws IOException
    {
        try (PoolManager manager = PoolManager.launch(new ManagerContext().pool(new PoolContext()
                .regionFile(directory.resolve("region")).regionSizeBytes(256L << 20).format(true).prefault(false))
            .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1).adminToken("secret")))
        {
            final StringWriter text = new StringWriter();
            final CommandLine command = new CommandLine(new ReplayCommand());
            command.setOut(new PrintWriter(text));
            assertEquals(0, command.execute("--aeron-dir", manager.aeronDir().toString(), "--admin-token", "secret",
                "--requests", "40", "--json"), text.toString());
            final JsonNode report = ReplayCommand.json().readTree(text.toString());
            assertEquals(40, report.get("requests").asInt());
            try (ManagerClient client = ManagerClient.connect(new ManagerClientContext().aeronDir(manager.aeronDir())
                .token("secret").connectTimeout(Duration.ofSeconds(20))))
            {
                final var namespace = client.stats().pool().namespaces().stream()
                    .filter(ns -> ns.info().name().equals("replay")).findFirst().orElseThrow();
                assertEquals(report.get("blocksStored").asLong(), namespace.sealedBlocks(),
                    "the running pool holds what the replay stored");
            }
        }
    }

    @Test
    void shouldReplayAgainstAManagerReachedOverUdpAsAnotherHostWould() throws IOException
    {
        try (PoolManager manager = PoolManager.launch(new ManagerContext().pool(new PoolContext()
                .regionFile(directory.resolve("region")).regionSizeBytes(256L << 20).format(true).prefault(false))
            .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1).endpoint("127.0.0.1:0")
            .adminToken("secret")))
        {
            // Off the manager's host, two passes in one process (--transport aeron,cxl). First blocks go both ways
            // over Aeron UDP, through this process's own media driver. Then the control plane over UDP, bytes by
            // load from this host's own mapping of the region, CRC32C checked: the shared-CXL-pool reader. Everything
            // the first pass stored is served.
            final JsonNode reports = ReplayCommand.json().readTree(replayText("--manager-endpoint",
                manager.udpEndpoint(), "--transport", "aeron,cxl", "--region", directory.resolve("region").toString(),
                "--verify-checksums", "--admin-token", "secret", "--requests", "30", "--block-bytes", "16k", "--json"));
            assertEquals(2, reports.size(), "one report a pass");
            final JsonNode first = reports.get(0);
            assertTrue(first.get("transport").asText().startsWith("aeron"), first.get("transport").asText());
            assertTrue(first.get("blocksStored").asLong() > 0);
            assertEquals(0, first.get("corruptBlocks").asLong());
            final JsonNode second = reports.get(1);
            assertTrue(second.get("transport").asText().startsWith("cxl"), second.get("transport").asText());
            assertEquals(second.get("blocksRequested").asLong(), second.get("blocksHit").asLong());
            assertEquals(0, second.get("blocksStored").asLong());
            assertEquals(0, second.get("corruptBlocks").asLong());
        }
    }

    @Test
    void shouldRefuseConflictingOrMalformedConnectionOptions()
    {
        final String twoManagers = refusal("--manager-endpoint", "127.0.0.1:1", "--aeron-dir", "/dev/shm/none");
        assertTrue(twoManagers.contains("--manager-endpoint and --aeron-dir name two managers"), twoManagers);
        final String transport = refusal("--transport", "carrier-pigeon");
        assertTrue(transport.contains("--transport=carrier-pigeon must be auto, cxl, rdma or aeron"), transport);
        final String listed = refusal("--transport", "rdma,pigeon");
        assertTrue(listed.contains("--transport=pigeon must be auto, cxl, rdma or aeron"), listed);
        final String timeout = refusal("--request-timeout", "soon");
        assertTrue(timeout.contains("--request-timeout: 'soon' is not a duration"), timeout);
    }

    /**
     * @return what the command printed on its error stream, having failed (exit status 2) before replaying.
     */
    private static String refusal(final String... args)
    {
        final StringWriter errors = new StringWriter();
        final CommandLine command = new CommandLine(new ReplayCommand());
        command.setErr(new PrintWriter(errors));
        command.setExecutionExceptionHandler((ex, line, parsed) ->
        {
            line.getErr().println(ex.getMessage());
            return 2;
        });
        assertEquals(2, command.execute(args), errors.toString());
        return errors.toString();
    }

    /**
     * @return what the command printed, having succeeded.
     */
    private static String replayText(final String... args)
    {
        final StringWriter text = new StringWriter();
        final CommandLine command = new CommandLine(new ReplayCommand());
        command.setOut(new PrintWriter(text));
        assertEquals(0, command.execute(args), text.toString());
        return text.toString();
    }

    @Test
    void shouldStopAtAMalformedTraceLineUnlessToldToSkip() throws IOException
    {
        final Path trace = Files.writeString(output.resolve("bad.jsonl"),
            "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 1, \"hash_ids\": [7, 8]}\n" +
            "{\"timestamp\": 1, oops\n" +
            "{\"timestamp\": 2, \"input_length\": 600, \"output_length\": 1, \"hash_ids\": [7, 8]}\n");
        final StringWriter errors = new StringWriter();
        final CommandLine stop = new CommandLine(new ReplayCommand());
        stop.setErr(new PrintWriter(errors));
        assertEquals(1, stop.execute("--trace", trace.toString(), "--capacity", "256m"));
        assertTrue(errors.toString().contains("bad.jsonl:2:"), errors.toString());

        final StringWriter text = new StringWriter();
        final CommandLine skip = new CommandLine(new ReplayCommand());
        skip.setOut(new PrintWriter(text));
        assertEquals(0, skip.execute("--trace", trace.toString(), "--capacity", "256m", "--on-malformed", "skip",
            "--json"));
        final JsonNode report = ReplayCommand.json().readTree(text.toString());
        assertEquals(2, report.get("requests").asInt());
        assertEquals(2, report.get("blocksHit").asInt(), "the second request hits both blocks of the first");
    }

    private ReplayReport replay(final List<TraceRequest> requests, final long regionBytes, final int clients)
        throws InterruptedException
    {
        try (PoolManager manager = PoolManager.launch(new ManagerContext().pool(new PoolContext()
                .regionFile(directory.resolve("region")).regionSizeBytes(regionBytes).format(true).prefault(false))
            .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1)))
        {
            final ManagerClientContext admin = new ManagerClientContext().aeronDir(manager.aeronDir())
                .connectTimeout(Duration.ofSeconds(20));
            final long capacity;
            try (ManagerClient client = ManagerClient.connect(admin))
            {
                capacity = (long)client.createNamespace("replay", BLOCK, 0, 0, "").blocksPerSlab() *
                    client.stats().pool().slabCount();
            }
            try (ManagerClient client = ManagerClient.connect(admin))
            {
                return new TraceReplay(requests, new TraceReplay.Settings(BLOCK, clients, 0, 10_000, 512)).run(
                    TraceReplay.connectTo(manager.aeronDir()), "replay", "sample", capacity,
                    () -> client.stats().pool().namespaces().getFirst().evictions(), done ->
                    {
                    });
            }
        }
    }
}
