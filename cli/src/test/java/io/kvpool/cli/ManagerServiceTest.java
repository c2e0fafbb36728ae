package io.kvpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvpool.client.ManagerClient;
import io.kvpool.client.ManagerClientContext;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.SuperblockDescriptor;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.wire.StatsSnapshot;
import io.kvpool.transport.cxl.Region;
import io.kvpool.transport.cxl.RegionSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The manager in its own JVM, driven over IPC and over UDP on loopback by real clients, stopped with SIGTERM and
 * killed with SIGKILL.
 */
class ManagerServiceTest
{
    private static final long BLOCK = 64 * 1024;

    private final Path directory;

    ManagerServiceTest() throws IOException
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-service-");
    }

    @AfterEach
    void deleteDirectory() throws IOException
    {
        FileTrees.delete(directory);
    }

    @Test
    void shouldServePutAndGetOverIpcAndUdp() throws Exception
    {
        try (ManagerProcess manager = ManagerProcess.start(directory))
        {
            createNamespace(ipc("", "admin"));
            final Map<Long, Integer> written;
            try (ManagerClient writer = ipc("llama", "llama-token");
                 Region region = map(writer))
            {
                written = putRange(writer, region, 0, 100);
            }
            try (ManagerClient reader = udp(manager, "llama", "llama-token");
                 Region region = map(reader))
            {
                assertEquals(100, reader.longestPrefix(batch(0, 100)));
                assertEquals(100, readAndVerify(reader, region, written));
            }
            try (ManagerClient admin = udp(manager, "", "admin"))
            {
                final StatsSnapshot stats = admin.stats();
                final PoolStats.Namespace llama = stats.pool().namespaces().getFirst();
                assertEquals("llama", llama.info().name());
                assertEquals(100, llama.sealedBlocks());
                assertEquals(100, llama.hits());
            }
            final StringWriter table = new StringWriter();
            final picocli.CommandLine stats = KvPoolCli.commandLine();
            stats.setOut(new PrintWriter(table, true));
            assertEquals(0, stats.execute("stats", "--endpoint", manager.udpEndpoint, "--admin-token", "admin"));
            assertTrue(table.toString().matches("(?s).*\\nllama\\s+64 KiB\\s+\\d+ \\[1-31\\]\\s+\\d+\\s+0\\s+100\\s+" +
                "100\\.0\\s+100\\s+0\\s.*"), table.toString());
            final StringWriter json = new StringWriter();
            final picocli.CommandLine statsJson = KvPoolCli.commandLine();
            statsJson.setOut(new PrintWriter(json, true));
            assertEquals(0, statsJson.execute("stats", "--aeron-dir", ManagerProcess.aeronDir(directory).toString(),
                "--admin-token", "admin", "--json"));
            final JsonNode tree =
                new ObjectMapper().readTree(json.toString());
            assertEquals(100, tree.at("/pool/namespaces/0/sealedBlocks").asLong(), json.toString());
            assertEquals("llama", tree.at("/pool/namespaces/0/info/name").asText());

            // The agent publishes figures for scrapes about once a second: poll until they show the puts.
            final String sealed = "kvpool_namespace_blocks{namespace=\"llama\",state=\"sealed\"} 100.0";
            String metrics = "";
            for (int attempt = 0; attempt < 50 && !metrics.contains(sealed); attempt++)
            {
                Thread.sleep(100);
                metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + manager.metricsPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            }
            assertTrue(metrics.contains(sealed), metrics);
            assertTrue(metrics.contains("kvpool_hits_total{namespace=\"llama\"} 100.0"), metrics);
            assertTrue(metrics.contains("kvpool_request_latency_seconds_count{op=\"commit\"}"), metrics);
        }
    }

    @Test
    void shouldRefuseWrongTokenOverTheWireAndCountIt() throws Exception
    {
        try (ManagerProcess manager = ManagerProcess.start(directory))
        {
            createNamespace(ipc("", "admin"));
            final PoolException wrong = assertThrows(PoolException.class, () -> ipc("llama", "not-the-token"));
            assertEquals(ErrorCode.REQUEST_REFUSED, wrong.errorCode());
            assertTrue(wrong.getMessage().contains("unknown namespace or wrong token"), wrong.getMessage());
            final PoolException admin = assertThrows(PoolException.class, () -> udp(manager, "", "guess"));
            assertEquals(ErrorCode.REQUEST_REFUSED, admin.errorCode());
            try (ManagerClient client = ipc("", "admin"))
            {
                assertEquals(2, client.stats().rejectedRequests());
            }
        }
    }

    @Test
    void shouldFinishCleanlyOnSigtermAndRecoverAfterSigkillWithoutLosingAcknowledgedCommits() throws Exception
    {
        final Map<Long, Integer> acknowledged = new LinkedHashMap<>();
        long outcomesUnknown = 0;
        ManagerProcess manager = ManagerProcess.start(directory);
        try
        {
            createNamespace(ipc("", "admin"));
            try (ManagerClient client = ipc("llama", "llama-token");
                 Region region = map(client))
            {
                acknowledged.putAll(putRange(client, region, 0, 50));
                assertEquals(0, manager.terminate(), "SIGTERM exits 0");
                assertTrue(manager.output().contains("stopped cleanly"), manager.output());
                try (Region check = Region.map(RegionSource.file(ManagerProcess.regionFile(directory), 0)))
                {
                    assertTrue(SuperblockDescriptor.isCleanShutdown(check.segment()), "marked clean on SIGTERM");
                }
                manager = ManagerProcess.start(directory);
                assertTrue(manager.output().contains("recovery: clean"), manager.output());

                // Stream commits and kill the manager mid-stream; a fresh one takes over while the client goes on.
                long next = 50;
                boolean killed = false;
                while (next < 400)
                {
                    if (next >= 150 && !killed)
                    {
                        assertEquals(137, manager.kill(), "SIGKILL");
                        killed = true;
                        manager = ManagerProcess.start(directory);
                    }
                    try
                    {
                        acknowledged.putAll(putRange(client, region, next, 10));
                        next += 10;
                    }
                    catch (final PoolException ex)
                    {
                        assertEquals(ErrorCode.OUTCOME_UNKNOWN, ex.errorCode(), ex.getMessage());
                        outcomesUnknown++;
                    }
                }
                assertTrue(client.reconnects() >= 2, "the client re-established its session after each restart");
                assertTrue(manager.output().contains("recovery: recovered"), manager.output());
            }
            try (ManagerClient reader = udp(manager, "llama", "llama-token");
                 Region region = map(reader))
            {
                assertEquals(acknowledged.size(), readAndVerify(reader, region, acknowledged),
                    "every acknowledged commit is readable with its checksum");
                final PoolStats.Namespace llama = reader.stats().pool().namespaces().getFirst();
                assertEquals(0, llama.writingBlocks(), "no reservation leaks");
                assertEquals(0, reader.stats().pool().openReservations());
                assertTrue(llama.sealedBlocks() >= acknowledged.size());
                assertTrue(outcomesUnknown <= 2, "at most the batch in flight at each restart: " + outcomesUnknown);
            }
        }
        finally
        {
            manager.close();
        }
    }

    private ManagerClient ipc(final String namespace, final String token)
    {
        return ManagerClient.connect(new ManagerClientContext().aeronDir(ManagerProcess.aeronDir(directory))
            .namespace(namespace).token(token).requestTimeout(Duration.ofSeconds(2))
            .connectTimeout(Duration.ofSeconds(30)));
    }

    private ManagerClient udp(final ManagerProcess manager, final String namespace, final String token)
    {
        return ManagerClient.connect(new ManagerClientContext()
            .embeddedDriverDir(directory.resolve("client-aeron-" + System.nanoTime()))
            .managerEndpoint(manager.udpEndpoint).responseHost("127.0.0.1").namespace(namespace).token(token)
            .requestTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(30)));
    }

    private static void createNamespace(final ManagerClient admin)
    {
        try (admin)
        {
            final NamespaceInfo info = admin.createNamespace("llama", BLOCK, 1, 0, "llama-token");
            assertEquals(BLOCK, info.blockSizeBytes());
        }
    }

    /**
     * Maps the region the session names, as a client on the same host does, and checks it is the same region.
     */
    private static Region map(final ManagerClient client)
    {
        final Region region = Region.map(RegionSource.file(Path.of(client.session().pathHint()), 0));
        assertEquals(client.session().regionUuid(), SuperblockDescriptor.uuid(region.segment()));
        return region;
    }

    private static Map<Long, Integer> putRange(
        final ManagerClient client, final Region region, final long first, final int count)
    {
        final BlockBatch batch = batch(first, count);
        assertEquals(count, client.reserve(batch));
        final Map<Long, Integer> checksums = new LinkedHashMap<>();
        for (int i = 0; i < count; i++)
        {
            final int length = (int)(BLOCK - (first + i) % 1000);
            final MemorySegment block = region.segment().asSlice(batch.offset(i), length);
            fill(block, first + i);
            batch.length(i, length);
            batch.checksum(i, crc(block));
            checksums.put(first + i, batch.checksum(i));
        }
        assertEquals(count, client.commit(batch));
        return checksums;
    }

    private static int readAndVerify(final ManagerClient client, final Region region, final Map<Long, Integer> keys)
    {
        int verified = 0;
        final Long[] all = keys.keySet().toArray(new Long[0]);
        for (int start = 0; start < all.length; start += BlockBatch.MAX_KEYS)
        {
            final BlockBatch batch = new BlockBatch();
            for (int i = start; i < Math.min(all.length, start + BlockBatch.MAX_KEYS); i++)
            {
                batch.addKey(key(all[i]));
            }
            client.lookup(batch);
            for (int i = 0; i < batch.size(); i++)
            {
                assertEquals(Status.OK, batch.status(i), "key " + all[start + i]);
                final long entry = client.session().geometry().blockTableOffset() +
                    batch.blockIndex(i) * BlockTableDescriptor.ENTRY_LENGTH_BYTES;
                final long stamp = BlockTableDescriptor.stampAcquire(region.segment(), entry);
                final byte[] copy = new byte[batch.length(i)];
                MemorySegment.copy(region.segment(), ValueLayout.JAVA_BYTE, batch.offset(i), copy, 0, copy.length);
                assertTrue(BlockTableDescriptor.unchangedSince(region.segment(), entry, stamp));
                assertEquals((int)keys.get(all[start + i]), batch.checksum(i));
                assertEquals(batch.checksum(i), crc(MemorySegment.ofArray(copy)), "bytes of " + all[start + i]);
                verified++;
            }
        }
        return verified;
    }

    private static BlockBatch batch(final long first, final int count)
    {
        final BlockBatch batch = new BlockBatch();
        for (int i = 0; i < count; i++)
        {
            batch.addKey(key(first + i));
        }
        return batch;
    }

    private static byte[] key(final long value)
    {
        return ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(value).putLong(value * 31)
            .putLong(~value).putLong(0x6B7670L).array();
    }

    private static void fill(final MemorySegment segment, final long seed)
    {
        Payloads.fill(segment, seed);
    }

    private static int crc(final MemorySegment segment)
    {
        return Checksums.crc32c(segment);
    }
}
