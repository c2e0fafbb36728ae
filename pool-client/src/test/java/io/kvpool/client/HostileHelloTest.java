package io.kvpool.client;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.kvpool.protocol.wire.HelloFlyweight;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unauthenticated HELLOs cost the manager a fixed, small amount: a HELLO with a wrong token whose response channel
 * asks for 256 MiB terms, not sparse, used to grow the manager's driver directory by three terms of real memory
 * (768 MiB) and stall it. The manager now chooses every parameter of every publication it opens and keeps at most
 * a few small refusal channels at once, so a flood of such HELLOs grows the directory by a bounded few MiB, and
 * clients keep being served.
 */
class HostileHelloTest
{
    private static final long BOUND_BYTES = 8L << 20;
    private final ManagerFixture fixture = new ManagerFixture(64L << 20);

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldSpendAFixedSmallCostOnUnauthenticatedHellosAndKeepServing() throws Exception
    {
        fixture.createNamespace("real", 64 * 1024, 4, "real-token");
        final Path aeronDir = fixture.directory.resolve("aeron");
        final long before = allocatedBytes(aeronDir);
        final long rejectedBefore = fixture.stats().rejectedRequests();
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir.toString()));
             Publication requests = aeron.addPublication("aeron:ipc?term-length=1m",
                 ManagerClientContext.DEFAULT_REQUEST_STREAM_ID))
        {
            final ExpandableArrayBuffer hello = new ExpandableArrayBuffer(4096);
            final String[] hostile = {"aeron:ipc?term-length=256m|sparse=false",
                "aeron:udp?endpoint=127.0.0.1:9|term-length=64m|sparse=false|mtu=65504",
                "aeron:udp?control=127.0.0.1:9|control-mode=dynamic|term-length=64m", "aeron-spy:aeron:ipc",
                "aeron:tcp?endpoint=127.0.0.1:9", "not a channel at all"};
            for (int i = 0; i < 200; i++)
            {
                final int length = HelloFlyweight.encode(hello, 0, i + 1, 7000 + i, i % 2 == 0 ? "real" : "nope",
                    "wrong-token", hostile[i % hostile.length], "hostile");
                final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (requests.offer(hello, 0, length) < 0)
                {
                    assertTrue(System.nanoTime() < deadlineNs, "the manager stopped taking requests");
                    Thread.onSpinWait();
                }
            }
            Thread.sleep(1000);
        }
        final long growth = allocatedBytes(aeronDir) - before;
        assertTrue(growth < BOUND_BYTES, "the driver directory grew by " + growth + " bytes for 200 hostile " +
            "HELLOs; the bound is " + BOUND_BYTES);
        assertTrue(fixture.stats().rejectedRequests() - rejectedBefore >= 200, "every hostile HELLO is counted");

        // And clients are served as before.
        try (KvPool pool = KvPool.connect(fixture.poolContext()); Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = pool.namespace("real", 64 * 1024, "real-token");
            final BlockKeys keys = BlockKeys.of(new byte[][]{"hostile-hello-test-key-0123456789".substring(0, 32)
                .getBytes(StandardCharsets.US_ASCII)});
            final MemorySegment page = arena.allocate(64 * 1024).fill((byte)3);
            assertEquals(1, ns.put(keys, new MemorySegment[]{page}).okCount());
            final MemorySegment copy = arena.allocate(64 * 1024);
            assertEquals(1, ns.get(keys, new MemorySegment[]{copy}).okCount());
            assertEquals(-1, copy.mismatch(page));
        }
    }

    /**
     * @return bytes of memory the directory's files hold (allocated blocks, not apparent sizes: sparse files count
     *         only what is touched).
     */
    private static long allocatedBytes(final Path directory) throws IOException, InterruptedException
    {
        final Process du = new ProcessBuilder("du", "-sk", directory.toString()).redirectErrorStream(true).start();
        final String output = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, du.waitFor(), output);
        return Long.parseLong(output.split("\\s+")[0]) * 1024;
    }
}
