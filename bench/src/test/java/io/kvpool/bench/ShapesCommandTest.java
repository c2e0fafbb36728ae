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
            "--threads", "2", "--seconds", "0.2"), err.toString());
        final List<String[]> rows = Arrays.stream(out.toString().split("\n"))
            .filter(line -> line.startsWith("mapped") || line.startsWith("network"))
            .map(line -> line.trim().split("\\s+")).toList();
        assertEquals(2 * 2 * 4, rows.size(), out.toString());
        for (final String[] row : rows)
        {
            // path, size (two words), batch, threads, op, blocks/s, GB/s, p50, p99[, vs copy]
            assertEquals("2", row[4], String.join(" ", row));
            assertTrue(Double.parseDouble(row[6]) > 0, "blocks/s: " + String.join(" ", row));
            assertTrue(Double.parseDouble(row[7]) > 0, "GB/s: " + String.join(" ", row));
            assertEquals(!row[5].equals("copy"), row.length == 11 && row[10].endsWith("x"), String.join(" ", row));
        }
    }

    @Test
    void shouldRefuseBadOptionsNamingThem()
    {
        assertRefused("--paths=disk: expected mapped or network", "--paths", "disk");
        assertRefused("--ops=delete: expected copy, get-first, get-repeat or put", "--ops", "delete");
        assertRefused("--batches=0: expected 1 to 1024", "--batches", "0");
        assertRefused("--threads=0: expected 1 to 256", "--threads", "1,0");
        assertRefused("--seconds=0.0: expected more than 0", "--seconds", "0");
        assertRefused("--sizes=100: expected a multiple of 64 bytes from 4k to 64m", "--sizes", "100");
        assertRefused("--sizes=lots: size='lots' is not a size", "--sizes", "lots");
    }

    private static void assertRefused(final String message, final String... args)
    {
        Refusals.assertRefused(new ShapesCommand(), message, args);
    }
}
