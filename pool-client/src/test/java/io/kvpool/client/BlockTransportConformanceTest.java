package io.kvpool.client;

import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.transport.BlockTransport;
import io.kvpool.protocol.transport.TcpPuts;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.transport.TransportContext;
import io.kvpool.protocol.wire.HelloOkEncoder;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every {@link BlockTransport} keeps, run against each transport present: sizes from 1 byte to
 * 4 MiB, batches, concurrent callers, a failure in the middle of a batch, a peer that disappears, a closed
 * transport. Blocks are reserved and committed through the real manager; only the bytes go through the transport.
 * The manager runs in this JVM, or, for transports that reach it over the network and where the environment names
 * one ({@link RemoteManager}), on another host.
 */
abstract class BlockTransportConformanceTest
{
    static final long BLOCK = 4L << 20;
    /** Every data lane a manager serves is opened, whatever this host's cores (KvPoolContext.dataLanes). */
    static final int EVERY_LANE = HelloOkEncoder.MAX_LANES + 1;

    ManagerFixture fixture;
    RemoteManager remote;
    ManagerClient control;
    BlockTransport transport;
    Arena arena;
    private final AtomicLong keys = new AtomicLong();

    /**
     * @return the transport under test, for the session of {@code control}.
     */
    abstract BlockTransport open(TransportContext context);

    /**
     * @return the status a read completes with after the manager process is gone (OK where the bytes stay
     *         reachable without it, as on a mapped region; TRANSPORT_FAILED where the manager serves them).
     */
    abstract int statusAfterPeerLoss();

    /**
     * @return the manager endpoint the transport uses ({@code null} for IPC).
     */
    String managerEndpoint()
    {
        return null;
    }

    /**
     * @return whether this transport can reach a manager on another host (then the environment may name one).
     */
    boolean reachesRemoteManagers()
    {
        return managerEndpoint() != null;
    }

    /**
     * @return where the transport sends puts' bytes when the manager takes them over TCP too (the client's default).
     */
    TcpPuts tcpPuts()
    {
        return TcpPuts.AUTO;
    }

    /**
     * @return the manager in this JVM the suite runs against.
     */
    ManagerFixture newFixture()
    {
        return new ManagerFixture(160L << 20, 8L << 20);
    }

    @BeforeEach
    void setUp()
    {
        arena = Arena.ofShared();
        remote = reachesRemoteManagers() ? RemoteManager.fromEnvironment() : null;
        if (remote != null)
        {
            // The remote manager outlives this test: keys of its own, so that no earlier test's blocks collide.
            keys.set(System.nanoTime() & ((1L << 50) - 1));
            remote.createNamespace("conformance", BLOCK, 0, "");
            control = ManagerClient.connect(remote.clientContext("conformance", ""));
            transport = open(new TransportContext(control.session(), () -> control.session().sessionId(),
                remote.endpoint, remote.responseHost, null, remote.nextDriverDir(), null, control::rdmaConnect,
                AeronIdle.BACKOFF, EVERY_LANE, tcpPuts()));
            return;
        }
        fixture = newFixture();
        fixture.createNamespace("conformance", BLOCK, 0, "");
        control = ManagerClient.connect(fixture.clientContext("conformance", ""));
        final String endpoint = managerEndpoint() == null ? null : fixture.manager.udpEndpoint();
        transport = open(new TransportContext(control.session(), () -> control.session().sessionId(), endpoint,
            "127.0.0.1", fixture.directory.resolve("aeron"),
            endpoint == null ? null : fixture.directory.resolve("client-driver"), null, control::rdmaConnect,
            AeronIdle.BACKOFF, EVERY_LANE, tcpPuts()));
    }

    @AfterEach
    void tearDown()
    {
        CloseHelper.closeAll(transport, control, arena, fixture, remote);
    }

    @Test
    void shouldMoveEverySizeFromOneByteToFourMebibytes()
    {
        moveAndCheck(new int[]{1, 7, 4096, 65_539, 1 << 20, (int)BLOCK}, size -> arena.allocate(size), 31);
    }

    /**
     * Writes a batch of one source per size ({@code allocate}d, filled from {@code seedStep} times its index plus
     * its size), commits it, reads it back into poisoned buffers one byte longer, and checks each entry: written
     * and read OK, every byte equal, nothing written past its range.
     */
    void moveAndCheck(final int[] sizes, final IntFunction<MemorySegment> allocate, final long seedStep)
    {
        final BlockBatch reserved = reserve(sizes.length);
        final TransferBatch writes = new TransferBatch();
        final MemorySegment[] sources = new MemorySegment[sizes.length];
        for (int i = 0; i < sizes.length; i++)
        {
            sources[i] = allocate.apply(sizes[i]);
            Payloads.fill(sources[i], seedStep * i + sizes[i]);
            writes.add(reserved.blockIndex(i), reserved.generation(i), reserved.offset(i), sizes[i], sources[i]);
        }
        transport.write(writes).join();
        for (int i = 0; i < sizes.length; i++)
        {
            assertEquals(Status.OK, writes.status(i), "write of " + sizes[i] + " bytes");
        }
        commit(reserved, sources);
        checkReadBack(reserved, sizes, sources);
    }

    @Test
    void shouldMoveBatchesOfManyEntries()
    {
        final int count = 32;
        final BlockBatch reserved = reserve(count);
        final MemorySegment[] sources = new MemorySegment[count];
        final TransferBatch writes = new TransferBatch();
        final int[] sizes = new int[count];
        for (int i = 0; i < count; i++)
        {
            sizes[i] = 65_536 + i * 1000;
            sources[i] = arena.allocate(sizes[i]);
            Payloads.fill(sources[i], 1000 + i);
            writes.add(reserved.blockIndex(i), reserved.generation(i), reserved.offset(i), sizes[i], sources[i]);
        }
        transport.write(writes).join();
        commit(reserved, sources);
        checkReadBack(reserved, sizes, sources);
    }

    @Test
    void shouldServeConcurrentCallers() throws Exception
    {
        final List<CompletableFuture<Integer>> callers = new ArrayList<>();
        for (int t = 0; t < 4; t++)
        {
            final int caller = t;
            callers.add(CompletableFuture.supplyAsync(() ->
            {
                int verified = 0;
                for (int round = 0; round < 5; round++)
                {
                    final BlockBatch reserved = reserve(2);
                    final MemorySegment[] sources = {arena.allocate(100_000), arena.allocate(300_000)};
                    final TransferBatch writes = new TransferBatch();
                    for (int i = 0; i < 2; i++)
                    {
                        Payloads.fill(sources[i], caller * 100 + round * 10 + i);
                        writes.add(reserved.blockIndex(i), reserved.generation(i), reserved.offset(i),
                            (int)sources[i].byteSize(), sources[i]);
                    }
                    transport.write(writes).join();
                    commit(reserved, sources);
                    final TransferBatch reads = readBack(reserved, new int[]{100_000, 300_000});
                    for (int i = 0; i < 2; i++)
                    {
                        if (reads.status(i) == Status.OK &&
                            reads.segment(i).asSlice(0, sources[i].byteSize()).mismatch(sources[i]) == -1)
                        {
                            verified++;
                        }
                    }
                }
                return verified;
            }));
        }
        for (final CompletableFuture<Integer> caller : callers)
        {
            assertEquals(10, caller.get(60, TimeUnit.SECONDS));
        }
    }

    /**
     * A transport that serializes transfers serves them in the order their threads asked: while a thread waits for
     * it, a thread transferring back to back finishes at most three (the one under way when the other queued, the
     * one it queued for after the waiter's, and one more while the waiter, served, is yet to note the count). Under
     * a monitor the busy thread took the transport back again and again (up to 121 times here), and a waiter's p99
     * grew to many transfers. Transports that need no turn (a mapping) never make the caller wait, and the bound is
     * then not in question.
     */
    @Test
    void shouldServeAWaitingCallerBeforeABusyOneAgain() throws Exception
    {
        final int size = (int)BLOCK;
        final BlockBatch reserved = reserve(1);
        final MemorySegment source = arena.allocate(size);
        Payloads.fill(source, 4242);
        final TransferBatch writes = new TransferBatch();
        writes.add(reserved.blockIndex(0), reserved.generation(0), reserved.offset(0), size, source);
        transport.write(writes).join();
        assertEquals(Status.OK, writes.status(0));
        commit(reserved, new MemorySegment[]{source});

        final AtomicLong busyReads = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final TransferBatch busyRead = new TransferBatch();
        busyRead.add(reserved.blockIndex(0), reserved.generation(0), reserved.offset(0), size, arena.allocate(size));
        final CompletableFuture<Void> busy = CompletableFuture.runAsync(() ->
        {
            while (!stop.get())
            {
                // Asks again at once, as a busy engine thread does.
                assertEquals(Status.OK, transport.read(busyRead).join().status(0), "busy caller's read");
                busyReads.incrementAndGet();
            }
        });
        try
        {
            while (busyReads.get() < 10)
            {
                assertTrue(!busy.isDone(), "busy caller ended early");
                Thread.onSpinWait();
            }
            for (int attempt = 0; attempt < 20; attempt++)
            {
                final long[] busyWhenServed = new long[1];
                final TransferBatch[] served = new TransferBatch[1];
                final Thread waiter = Thread.ofPlatform().start(() ->
                {
                    served[0] = readBack(reserved, new int[]{size});
                    busyWhenServed[0] = busyReads.get();
                });
                long busyWhenWaiting = -1;
                while (waiter.isAlive() && busyWhenWaiting < 0)
                {
                    final Thread.State state = waiter.getState();
                    if (state == Thread.State.WAITING || state == Thread.State.BLOCKED)
                    {
                        busyWhenWaiting = busyReads.get();
                    }
                }
                waiter.join(timeout().toMillis());
                assertTrue(!waiter.isAlive(), "the waiting caller was never served");
                assertEquals(Status.OK, served[0].status(0));
                assertEquals(-1, served[0].segment(0).asSlice(0, size).mismatch(source));
                if (busyWhenWaiting >= 0)
                {
                    // The busy thread's transfer under way when the waiter queued, its next after the waiter's,
                    // and one more before the waiter, rescheduled, noted the count.
                    assertTrue(busyWhenServed[0] - busyWhenWaiting <= 3, "the busy caller was served " +
                        (busyWhenServed[0] - busyWhenWaiting) + " times while another waited");
                }
            }
        }
        finally
        {
            stop.set(true);
            busy.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void shouldFailOnlyTheBadEntryInTheMiddleOfABatch()
    {
        final BlockBatch reserved = reserve(3);
        final MemorySegment[] sources = new MemorySegment[3];
        final TransferBatch writes = new TransferBatch();
        for (int i = 0; i < 3; i++)
        {
            sources[i] = arena.allocate(5000);
            Payloads.fill(sources[i], 7 + i);
            // The middle entry names a generation that was never reserved.
            writes.add(reserved.blockIndex(i), reserved.generation(i) + (i == 1 ? 1 : 0), reserved.offset(i), 5000,
                sources[i]);
        }
        transport.write(writes).join();
        assertEquals(Status.OK, writes.status(0));
        assertEquals(Status.UNKNOWN_RESERVATION, writes.status(1));
        assertEquals(Status.OK, writes.status(2));
        commit(reserved, sources);

        final TransferBatch reads = new TransferBatch();
        reads.add(reserved.blockIndex(0), reserved.generation(0), reserved.offset(0), 5000, poisoned(5000));
        reads.add(reserved.blockIndex(1), reserved.generation(1) + 7, reserved.offset(1), 5000, poisoned(5000));
        reads.add(reserved.blockIndex(2), reserved.generation(2), reserved.offset(2) + BLOCK - 10, 5000,
            poisoned(5000));
        reads.add(reserved.blockIndex(2), reserved.generation(2), reserved.offset(2), 5000, poisoned(5000));
        transport.read(reads).join();
        assertEquals(Status.OK, reads.status(0));
        assertEquals(Status.NOT_FOUND, reads.status(1), "a stale generation is a miss");
        assertEquals(Status.OUT_OF_RANGE, reads.status(2), "a range past the block's end");
        assertEquals(Status.OK, reads.status(3));
        assertEquals(-1, reads.segment(3).asSlice(0, 5000).mismatch(sources[2]));
    }

    /**
     * writeChecksummed: each entry stored as write stores it, and its checksum that of its {@code length} source
     * bytes (sources one byte longer than written, sizes on both sides of Checksums.COPY_CHUNK_BYTES); an entry
     * refused keeps its status and the others are stored.
     */
    @Test
    void shouldChecksumWhatItWrites()
    {
        final int chunk = Checksums.COPY_CHUNK_BYTES;
        final int[] sizes = {1, chunk - 1, chunk, chunk + 1, 65_539, (1 << 20) + 3};
        final BlockBatch reserved = reserve(sizes.length);
        final MemorySegment[] sources = new MemorySegment[sizes.length];
        final TransferBatch writes = new TransferBatch(1);
        for (int i = 0; i < sizes.length; i++)
        {
            sources[i] = arena.allocate(sizes[i] + 1);
            Payloads.fill(sources[i], 41 * i + sizes[i]);
            writes.add(reserved.blockIndex(i), reserved.generation(i), reserved.offset(i), sizes[i], sources[i]);
        }
        final BlockBatch other = reserve(1);
        writes.add(other.blockIndex(0), other.generation(0) + 1, other.offset(0), 100, sources[4]); // never reserved
        transport.writeChecksummed(writes).join();
        for (int i = 0; i < sizes.length; i++)
        {
            assertEquals(Status.OK, writes.status(i), "write of " + sizes[i] + " bytes");
            sources[i] = sources[i].asSlice(0, sizes[i]);
            assertEquals(Checksums.crc32c(sources[i]), writes.checksum(i), "checksum of " + sizes[i] + " bytes");
        }
        assertEquals(Status.UNKNOWN_RESERVATION, writes.status(sizes.length));
        commit(reserved, sources);
        checkReadBack(reserved, sizes, sources);
    }

    @Test
    void shouldNeitherHangNorLieWhenThePeerDisappearsAndServeAgainWhenItReturns()
    {
        final BlockBatch reserved = reserve(1);
        final MemorySegment[] sources = {arena.allocate(70_000)};
        Payloads.fill(sources[0], 99);
        final TransferBatch writes = new TransferBatch();
        writes.add(reserved.blockIndex(0), reserved.generation(0), reserved.offset(0), 70_000, sources[0]);
        transport.write(writes).join();
        commit(reserved, sources);
        final BlockBatch pending = remote == null ? reserve(1) : null;
        if (remote != null)
        {
            remote.kill();
        }
        else
        {
            fixture.manager.close();
        }
        final long start = System.nanoTime();
        final TransferBatch reads = readBack(reserved, new int[]{70_000});
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "completes in bounded time");
        assertEquals(statusAfterPeerLoss(), reads.status(0));
        if (reads.status(0) == Status.OK)
        {
            assertEquals(-1, reads.segment(0).asSlice(0, 70_000).mismatch(sources[0]));
        }
        if (remote == null)
        {
            // A write into a reservation made before the loss, to a manager that stays gone: as the read. (Against
            // a remote manager, which its supervisor restarts at once, such a write first reconnects through the
            // control plane to the recovering manager: on the rig's emulated hosts that took over two minutes.)
            final TransferBatch lateWrite = new TransferBatch();
            lateWrite.add(pending.blockIndex(0), pending.generation(0), pending.offset(0), 70_000, sources[0]);
            final long writeStart = System.nanoTime();
            transport.write(lateWrite).join();
            assertTrue(System.nanoTime() - writeStart < TimeUnit.SECONDS.toNanos(30), "a write in bounded time");
            assertEquals(statusAfterPeerLoss(), lateWrite.status(0), "a write to a manager that is gone");
        }

        // The manager comes back on the same region (the remote one is restarted by its supervisor and recovers
        // after the kill): once the control plane has a session again, the transport serves the block again.
        if (remote == null)
        {
            fixture.relaunch();
        }
        final BlockBatch found = new BlockBatch();
        found.addKey(reserved.key(0));
        assertEquals(1, control.lookup(found), "the block survived the manager's restart");
        final TransferBatch again = new TransferBatch();
        again.add(found.blockIndex(0), found.generation(0), found.offset(0), 70_000, poisoned(70_001));
        transport.read(again).join();
        assertEquals(Status.OK, again.status(0), "served again once the manager is back");
        assertEquals(-1, again.segment(0).asSlice(0, 70_000).mismatch(sources[0]));

        // And writes again, under the session the restarted manager opened.
        final BlockBatch next = reserve(1);
        final MemorySegment[] more = {arena.allocate(70_000)};
        Payloads.fill(more[0], 100);
        final TransferBatch write = new TransferBatch();
        write.add(next.blockIndex(0), next.generation(0), next.offset(0), 70_000, more[0]);
        transport.write(write).join();
        assertEquals(Status.OK, write.status(0), "written again once the manager is back");
        commit(next, more);
        checkReadBack(next, new int[]{70_000}, more);
    }

    @Test
    void shouldRefuseTransfersOnceClosed()
    {
        transport.close();
        transport.close();
        final TransferBatch batch = new TransferBatch();
        batch.add(0, 1, 0, 1, arena.allocate(1));
        assertThrows(IllegalStateException.class, () -> transport.read(batch));
        assertThrows(IllegalStateException.class, () -> transport.write(batch));
    }

    BlockBatch reserve(final int count)
    {
        final BlockBatch batch = new BlockBatch();
        for (int i = 0; i < count; i++)
        {
            batch.addKey(ManagerFixture.key(keys.incrementAndGet() + 1_000_000L * Thread.currentThread().threadId()));
        }
        synchronized (control)
        {
            assertEquals(count, control.reserve(batch));
        }
        return batch;
    }

    void commit(final BlockBatch reserved, final MemorySegment[] sources)
    {
        for (int i = 0; i < reserved.size(); i++)
        {
            reserved.length(i, (int)sources[i].byteSize());
            reserved.checksum(i, Checksums.crc32c(sources[i]));
        }
        assertEquals(reserved.size(), control.commit(reserved));
    }

    /** Reads every block back into poisoned buffers one byte longer: each OK, equal, nothing past its range. */
    void checkReadBack(final BlockBatch reserved, final int[] sizes, final MemorySegment[] sources)
    {
        final TransferBatch reads = readBack(reserved, sizes);
        for (int i = 0; i < sizes.length; i++)
        {
            assertEquals(Status.OK, reads.status(i), "read of " + sizes[i] + " bytes");
            assertEquals(-1, reads.segment(i).asSlice(0, sizes[i]).mismatch(sources[i]), sizes[i] + " bytes");
            assertEquals((byte)0x5A, reads.segment(i).get(ValueLayout.JAVA_BYTE, sizes[i]),
                "nothing written past the range");
        }
    }

    TransferBatch readBack(final BlockBatch reserved, final int[] sizes)
    {
        final TransferBatch reads = new TransferBatch();
        for (int i = 0; i < reserved.size(); i++)
        {
            reads.add(reserved.blockIndex(i), reserved.generation(i), reserved.offset(i), sizes[i],
                poisoned(sizes[i] + 1));
        }
        return transport.read(reads).join();
    }

    private MemorySegment poisoned(final long bytes)
    {
        return arena.allocate(bytes).fill((byte)0x5A);
    }

    static Duration timeout()
    {
        return Duration.ofSeconds(20);
    }
}
