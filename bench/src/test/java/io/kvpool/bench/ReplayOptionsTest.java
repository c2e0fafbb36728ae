package io.kvpool.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvpool.cli.CommandRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kvpool bench replay} as a user meets it through {@code kvpool bench}: sizes named with their option and
 * unit, a pool sized in blocks, options checked by name before anything starts, and trace files that are not
 * traces named as such.
 */
class ReplayOptionsTest
{
    private static final String GOOD_LINE =
        "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 1, \"hash_ids\": [7, 8]}\n";

    @TempDir
    Path directory;

    @Test
    void shouldNameTheOptionAndTheUnitOfACapacityTooSmall()
    {
        final CommandRun result = run("replay", "--capacity", "4096");
        assertEquals(2, result.exitCode(), result.err());
        assertEquals(List.of("kvpool bench replay: --capacity=4096 is 4 KiB: below the smallest pool, 66 MiB (one " +
            "64 MiB slab, 1024 blocks of 64 KiB, and the tables). --capacity takes bytes (e.g. 1g); for a pool of N " +
            "blocks give --capacity-blocks N", "Try 'kvpool bench replay --help' for more information."),
            result.errLines());
    }

    @Test
    void shouldSizeThePoolInBlocksWhenAskedTo() throws IOException
    {
        final CommandRun result = run("replay", "--capacity-blocks", "1500", "--requests", "20", "--json");
        assertEquals(0, result.exitCode(), result.err());
        final JsonNode report = new ObjectMapper().readTree(result.out());
        // 1,500 blocks of 64 KiB take two 64 MiB slabs of 1,024: the pool holds at least what was asked.
        assertEquals(2048, report.get("capacityBlocks").asLong());
        assertEquals(20, report.get("requests").asInt());

        final CommandRun both = run("replay", "--capacity", "1g", "--capacity-blocks", "10");
        assertEquals(2, both.exitCode());
        assertTrue(both.err().startsWith("kvpool bench replay: --capacity and --capacity-blocks both size the pool"),
            both.err());
        final CommandRun none = run("replay", "--capacity-blocks", "0");
        assertEquals(2, none.exitCode());
        assertTrue(none.err().startsWith("kvpool bench replay: --capacity-blocks=0 must be between 1 and"), none.err());
    }

    @Test
    void shouldRefuseOutOfRangeOptionsByName()
    {
        final CommandRun clients = run("replay", "--clients", "0");
        assertEquals(2, clients.exitCode());
        assertEquals("kvpool bench replay: --clients=0 must be between 1 and 256", clients.errLines().getFirst());
        assertFalse(clients.err().contains("blockSizeBytes="), "no internal record: " + clients.err());
        final CommandRun rate = run("replay", "--prefill-rate", "0");
        assertEquals(2, rate.exitCode());
        assertEquals("kvpool bench replay: --prefill-rate=0.0 must be positive (tokens/s)",
            rate.errLines().getFirst());
        final CommandRun block = run("replay", "--block-bytes", "100");
        assertEquals(2, block.exitCode());
        assertTrue(block.errLines().getFirst().startsWith("kvpool bench replay: --block-bytes=100 must be a " +
            "multiple of 64"), block.err());
    }

    @Test
    void shouldSayWhatIsWrongWithATraceThatIsNotText() throws IOException
    {
        final byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++)
        {
            binary[i] = (byte)(0x80 + i % 100);
        }
        final Path file = Files.write(directory.resolve("trace.bin"), binary);
        final CommandRun result = run("replay", "--trace", file.toString());
        assertEquals(1, result.exitCode());
        assertTrue(result.err().startsWith("kvpool bench replay: " + file + ":1: not UTF-8 text ("), result.err());
        assertTrue(result.err().contains("is this a compressed or binary file?"), result.err());
        assertFalse(result.err().contains("at line 0"), result.err());

        final Path nul = Files.write(directory.resolve("nul.jsonl"), new byte[]{'{', 0, 0, '}', '\n'});
        final CommandRun withNul = run("replay", "--trace", nul.toString());
        assertEquals(1, withNul.exitCode());
        assertTrue(withNul.err().contains(nul + ":1: binary data (a NUL byte), not JSON text"), withNul.err());
    }

    @Test
    void shouldNameTheOptionThatSkipsMalformedLines() throws IOException
    {
        final Path trace = Files.writeString(directory.resolve("bad.jsonl"), GOOD_LINE + "{\"timestamp\": 1, oops\n");
        final CommandRun result = run("replay", "--trace", trace.toString());
        assertEquals(1, result.exitCode());
        assertTrue(result.err().startsWith("kvpool bench replay: " + trace + ":2: "), result.err());
        assertTrue(result.err().contains("(--on-malformed=skip goes past malformed lines)"), result.err());
    }

    private static CommandRun run(final String... args)
    {
        return CommandRun.of(BenchCli.commandLine(), args);
    }
}
