package io.kvpool.bench;

import io.kvpool.protocol.ByteSizes;
import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.FileTrees;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./kvpool bench loopback}: what this host's loopback carries at all, without the pool, as the ceiling that
 * the network rows of {@code bench shapes} are read against: one TCP connection ({@link TcpLoopback}) and a bare
 * Aeron UDP stream configured as kvpool's data path ({@link AeronStream}). Each sends batches of 32 blocks from
 * native memory into a mapping in /dev/shm, a round trip per batch, as a network put moves a batch (its RESERVE,
 * COMMIT and index work left out); the last batch of every row comes back with its CRC32C as received, checked
 * against what was sent.
 */
@Command(
    name = "loopback",
    mixinStandardHelpOptions = true,
    header = "What this host's loopback carries without the pool (TCP, bare Aeron UDP).",
    description = "Batches of 32 blocks over one TCP " +
        "connection and over a bare Aeron UDP stream set up as kvpool's data path (60 KiB MTU, one media-driver " +
        "thread a side, the receiving driver run by the thread that copies each message into a /dev/shm mapping, " +
        "as the manager's thread does), into a 256 MiB ring, an acknowledgement per batch: the ceiling to read " +
        "the network rows of `bench shapes` against. The last batch of each row is checked byte for byte (CRC32C).",
    footer = {"", "Exit status: 0 done, 1 failed (or a batch arrived corrupted), 2 usage error."})
public final class LoopbackCommand implements Callable<Integer>
{
    /** Blocks per batch, as a network put of {@code bench shapes} sends them. */
    static final int BATCH = 32;
    /** Bytes of the mapping the receivers write into, a ring (as a put writes new blocks, not in cache). */
    static final long RING_BYTES = 256L << 20;

    @Spec
    private CommandSpec spec;

    @Option(names = "--sizes", split = ",", defaultValue = "64k,256k,2m", paramLabel = "SIZE",
        description = "Block sizes, 4k to 8m (default: ${DEFAULT-VALUE}).")
    private List<String> sizes;

    @Option(names = "--seconds", defaultValue = "4", paramLabel = "N",
        description = "Measured seconds per row, after a second of warm-up (default: ${DEFAULT-VALUE}).")
    private double seconds;

    /** One way of moving the batches. */
    interface Stream extends AutoCloseable
    {
        /**
         * Sends one batch of {@link LoopbackCommand#BATCH} blocks of the source and waits for its acknowledgement.
         *
         * @param verify whether the receiver checksums the batch as it received it.
         * @return the receiver's CRC32C of the batch's bytes as they landed (0 unless {@code verify}).
         */
        int batch(boolean verify) throws Exception;
    }

    @Override
    public Integer call() throws Exception
    {
        final long[] blockSizes = new long[sizes.size()];
        for (int i = 0; i < blockSizes.length; i++)
        {
            final long size = Options.parsed("--sizes", sizes.get(i), ByteSizes::parse);
            if (size < 4096 || size > (8 << 20))
            {
                throw new IllegalArgumentException("--sizes=" + sizes.get(i) + ": expected 4k to 8m");
            }
            blockSizes[i] = size;
        }
        if (!(seconds > 0) || seconds > 3600)
        {
            throw new IllegalArgumentException("--seconds=" + seconds + ": expected more than 0, at most 3600");
        }
        final PrintWriter out = spec.commandLine().getOut();
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        final Path directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-loopback-");
        // Interrupted (Ctrl-C), the ring's 256 MiB of tmpfs must not outlive the process.
        final Thread cleanup = new Thread(() -> FileTrees.delete(directory), "loopback-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try (Arena arena = Arena.ofShared())
        {
            final MemorySegment ring = map(directory.resolve("ring"), arena);
            out.printf("kvpool bench loopback: %d cores, %s s a row, batches of %d blocks into a mapping in %s%n",
                Runtime.getRuntime().availableProcessors(), seconds, BATCH, directory);
            out.printf("%-10s %-8s %10s %9s %10s%n", "stream", "size", "batches/s", "GB/s", "checked");
            for (final long size : blockSizes)
            {
                // Each size's sources are freed before the next size's (up to 256 MiB each).
                try (Arena sources = Arena.ofShared())
                {
                    final MemorySegment source = sources.allocate(size * BATCH, 4096);
                    for (long i = 0; i < source.byteSize(); i += Long.BYTES)
                    {
                        source.set(ValueLayout.JAVA_LONG_UNALIGNED, i, i * 0x9E3779B97F4A7C15L + size);
                    }
                    final int expected = Checksums.crc32c(source);
                    try (Stream tcp = new TcpLoopback(source, size, ring))
                    {
                        row(out, "tcp", size, tcp, expected);
                    }
                    try (Stream aeron = new AeronStream(source, size, ring, directory.resolve("aeron")))
                    {
                        row(out, "aeron-udp", size, aeron, expected);
                    }
                }
                out.flush();
            }
        }
        finally
        {
            FileTrees.delete(directory);
            try
            {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            }
            catch (final IllegalStateException ex)
            {
                // The JVM is shutting down: the hook runs (and finds nothing left to delete).
            }
        }
        return 0;
    }

    private void row(final PrintWriter out, final String name, final long size, final Stream stream,
        final int expected) throws Exception
    {
        final long warmUpNs = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() - warmUpNs < 0)
        {
            stream.batch(false);
        }
        final long startNs = System.nanoTime();
        final long endNs = startNs + (long)(seconds * 1e9);
        long batches = 0;
        do
        {
            stream.batch(false);
            batches++;
        }
        while (System.nanoTime() - endNs < 0);
        final double elapsed = (System.nanoTime() - startNs) / 1e9;
        final int received = stream.batch(true);
        if (received != expected)
        {
            throw new IllegalStateException(name + ", " + ByteSizes.format(size) + ": the last batch arrived with " +
                "CRC32C " + Integer.toHexString(received) + ", sent " + Integer.toHexString(expected));
        }
        out.printf("%-10s %-8s %10.0f %9.2f %10s%n", name, ByteSizes.format(size), batches / elapsed,
            batches * BATCH * size / elapsed / 1e9, "ok");
    }

    private static MemorySegment map(final Path file, final Arena arena) throws java.io.IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            channel.truncate(RING_BYTES);
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, RING_BYTES, arena);
        }
    }
}
