package io.kvpool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mistakes on the command line get one style and one exit status: the error, at most a close-match suggestion, one
 * line pointing at --help (never the whole help page); exit 2 for every usage error, 1 for a failure while running.
 */
class UsageErrorsTest
{
    @TempDir
    Path directory;

    @Test
    void shouldPrintTheErrorAndAPointerToHelpForAnUnknownOption()
    {
        final CommandRun result = run("demo", "--nosuch");
        assertEquals(2, result.exitCode());
        assertEquals(List.of("kvpool demo: unknown option '--nosuch'",
            "Try 'kvpool demo --help' for more information."),
            result.errLines(), result.err());
        assertFalse(result.err().contains("Usage:"), "no help page after the error: " + result.err());
    }

    @Test
    void shouldSuggestOnlyCloseMatches()
    {
        final CommandRun unknown = run("nosuchcmd");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().startsWith("kvpool: unknown command 'nosuchcmd'; the commands are demo, manager"),
            unknown.err());
        assertFalse(unknown.err().contains("Did you mean"), "nothing is close to nosuchcmd: " + unknown.err());

        final CommandRun typo = run("selfchek");
        assertEquals(2, typo.exitCode());
        assertTrue(typo.err().contains("Did you mean kvpool selfcheck?"), typo.err());

        final CommandRun option = run("demo", "--engine", "2");
        assertEquals(2, option.exitCode());
        assertTrue(option.err().contains("Did you mean --engines?"), option.err());

        assertEquals(List.of(), UsageErrors.closeMatches("nosuchcmd", List.of("selfcheck", "demo", "stats")));
        assertEquals(List.of("--engines"), UsageErrors.closeMatches("--eng", List.of("--engines", "--size")));
        assertEquals(1, UsageErrors.editDistance("stast", "stats"), "a swap of neighbours costs 1");
    }

    @Test
    void shouldReportTheSameKindOfMistakeInTheSameStyleAndStatus()
    {
        // One is refused by the command's own check, the other by picocli's converter: the user sees no difference.
        final CommandRun engines = run("demo", "--engines", "0");
        final CommandRun blockSize = run("demo", "--block-size", "0");
        for (final CommandRun result : List.of(engines, blockSize))
        {
            assertEquals(2, result.exitCode(), result.err());
            assertEquals(2, result.errLines().size(), result.err());
            assertTrue(result.errLines().get(0).startsWith("kvpool demo: "), result.err());
            assertEquals("Try 'kvpool demo --help' for more information.", result.errLines().get(1));
        }
        assertEquals("kvpool demo: --engines=0 must be between 1 and 16", engines.errLines().get(0));
        assertEquals("kvpool demo: Invalid value for option '--block-size': size='0' must be greater than zero",
            blockSize.errLines().get(0));
    }

    @Test
    void shouldExitOneForAFailureWhileRunning() throws Exception
    {
        final Path notRegion = directory.resolve("not-a-region");
        Files.write(notRegion, new byte[8192]);
        final CommandRun inspect = run("inspect", notRegion.toString());
        assertEquals(1, inspect.exitCode(), inspect.err());
        assertEquals(List.of("kvpool inspect: REGION_NOT_FORMATTED: the region has no superblock (all zero): format " +
            "it first with kvpool manager --format (or --format-if-empty)"), inspect.errLines());
    }

    @Test
    void shouldSayTimeoutsAsPeopleWriteThem()
    {
        final CommandRun stats = run("stats", "--aeron-dir", directory.resolve("no-driver").toString(),
            "--timeout", "1");
        assertEquals(1, stats.exitCode());
        assertTrue(stats.err().startsWith("kvpool stats: MANAGER_UNREACHABLE: no pool manager answered within 1s (IPC"),
            stats.err());
        assertFalse(stats.err().contains("PT1S"), stats.err());
    }

    private static CommandRun run(final String... args)
    {
        return CommandRun.of(KvPoolCli.commandLine(), args);
    }
}
