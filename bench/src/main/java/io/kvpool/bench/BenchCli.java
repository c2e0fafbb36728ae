package io.kvpool.bench;

import io.kvpool.bench.characterize.CharacterizeCommand;
import io.kvpool.bench.replay.ReplayCommand;
import io.kvpool.cli.UsageErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./kvpool bench}: benchmark commands. The launcher runs this class on bench's own classpath.
 */
@Command(
    name = "kvpool bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks of kvpool's data paths.",
    subcommands = {CharacterizeCommand.class, ReplayCommand.class, JmhCommand.class, RemoteCommand.class,
        ShapesCommand.class, LoopbackCommand.class, GpuCommand.class, PythonCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Exit status: 0 done, 1 failed while running (or a benchmark's check failed), 2 usage error."})
public final class BenchCli
{
    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine()
    {
        return UsageErrors.install(new CommandLine(new BenchCli()));
    }
}
