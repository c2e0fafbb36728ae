package io.kvpool.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench shapes}: a short run of real rows (a manager in this JVM, every get's bytes checked), and refused
 * options, each named with its value before anything starts.
 */
class ShapesCommandTest
{
    @Test
    void shouldPrintARowForEveryShapeWithThroughputBesideTheCopy()
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine command = new CommandLine(new ShapesCommand()).setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err));
        assertEquals(0, command.execute("--paths", "mapped,network", "--sizes", "64k", "--batches", "1,4",
            "--threads", "2", "--seconds", "0.2", "--checksum-threads", "0,1", "--manager-idle", "yield",
            "--data-lanes", "2"), err.toString());
        assertTrue(out.toString().contains("idle yield, 2 data lanes"), out.toString());
        final List<String[]> rows = Arrays.stream(out.toString().split("\n"))
            .filter(line -> line.startsWith("mapped") || line.startsWith("network"))
            .map(line -> line.trim().split("\\s+")).toList();
        // copy, copy-cold, get-first, get-repeat, and put once per count of checksum threads.
        assertEquals(2 * 2 * 6, rows.size(), out.toString());
        assertEquals(List.of("copy", "copy-cold", "get-first", "get-repeat", "put c=0", "put c=1"), rows.subList(0, 6)
            .stream().map(row -> row[5].equals("put") ? "put " + row[6] : row[5]).toList());
        for (final String[] row : rows)
        {
            // path, size (two words), batch, threads, op[, c=N], blocks/s, GB/s, p50, p99[, vs copy, vs cold]
            final int numbers = row[5].equals("put") ? 7 : 6;
            final String text = String.join(" ", row);
            assertEquals("2", row[4], text);
            assertTrue(Double.parseDouble(row[numbers]) > 0, "blocks/s: " + text);
            // GB/s is blocks/s x 64 KiB, printed to two decimals (a row starved of its cores may print 0.00).
            assertEquals(Double.parseDouble(row[numbers]) * 65_536 / 1e9, Double.parseDouble(row[numbers + 1]),
                0.0051, "GB/s: " + text);
            final boolean baseline = row[5].startsWith("copy");
            assertEquals(baseline ? numbers + 4 : numbers + 6, row.length, text);
            assertTrue(baseline || row[numbers + 4].endsWith("x") && row[numbers + 5].endsWith("x"), text);
        }
    }

    @Test
    void shouldRefuseBadOptionsNamingThem()
    {
        assertRefused("--paths=disk: expected mapped or network", "--paths", "disk");
        assertRefused("--ops=delete: expected copy, copy-cold, get-first, get-repeat or put", "--ops", "delete");
        assertRefused("--checksum-threads=-1: expected 0 to 64", "--checksum-threads", "-1");
        assertRefused("--batches=0: expected 1 to 1024", "--batches", "0");
        assertRefused("--threads=0: expected 1 to 256", "--threads", "1,0");
        assertRefused("--seconds=0.0: expected more than 0", "--seconds", "0");
        assertRefused("--manager-idle=nap: expected backoff, spin or yield", "--manager-idle", "nap");
        assertRefused("--data-lanes=0: expected 1 to 17 or auto", "--data-lanes", "0");
        assertRefused("--data-lanes=18: expected 1 to 17 or auto", "--data-lanes", "18");
        assertRefused("--data-lanes=many: expected 1 to 17 or auto", "--data-lanes", "many");
        assertRefused("--sizes=100: expected a multiple of 64 bytes from 4k to 64m", "--sizes", "100");
        assertRefused("--sizes=lots: size='lots' is not a size", "--sizes", "lots");
    }

    private static void assertRefused(final String message, final String... args)
    {
        Refusals.assertRefused(new ShapesCommand(), message, args);
    }
}
