package io.kvpool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvPoolCliTest
{
    @TempDir
    Path directory;

    @Test
    void shouldPrintHelpForEveryCommand()
    {
        final CommandLine commandLine = KvPoolCli.commandLine();
        final CommandRun top = run("--help");
        assertEquals(0, top.exitCode());
        // The launcher's own commands are named too, or a newcomer never finds the benchmarks or the rig.
        assertTrue(top.out().contains("kvpool bench --help") && top.out().contains("rig SCENARIO"), top.out());
        for (final String name : commandLine.getSubcommands().keySet())
        {
            assertTrue(top.out().contains(name), "top-level help lists " + name);
            if (!"help".equals(name))
            {
                final CommandRun help = run(name, "--help");
                assertEquals(0, help.exitCode(), name + " --help");
                assertTrue(help.out().contains("Usage: kvpool " + name), help.out());
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
        final CommandRun demo = run("selfcheck", "--region-file", region.toString(), "--size", "64m", "--slab-size", "2m",
            "--block-size", "64k", "--blocks", "100");
        assertEquals(0, demo.exitCode(), demo.err());
        final String[] lines = demo.out().strip().split("\n");
        assertTrue(lines[lines.length - 1].startsWith("self-check OK: 100 blocks verified"), demo.out());
        assertTrue(demo.out().contains("put 100 blocks, got 100 back"), demo.out());
        assertTrue(Files.size(region) >= 64L << 20);

        final CommandRun again = run("selfcheck", "--region-file", region.toString(), "--size", "64m");
        assertEquals(2, again.exitCode(), "an option naming an existing file is a usage error");
        assertTrue(again.err().contains("already exists") && again.err().contains("--format"), again.err());

        final CommandRun inspect = run("inspect", region.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("shut down cleanly"), inspect.out());
        assertTrue(inspect.out().contains("llama-3-8b"), inspect.out());
        assertTrue(inspect.out().contains("mistral-7b"), inspect.out());
        // 31 slabs of 2 MiB and their tables fill the 64 MiB to the last byte: no tail for a key directory.
        assertTrue(inspect.out().contains("directory   none (no room past the slabs): first gets ask the manager"),
            inspect.out());

        final Path spacious = directory.resolve("spacious");
        assertEquals(0, run("selfcheck", "--region-file", spacious.toString(), "--size", "65m", "--slab-size", "2m",
            "--block-size", "64k", "--blocks", "100").exitCode());
        final CommandRun withDirectory = run("inspect", spacious.toString());
        final Matcher line = Pattern.compile("directory   512 buckets at 64 MiB, (\\d+) slots in use")
            .matcher(withDirectory.out());
        assertTrue(line.find(), withDirectory.out());
        assertTrue(Long.parseLong(line.group(1)) >= 100, "every block the self-check left sealed: " + line.group());
    }

    @Test
    void shouldReplayTraceSampleWithEngineProcessesAndCheckEveryByte() throws IOException
    {
        final CommandRun demo = run("demo", "--requests", "120", "--engines", "2", "--size", "256m");
        assertEquals(0, demo.exitCode(), demo.err());
        final String[] lines = demo.out().strip().split("\n");
        final String summary = lines[lines.length - 1];
        assertTrue(summary.matches("summary: 120 requests, \\d+\\.\\d% block hit rate, .* served at .* GB/s, p99 get \\d+ " +
            "us, \\d+\\.\\d s of prefill saved, 0 corrupt"), summary);
        assertTrue(demo.out().contains("requests          120 (120 by 2 engines"), demo.out());
        assertTrue(demo.out().contains("every byte checked: 0 corrupt"), demo.out());
        // RDMA is information here, not a to-do: whatever this host has, the header asks nobody to install anything.
        final String header = lines[0];
        assertTrue(header.matches(".*; RDMA (on|off: no libibverbs|off: no RDMA device[^;]*);.*"), header);
        assertFalse(header.contains("install"), header);
        // The README's sample shows the lines the demo prints, in the same order.
        assertEquals(labels(demo.out().lines().toList()), labels(readmeDemoSample()), demo.out());
    }

    @Test
    void shouldAgreeWithTheReadmeOnHowLongQuickTakes() throws Exception
    {
        final CommandRun help = run("demo", "--help");
        assertTrue(help.out().replaceAll("\\s+", " ").contains("(" + DemoCommand.QUICK_TAKES + ")"), help.out());
        assertTrue(Files.readString(readme()).contains("(" + DemoCommand.QUICK_TAKES + ")"),
            "README says --quick takes " + DemoCommand.QUICK_TAKES);
    }

    private static Path readme()
    {
        return Path.of(System.getProperty("kvpool.jvm.options")).resolveSibling("README.md");
    }

    /** The README's demo sample: the fenced block after "./kvpool demo` is kvpool end to end". */
    private static List<String> readmeDemoSample() throws IOException
    {
        final String text = Files.readString(readme());
        final int from = text.indexOf("```\n", text.indexOf("`./kvpool demo` is kvpool end to end")) + 4;
        return text.substring(from, text.indexOf("```", from)).lines().toList();
    }

    /** Each line's label: the text before its value (two spaces, or a colon for the header and the summary). */
    private static List<String> labels(final List<String> lines)
    {
        return lines.stream().filter(line -> !line.isBlank() && !line.startsWith("replay "))
            .map(line -> line.startsWith("kvpool demo:") || line.startsWith("summary:") ?
                line.substring(0, line.indexOf(':') + 1) : line.split(" {2,}")[0]).toList();
    }

    @Test
    void shouldRejectBadSizesAndNonRegionsClearly() throws Exception
    {
        final CommandRun badSize = run("selfcheck", "--size", "lots");
        assertEquals(2, badSize.exitCode());
        assertTrue(badSize.err().contains("'lots' is not a size"), badSize.err());

        final Path notRegion = directory.resolve("not-a-region");
        Files.write(notRegion, new byte[8192]);
        final CommandRun inspect = run("inspect", notRegion.toString());
        assertEquals(1, inspect.exitCode());
        assertTrue(inspect.err().contains("REGION_NOT_FORMATTED"), inspect.err());
        // inspect has no --format: the fix names the command that has.
        assertTrue(inspect.err().contains("kvpool manager --format"), inspect.err());
    }

    private static CommandRun run(final String... args)
    {
        return CommandRun.of(KvPoolCli.commandLine(), args);
    }
}
