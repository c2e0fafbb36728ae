package io.kvpool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvPoolCliTest
{
    @TempDir
    Path directory;

    @Test
    void shouldPrintHelpForEveryCommand()
    {
        final CommandLine commandLine = KvPoolCli.commandLine();
        final Result top = run("--help");
        assertEquals(0, top.exitCode);
        // The launcher's own commands are named too, or a newcomer never finds the benchmarks or the rig.
        assertTrue(top.out.contains("kvpool bench --help") && top.out.contains("rig SCENARIO"), top.out);
        for (final String name : commandLine.getSubcommands().keySet())
        {
            assertTrue(top.out.contains(name), "top-level help lists " + name);
            if (!"help".equals(name))
            {
                final Result help = run(name, "--help");
                assertEquals(0, help.exitCode, name + " --help");
                assertTrue(help.out.contains("Usage: kvpool " + name), help.out);
            }
        }
    }

    @Test
    void shouldSummarizeEveryCommandInOneWholeSentence()
    {
        // The command list shows a command's header, else its description's first line: a fragment there reads
        // as a cut-off sentence ("... then several engine").
        for (final CommandLine command : KvPoolCli.commandLine().getSubcommands().values())
        {
            final CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
            final String summary = usage.header().length > 0 ? usage.header()[0] : usage.description()[0];
            assertTrue(summary.endsWith(".") && summary.length() <= 100,
                command.getCommandName() + ": " + summary);
        }
    }

    @Test
    void shouldRunSelfCheckAndInspectItsRegion() throws Exception
    {
        final Path region = directory.resolve("region");
        final Result demo = run("selfcheck", "--region-file", region.toString(), "--size", "64m", "--slab-size", "2m",
            "--block-size", "64k", "--blocks", "100");
        assertEquals(0, demo.exitCode, demo.err);
        final String[] lines = demo.out.strip().split("\n");
        assertTrue(lines[lines.length - 1].startsWith("self-check OK: 100 blocks verified"), demo.out);
        assertTrue(demo.out.contains("put 100 blocks, got 100 back"), demo.out);
        assertTrue(Files.size(region) >= 64L << 20);

        final Result again = run("selfcheck", "--region-file", region.toString(), "--size", "64m");
        assertEquals(1, again.exitCode);
        assertTrue(again.err.contains("already exists") && again.err.contains("--format"), again.err);

        final Result inspect = run("inspect", region.toString());
        assertEquals(0, inspect.exitCode, inspect.err);
        assertTrue(inspect.out.contains("shut down cleanly"), inspect.out);
        assertTrue(inspect.out.contains("llama-3-8b"), inspect.out);
        assertTrue(inspect.out.contains("mistral-7b"), inspect.out);
    }

    @Test
    void shouldReplayTraceSampleWithEngineProcessesAndCheckEveryByte()
    {
        final Result demo = run("demo", "--requests", "120", "--engines", "2", "--size", "256m");
        assertEquals(0, demo.exitCode, demo.err);
        final String[] lines = demo.out.strip().split("\n");
        final String summary = lines[lines.length - 1];
        assertTrue(summary.matches("summary: 120 requests, \\d+\\.\\d% block hit rate, .* served at .* GB/s, p99 get \\d+ " +
            "us, \\d+\\.\\d s of prefill saved, 0 corrupt"), summary);
        assertTrue(demo.out.contains("requests          120 (120 by 2 engines"), demo.out);
        assertTrue(demo.out.contains("every byte checked: 0 corrupt"), demo.out);
    }

    @Test
    void shouldRejectBadSizesAndNonRegionsClearly() throws Exception
    {
        final Result badSize = run("selfcheck", "--size", "lots");
        assertEquals(2, badSize.exitCode);
        assertTrue(badSize.err.contains("'lots' is not a size"), badSize.err);

        final Path notRegion = directory.resolve("not-a-region");
        Files.write(notRegion, new byte[8192]);
        final Result inspect = run("inspect", notRegion.toString());
        assertEquals(1, inspect.exitCode);
        assertTrue(inspect.err.contains("REGION_NOT_FORMATTED"), inspect.err);
        assertTrue(inspect.err.contains("--format"), inspect.err);
    }

    private static Result run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = KvPoolCli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exitCode = commandLine.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err)
    {
    }
}
