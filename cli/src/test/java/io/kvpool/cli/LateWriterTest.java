package io.kvpool.cli;

import io.kvpool.client.BatchResult;
import io.kvpool.client.BlockKeys;
import io.kvpool.client.KvNamespace;
import io.kvpool.client.KvPool;
import io.kvpool.client.KvPoolContext;
import io.kvpool.client.ManagerClient;
import io.kvpool.client.ManagerClientContext;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A writer that outlives its reservations never corrupts other keys' blocks (issue: a late writer served as OK).
 * The namespace holds exactly {@value #BLOCKS} blocks of 256 KiB, so a second writer's keys reuse the first writer's
 * blocks. The first writer ({@link LateWriter}, its own JVM) is frozen with SIGSTOP while a batch's reservations are
 * open; its reservations then lapse (or die with a SIGKILLed manager), the second writer puts {@value #BLOCKS} new
 * keys and reads them back, the first writer is let go (and, in one variant, killed in the middle of its late copy),
 * and every key of the second writer must read back byte-exact or be missing: never the first writer's bytes.
 */
class LateWriterTest
{
    private static final int BLOCKS = 1024;
    private static final long BLOCK_BYTES = 256 * 1024;
    private static final int SLABS = 128;
    private static final String[] MANAGER = {"--size", "320m", "--lease", "3s"};
    private static final String NAMESPACE = "late";
    private static final String TOKEN = "late-token";
    /**
     * The most blocks a frozen or killed writer can hold intents on: one per thread that stores a mapped put's
     * blocks, the putting thread and its pool's checksum helpers ({@link KvPoolContext#checksumThreads}, the
     * writer's default on this host), each storing one block at a time.
     */
    private static final int STORING_THREADS = 1 + new KvPoolContext().checksumThreads();

    private Path directory;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void createDirectory() throws IOException
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-late-writer-");
    }

    @AfterEach
    void cleanUp() throws IOException, InterruptedException
    {
        for (final Process process : processes)
        {
            signal(process, "CONT");
            process.destroyForcibly();
            // Gone before the directory is: a writer still running could create files under the deletion (a
            // run left one such directory, 326 MiB, in /dev/shm).
            process.waitFor(30, TimeUnit.SECONDS);
        }
        FileTrees.delete(directory);
    }

    @Test
    void shouldNeverServeALateWritersBytesAfterItsLeaseLapses() throws Exception
    {
        try (ManagerProcess manager = startManager())
        {
            final Process writer = freezeMidBatch(manager);
            awaitNoOpenReservations(manager);
            final Verdict verdict = secondWriterThenRelease(manager, writer, false);
            verdict.assertNoneWrong();
            assertTrue(verdict.exact >= BLOCKS - STORING_THREADS,
                "at most the blocks being copied stay quarantined: " + verdict);
        }
    }

    @Test
    void shouldNeverServeALateWritersBytesAfterTheManagerRestarts() throws Exception
    {
        Process writer;
        try (ManagerProcess manager = startManager())
        {
            writer = freezeMidBatch(manager);
            assertEquals(128 + 9, manager.kill(), "SIGKILL");
        }
        try (ManagerProcess manager = ManagerProcess.start(directory, MANAGER))
        {
            secondWriterThenRelease(manager, writer, false).assertNoneWrong();
        }
    }

    @Test
    void shouldNeverServeWrongBytesWhenTheLateWriterDiesMidCopy() throws Exception
    {
        try (ManagerProcess manager = startManager())
        {
            final Process writer = freezeMidBatch(manager);
            awaitNoOpenReservations(manager);
            final Verdict verdict = secondWriterThenRelease(manager, writer, true);
            verdict.assertNoneWrong();
            // A writer killed while it held intents leaves those blocks quarantined, never reused: one per
            // storing thread at most.
            assertTrue(stats(manager).quarantinedBlocks() <= STORING_THREADS, "quarantined: " + stats(manager));
        }
    }

    private ManagerProcess startManager() throws Exception
    {
        final ManagerProcess manager = ManagerProcess.start(directory, MANAGER);
        try (ManagerClient admin = admin(manager))
        {
            // One namespace of exactly BLOCKS blocks of 256 KiB: 128 slabs of 2 MiB.
            admin.createNamespace(NAMESPACE, BLOCK_BYTES, 0, SLABS, TOKEN);
        }
        return manager;
    }

    /**
     * Starts the first writer and freezes it while one of its batches has reservations open (its copy or its
     * checksums in progress); retries a few times if the freeze lands between batches. The writer has rounds
     * enough to outlast the search (a round of 256 MiB takes a few tenths of a second; 50 rounds were over before a
     * freeze once landed mid-batch).
     */
    private Process freezeMidBatch(final ManagerProcess manager) throws Exception
    {
        final Process writer = new ProcessBuilder(javaCommand(LateWriter.class.getName(),
            ManagerProcess.aeronDir(directory).toString(), NAMESPACE, TOKEN, Integer.toString(BLOCKS),
            Long.toString(BLOCK_BYTES), "500", directory.resolve("hold").toString())).redirectErrorStream(true)
            .redirectOutput(directory.resolve("writer.log").toFile()).start();
        processes.add(writer);
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadlineNs)
        {
            if (!writer.isAlive())
            {
                fail("writer exited: " + Files.readString(directory.resolve("writer.log")));
            }
            if (stats(manager).writingBlocks() > 0 && Files.readString(directory.resolve("writer.log"))
                .contains("stored"))
            {
                signal(writer, "STOP");
                Thread.sleep(50);
                if (stats(manager).writingBlocks() > 0)
                {
                    return writer;
                }
                signal(writer, "CONT");
            }
            Thread.sleep(1);
        }
        throw new AssertionError("never caught the writer with reservations open");
    }

    private void awaitNoOpenReservations(final ManagerProcess manager) throws Exception
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (stats(manager).writingBlocks() > 0)
        {
            assertTrue(System.nanoTime() < deadlineNs, "the frozen writer's reservations never lapsed");
            Thread.sleep(50);
        }
    }

    /**
     * The second writer puts BLOCKS new keys and reads them back; the first writer is let go (and killed
     * {@code killLateWriter} a moment later, mid-copy), finishes or dies; the second writer's keys are read again.
     */
    private Verdict secondWriterThenRelease(final ManagerProcess manager, final Process writer,
        final boolean killLateWriter) throws Exception
    {
        try (KvPool pool = KvPool.connect(new KvPoolContext().aeronDir(ManagerProcess.aeronDir(directory))
            .connectTimeout(Duration.ofSeconds(30)));
             Arena arena = Arena.ofShared())
        {
            final KvNamespace ns = pool.namespace(NAMESPACE, BLOCK_BYTES, TOKEN);
            final BlockKeys keys = ClientWorker.keys(1, BLOCKS);
            final MemorySegment[] pages = new MemorySegment[BLOCKS];
            for (int i = 0; i < BLOCKS; i++)
            {
                pages[i] = arena.allocate(BLOCK_BYTES, 64);
                Payloads.fill(pages[i], 1 + i);
            }
            final BatchResult stored = ns.put(keys, pages);
            assertTrue(stored.okCount() >= BLOCKS - STORING_THREADS, "the second writer's put: " + stored.okCount());
            assertEquals(stored.okCount(), read(ns, keys, pages, arena).exact, "read back at once");

            // The writer finishes its frozen round and then waits: a next round of its own would evict the keys
            // read below (the namespace holds BLOCKS blocks), racing the test to stop it.
            Files.writeString(directory.resolve("hold"), "hold");
            signal(writer, "CONT");
            if (killLateWriter)
            {
                Thread.sleep(2);
                writer.destroyForcibly();
            }
            else
            {
                awaitRoundAfterRelease(writer);
            }
            return read(ns, keys, pages, arena);
        }
    }

    private void awaitRoundAfterRelease(final Process writer) throws Exception
    {
        final Path log = directory.resolve("writer.log");
        final long before = Files.readString(log).lines().filter(line -> line.startsWith("round ")).count();
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Files.readString(log).lines().filter(line -> line.startsWith("round ")).count() == before)
        {
            assertTrue(writer.isAlive(), "writer died: " + Files.readString(log));
            if (System.nanoTime() >= deadlineNs)
            {
                fail("the writer's frozen batch never finished; its log:\n" + Files.readString(log) +
                    "\nits threads:\n" + threadsOf(writer));
            }
            Thread.sleep(10);
        }
        signal(writer, "STOP");
    }

    /** @return the process's thread dump (jcmd), for a failure's message. */
    private static String threadsOf(final Process process)
    {
        try
        {
            final Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()), "Thread.print").redirectErrorStream(true).start();
            final String dump = new String(jcmd.getInputStream().readAllBytes());
            jcmd.waitFor(30, TimeUnit.SECONDS);
            return dump;
        }
        catch (final IOException | InterruptedException ex)
        {
            return "no thread dump: " + ex;
        }
    }

    private static Verdict read(final KvNamespace ns, final BlockKeys keys, final MemorySegment[] expected,
        final Arena arena)
    {
        final MemorySegment[] copies = new MemorySegment[keys.size()];
        for (int i = 0; i < copies.length; i++)
        {
            copies[i] = arena.allocate(BLOCK_BYTES, 64);
        }
        final BatchResult result = ns.get(keys, copies);
        final Verdict verdict = new Verdict();
        for (int i = 0; i < keys.size(); i++)
        {
            if (result.status(i) != Status.OK)
            {
                verdict.missing++;
            }
            else if (result.length(i) == BLOCK_BYTES && copies[i].mismatch(expected[i]) == -1)
            {
                verdict.exact++;
            }
            else
            {
                verdict.wrong++;
            }
        }
        return verdict;
    }

    private static PoolStats.Namespace stats(final ManagerProcess manager)
    {
        try (ManagerClient admin = admin(manager))
        {
            return admin.stats().pool().namespaces().stream().filter(ns -> NAMESPACE.equals(ns.info().name()))
                .findFirst().orElseThrow();
        }
    }

    private static ManagerClient admin(final ManagerProcess manager)
    {
        return ManagerClient.connect(new ManagerClientContext().aeronDir(ManagerProcess.aeronDir(manager.directory))
            .token("admin").connectTimeout(Duration.ofSeconds(30)));
    }

    private static void signal(final Process process, final String signal) throws IOException, InterruptedException
    {
        if (process.isAlive())
        {
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
        }
    }

    private static List<String> javaCommand(final String mainClass, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("@" + System.getProperty("kvpool.jvm.options"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    private static final class Verdict
    {
        int exact;
        int missing;
        int wrong;

        /** No read returned bytes but the second writer's, and every one of its keys was read. */
        void assertNoneWrong()
        {
            assertEquals(0, wrong, toString());
            assertEquals(BLOCKS, exact + missing, toString());
        }

        @Override
        public String toString()
        {
            return "exact=" + exact + " missing=" + missing + " wrong=" + wrong;
        }
    }
}
