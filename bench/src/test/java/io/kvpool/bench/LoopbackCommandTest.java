package io.kvpool.bench;

import io.kvpool.protocol.Checksums;
import io.kvpool.protocol.FileTrees;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench loopback}: real rows over TCP and Aeron on 127.0.0.1 (the last batch of each checked by CRC32C), the
 * streams landing every byte where the ring says, and refused options.
 */
class LoopbackCommandTest
{
    @Test
    void shouldPrintACheckedRowPerStreamAndSize()
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine command = new CommandLine(new LoopbackCommand()).setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err));
        assertEquals(0, command.execute("--sizes", "64k,100k", "--seconds", "0.2"), err.toString());
        final List<String[]> rows = Arrays.stream(out.toString().split("\n"))
            .filter(line -> line.startsWith("tcp") || line.startsWith("aeron-udp"))
            .map(line -> line.trim().split("\\s+")).toList();
        assertEquals(List.of("tcp 64 KiB", "aeron-udp 64 KiB", "tcp 100 KiB", "aeron-udp 100 KiB"),
            rows.stream().map(row -> row[0] + " " + row[1] + " " + row[2]).toList(), out.toString());
        for (final String[] row : rows)
        {
            final String text = String.join(" ", row);
            final double batches = Double.parseDouble(row[3]);
            assertTrue(batches > 0, text);
            // GB/s is batches/s x 32 blocks x the size, printed to two decimals.
            final long size = row[1].equals("64") ? 65_536 : 102_400;
            assertEquals(batches * LoopbackCommand.BATCH * size / 1e9, Double.parseDouble(row[4]), 0.006, text);
            assertEquals("ok", row[5], text);
        }
    }

    @Test
    void shouldLandEveryBatchInTheRingInOrder() throws Exception
    {
        final Path directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-loopback-test-");
        try (Arena arena = Arena.ofShared())
        {
            // A block that is not a whole number of Aeron messages, and a ring that wraps between batches.
            final long size = 3 * 61_440 + 4_160;
            final MemorySegment source = arena.allocate(size * LoopbackCommand.BATCH, 64);
            for (long i = 0; i < source.byteSize(); i++)
            {
                source.set(ValueLayout.JAVA_BYTE, i, (byte)(i * 31 + i / 997));
            }
            final MemorySegment ring = arena.allocate(source.byteSize() + size / 2, 64);
            final int expected = Checksums.crc32c(source);
            try (LoopbackCommand.Stream tcp = new TcpLoopback(source, size, ring))
            {
                assertEquals(expected, tcp.batch(true));
                assertEquals(0, tcp.batch(false)); // unchecked batches answer 0
                assertEquals(expected, tcp.batch(true)); // the third batch wrapped to the ring's start
            }
            assertEquals(expected, Checksums.crc32c(ring.asSlice(0, source.byteSize())));
            ring.fill((byte)0);
            try (LoopbackCommand.Stream aeron = new AeronStream(source, size, ring, directory))
            {
                assertEquals(expected, aeron.batch(true));
                assertEquals(0, aeron.batch(false));
                assertEquals(expected, aeron.batch(true));
            }
            assertEquals(expected, Checksums.crc32c(ring.asSlice(0, source.byteSize())));
        }
        finally
        {
            FileTrees.delete(directory);
        }
    }

    @Test
    void shouldRefuseBadOptionsNamingThem()
    {
        Refusals.assertRefused(new LoopbackCommand(), "--sizes=1k: expected 4k to 8m", "--sizes", "1k");
        Refusals.assertRefused(new LoopbackCommand(), "--sizes=9m: expected 4k to 8m", "--sizes", "64k,9m");
        Refusals.assertRefused(new LoopbackCommand(), "--sizes=lots: size='lots' is not a size", "--sizes", "lots");
        Refusals.assertRefused(new LoopbackCommand(), "--seconds=0.0: expected more than 0", "--seconds", "0");
    }
}
